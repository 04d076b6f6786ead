{#- Rows to chunks (algorithms.md §1). Every monitor query starts here.

    The monitored columns are renamed to positional aliases (c0, c1, ... for continuous features,
    k0, k1, ... for categorical ones), so quoting, case and spaces in the user's column names are
    handled once, in this macro, and never again downstream.

    Rows are ordered by the timestamp (ties broken by the id), or by the id when there is no
    timestamp; NannyML orders by its own row labels, which a warehouse table does not have.
    Rows whose timestamp is NULL cannot be placed and are left out of every chunk. -#}

{% macro driftline_feature_alias(monitor, column_name) %}
  {%- if column_name in monitor.continuous -%}
    {{ return('c' ~ monitor.continuous.index(column_name)) }}
  {%- else -%}
    {{ return('k' ~ monitor.categorical.index(column_name)) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_period_rows(monitor, period, with_features=true) %}
  {%- set relation = monitor.reference_sql if period == 'reference' else monitor.analysis_sql -%}
  {%- set row_filter = monitor.reference_filter if period == 'reference' else monitor.analysis_filter -%}
  select
    '{{ period }}' as period,
    {% if monitor.timestamp -%} cast({{ adapter.quote(monitor.timestamp) }} as timestamp) {%- else -%} cast(null as timestamp) {%- endif %} as row_ts,
    {% if monitor.id -%} {{ adapter.quote(monitor.id) }} {%- else -%} cast(null as integer) {%- endif %} as row_id
    {%- for c in (monitor.continuous if with_features else []) %},
    {{ driftline_clean_number(adapter.quote(c)) }} as c{{ loop.index0 }}
    {%- endfor %}
    {%- for c in (monitor.categorical if with_features else []) %},
    {{ driftline_category_text(adapter.quote(c)) }} as k{{ loop.index0 }}
    {%- endfor %}
  from {{ relation }}
  where {{ row_filter }}
  {%- if monitor.timestamp %}
    and {{ adapter.quote(monitor.timestamp) }} is not null
  {%- endif %}
{% endmacro %}


{% macro driftline_chunk_index_expr(chunking) %}
  {#- The chunk of a row from its position (row_pos, 0-based) and its period's row count (period_rows).
      -1 marks remainder rows dropped by incomplete='drop'. -#}
  {%- if chunking.kind == 'period' -%}
    dense_rank() over (partition by period order by {{ driftline_period_start('row_ts', chunking.value) }}) - 1
  {%- else -%}
    {%- if chunking.kind == 'size' -%}
      {%- set size = chunking.value | string -%}
    {%- else -%}
      {#- NannyML's CountBasedChunker: size = rows // number, then size-based chunking. -#}
      {%- set size = 'floor(period_rows / ' ~ chunking.value ~ ')' -%}
    {%- endif -%}
    {%- set position_chunk = 'cast(floor(row_pos / nullif(' ~ size ~ ', 0)) as bigint)' -%}
    {%- set full_chunks = 'cast(floor(period_rows / nullif(' ~ size ~ ', 0)) as bigint)' -%}
    {%- if chunking.incomplete == 'keep' -%}
      {{ position_chunk }}
    {%- elif chunking.incomplete == 'append' -%}
      least({{ position_chunk }}, greatest({{ full_chunks }} - 1, 0))
    {%- else -%}
      case when {{ position_chunk }} < {{ full_chunks }} then {{ position_chunk }} else -1 end
    {%- endif -%}
  {%- endif -%}
{% endmacro %}


{% macro driftline_period_start(ts, unit) -%}
  date_trunc('{{ unit }}', {{ ts }})
{%- endmacro %}


{% macro driftline_period_end(ts, unit) -%}
  {#- The last microsecond of the period (NannyML reports the last nanosecond; warehouses stop at microseconds). -#}
  {%- set lengths = {'hour': '1 hour', 'day': '1 day', 'week': '7 day', 'month': '1 month', 'quarter': '3 month', 'year': '1 year'} -%}
  (date_trunc('{{ unit }}', {{ ts }}) + interval '{{ lengths[unit] }}' - interval '1 microsecond')
{%- endmacro %}


{% macro driftline_period_key(ts, unit) -%}
  {#- NannyML's str(pandas.Period): 2018-01 (month), 2018Q1, 2018, 2018-01-01, 2018-01-01/2018-01-07 (week), 2018-01-01 00:00 (hour). -#}
  {%- set start = driftline_period_start(ts, unit) -%}
  {%- set year = 'cast(cast(extract(year from ' ~ ts ~ ') as integer) as ' ~ driftline_text() ~ ')' -%}
  {%- if unit == 'year' -%} {{ year }}
  {%- elif unit == 'quarter' -%} {{ year }} || 'Q' || cast(cast(extract(quarter from {{ ts }}) as integer) as {{ driftline_text() }})
  {%- elif unit == 'month' -%} {{ year }} || '-' || lpad(cast(cast(extract(month from {{ ts }}) as integer) as {{ driftline_text() }}), 2, '0')
  {%- elif unit == 'week' -%} {{ driftline_format_day(start) }} || '/' || {{ driftline_format_day(start ~ " + interval '6 day'") }}
  {%- elif unit == 'day' -%} {{ driftline_format_day(start) }}
  {%- else -%} {{ driftline_format_hour(start) }}
  {%- endif -%}
{%- endmacro %}


{% macro driftline_performance_period_rows(monitor, period) %}
  {#- The rows of one period with what performance needs: y_true (NULL until a late target arrives),
      y_pred and one probability column per class (p0, p1, ... in sorted class order); a regression
      monitor instead has numeric y_true and y_pred and its features (c0.., k0.., as everywhere). Binary labels are
      numbers; multiclass labels are text. A probability that is NULL, NaN, infinite or outside [0, 1]
      becomes NULL: the row then takes no part in the metrics that need it (the warn-level test
      driftline_invalid_predictions counts such rows). -#}
  {%- set perf = monitor.performance -%}
  {%- set relation = monitor.reference_sql if period == 'reference' else monitor.analysis_sql -%}
  {%- set row_filter = monitor.reference_filter if period == 'reference' else monitor.analysis_filter -%}
  {%- set label_type = driftline_double() if monitor.problem_type == 'classification_binary' else driftline_text() -%}
  {%- set y_true_column = ('t.' if perf.targets_sql is not none else 'r.') ~ adapter.quote(perf.y_true) -%}
  select
    '{{ period }}' as period,
    {% if monitor.timestamp -%} cast(r.{{ adapter.quote(monitor.timestamp) }} as timestamp) {%- else -%} cast(null as timestamp) {%- endif %} as row_ts,
    {% if monitor.id -%} r.{{ adapter.quote(monitor.id) }} {%- else -%} cast(null as integer) {%- endif %} as row_id,
    {%- if monitor.problem_type == 'regression' %}
    {#- regression: numbers (NaN and +-inf are missing, as for features) and the features the DLE nanny models read -#}
    {{ driftline_clean_number(y_true_column) }} as y_true,
    {{ driftline_clean_number('r.' ~ adapter.quote(perf.y_pred)) }} as y_pred
    {%- for c in monitor.continuous %},
    {{ driftline_clean_number('r.' ~ adapter.quote(c)) }} as c{{ loop.index0 }}
    {%- endfor %}
    {%- for c in monitor.categorical %},
    {{ driftline_category_text('r.' ~ adapter.quote(c)) }} as k{{ loop.index0 }}
    {%- endfor %}
    {%- else %}
    cast({{ y_true_column }} as {{ label_type }}) as y_true,
    cast(r.{{ adapter.quote(perf.y_pred) }} as {{ label_type }}) as y_pred
    {%- endif %}
    {%- for label in perf.classes %},
    {{ driftline_clean_probability('r.' ~ adapter.quote(perf.proba_columns[label])) }} as p{{ loop.index0 }}
    {%- endfor %}
  from (select * from {{ relation }} where {{ row_filter }}) as r
  {%- if perf.targets_sql is not none %}
  left join {{ perf.targets_sql }} as t on t.{{ adapter.quote(perf.targets_id) }} = r.{{ adapter.quote(monitor.id) }}
  {%- endif %}
  {%- if monitor.timestamp %}
  where r.{{ adapter.quote(monitor.timestamp) }} is not null
  {%- endif %}
{% endmacro %}


{% macro driftline_chunked_rows(monitor, periods=['reference', 'analysis'], with_features=true, rows='features') %}
  {#- One row per monitored row: period, row_pos, chunk_index, row_ts and the aliased feature columns. -#}
  select positioned.*, {{ driftline_chunk_index_expr(monitor.chunking) }} as chunk_index
  from (
    select unioned.*,
           row_number() over (partition by period order by
             {%- if monitor.timestamp %} row_ts{% if monitor.id %}, row_id{% endif %}{% else %} row_id{% endif %}) - 1 as row_pos,
           count(*) over (partition by period) as period_rows
    from (
      {%- for period in periods %}
      {%- if rows == 'performance' %}
      {{ driftline_performance_period_rows(monitor, period) }}
      {%- else %}
      {{ driftline_period_rows(monitor, period, with_features) }}
      {%- endif %}
      {% if not loop.last %}union all{% endif %}
      {%- endfor %}
    ) as unioned
  ) as positioned
{% endmacro %}
