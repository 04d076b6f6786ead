{{ config(**driftline_chunk_summary_config()) }}
{#- One pass per monitor over its rows: per chunk and feature, the counts and moments every statistic
    derives from (row count, missing count, sum, mean, sample std, median, and the number and total
    distance of values below / above the reference range). Long format: one row per chunk x feature. -#}
{%- set monitors = driftline_monitors() -%}

{% for m in monitors %}
select * from (
  with summarised_rows as (
    {{ driftline_rows_to_summarise(m) }}
  ),
  bounds as (
    {{ driftline_reference_bounds_sql(m) }}
  ),
  wide as (
    select
      r.period, r.chunk_index, max(r.chunk_signature) as chunk_signature, count(*) as n_rows
      {%- for c in m.continuous %}
      {%- set a = 'c' ~ loop.index0 %},
      count(r.{{ a }}) as {{ a }}_n, sum(r.{{ a }}) as {{ a }}_sum, avg(r.{{ a }}) as {{ a }}_mean,
      stddev_samp(r.{{ a }}) as {{ a }}_std, {{ driftline_median('r.' ~ a) }} as {{ a }}_median,
      count(case when r.{{ a }} < b.{{ a }}_min then 1 end) as {{ a }}_below,
      count(case when r.{{ a }} > b.{{ a }}_max then 1 end) as {{ a }}_above,
      sum(case when r.{{ a }} < b.{{ a }}_min then b.{{ a }}_min - r.{{ a }} end) as {{ a }}_below_gap,
      sum(case when r.{{ a }} > b.{{ a }}_max then r.{{ a }} - b.{{ a }}_max end) as {{ a }}_above_gap
      {%- endfor %}
      {%- for c in m.categorical %}
      {%- set a = 'k' ~ loop.index0 %},
      count(r.{{ a }}) as {{ a }}_n
      {%- endfor %}
    from summarised_rows as r
    cross join bounds as b
    group by r.period, r.chunk_index
  )
  {%- set selects = [] %}
  {%- for c in m.continuous %}
  {%- set a = 'c' ~ loop.index0 %}
  {%- set sql %}
  select {{ driftline_literal(m.name) }} as monitor, period, cast(chunk_index as integer) as chunk_index, chunk_signature,
         {{ driftline_literal(c) }} as column_name, 'continuous' as column_type, '{{ a }}' as column_alias,
         n_rows, {{ a }}_n as n_valid, n_rows - {{ a }}_n as n_missing,
         {{ a }}_sum as sum_value, {{ a }}_mean as mean_value, {{ a }}_std as std_value, {{ a }}_median as median_value,
         {{ a }}_below as n_below_range, {{ a }}_above as n_above_range,
         coalesce({{ a }}_below_gap, 0) as below_range_gap, coalesce({{ a }}_above_gap, 0) as above_range_gap,
         {{ driftline_now() }} as summarised_at
  from wide
  {%- endset %}
  {%- do selects.append(sql) %}
  {%- endfor %}
  {%- for c in m.categorical %}
  {%- set a = 'k' ~ loop.index0 %}
  {%- set sql %}
  select {{ driftline_literal(m.name) }}, period, cast(chunk_index as integer), chunk_signature,
         {{ driftline_literal(c) }}, 'categorical', '{{ a }}',
         n_rows, {{ a }}_n, n_rows - {{ a }}_n,
         cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}),
         cast(null as bigint), cast(null as bigint), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}),
         {{ driftline_now() }}
  from wide
  {%- endset %}
  {%- do selects.append(sql) %}
  {%- endfor %}
  {{ selects | join('\n  union all\n') }}
) as moments_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('chunk_signature', driftline_text()),
   ('column_name', driftline_text()), ('column_type', driftline_text()), ('column_alias', driftline_text()),
   ('n_rows', 'bigint'), ('n_valid', 'bigint'), ('n_missing', 'bigint'), ('sum_value', driftline_double()), ('mean_value', driftline_double()),
   ('std_value', driftline_double()), ('median_value', driftline_double()), ('n_below_range', 'bigint'), ('n_above_range', 'bigint'),
   ('below_range_gap', driftline_double()), ('above_range_gap', driftline_double()), ('summarised_at', 'timestamp')]) }}
{% endfor %}
