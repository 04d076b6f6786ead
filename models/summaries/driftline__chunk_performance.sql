{{ config(**driftline_chunk_summary_config()) }}
-- depends_on: {{ ref('driftline__performance_specs') }}
-- depends_on: {{ ref('driftline__chunk_signatures') }}
-- depends_on: {{ ref('driftline_chunks') }}
{#- Per chunk and metric: the realized value (targets that have arrived) and the estimate (CBPE for a
    classifier, DLE for a regression model), with the number of rows each used. Incremental by chunk: a
    chunk is recomputed when its rows, the fit, or
    the number of its rows with a target changes (late targets), and only then. -#}
{%- set monitors = driftline_monitors() -%}
{%- set perf_monitors = [] -%}
{%- for m in monitors if m.performance -%}{%- do perf_monitors.append(m) -%}{%- endfor -%}
{%- if perf_monitors -%}
  {%- do driftline_check_performance_fits(perf_monitors) -%}
  {%- if target.type in driftline_python_adapters() %}
  {%- for fit_model in driftline_performance_fit_models(perf_monitors) %}
  -- depends_on: {{ ref(fit_model) }}
  {%- endfor %}
  {%- endif %}
{%- endif %}

{% for m in perf_monitors %}
{%- set name = driftline_literal(m.name) -%}
{%- set fit_relation = driftline_performance_fit_relation(m) -%}
select * from (
  with all_rows as (
    select * from ({{ driftline_chunked_rows(m, rows='performance') }}) as r where chunk_index >= 0
  ),
  fit as (
    select max(fit_fingerprint) as fit_fingerprint from {{ fit_relation }} where monitor = {{ name }}
  ),
  chunk_state as (
    select a.period, a.chunk_index, count(*) as n_rows, count(a.y_true) as n_targets,
           1 - cast(count(a.y_true) as {{ driftline_double() }}) / count(*) as targets_missing_rate
    from all_rows as a group by a.period, a.chunk_index
  ),
  signatures as (
    select s.period, s.chunk_index, s.chunk_signature, f.fit_fingerprint, c.targets_missing_rate,
           s.chunk_signature || '/' || f.fit_fingerprint || '/' || cast(c.n_targets as {{ driftline_text() }}) as performance_signature
    from {{ ref('driftline__chunk_signatures') }} as s
    inner join chunk_state as c on c.period = s.period and c.chunk_index = s.chunk_index
    cross join fit as f
    where s.monitor = {{ name }}
    {%- if is_incremental() %}
      and s.chunk_signature || '/' || f.fit_fingerprint || '/' || cast(c.n_targets as {{ driftline_text() }}) not in (
        select performance_signature from {{ this }} where monitor = {{ name }})
    {%- endif %}
  ),
  performance_rows as (
    select a.* from all_rows as a
    inner join signatures as s on s.period = a.period and s.chunk_index = a.chunk_index
  ),
  {{ driftline_scored_rows_cte(m, fit_relation) }},
  realized as (
    {{ driftline_realized_sql(m, 'scored') }}
  ),
  estimated as (
    {{ driftline_estimated_sql(m, 'scored') }}
  )
  select {{ name }} as monitor, v.period, cast(v.chunk_index as integer) as chunk_index, v.kind, v.method, v.metric,
         cast(v.value as {{ driftline_double() }}) as value, cast(v.n as bigint) as n,
         cast(v.realized_value as {{ driftline_double() }}) as realized_value,
         s.targets_missing_rate, s.chunk_signature, s.fit_fingerprint, s.performance_signature,
         {{ driftline_now() }} as summarised_at
  from (
    select e.period, e.chunk_index, 'estimated' as kind, e.method, e.metric, e.value, e.n, r.value as realized_value
    from estimated as e
    left join realized as r on r.period = e.period and r.chunk_index = e.chunk_index and r.metric = e.metric
    union all
    {# every chunk gets its realized rows, NULL while its targets have not arrived #}
    select k.period, k.chunk_index, 'realized', k.method, k.metric, r.value, r.n, null
    from (select period, chunk_index, method, metric from estimated
          union select period, chunk_index, method, metric from realized) as k
    left join realized as r on r.period = k.period and r.chunk_index = k.chunk_index and r.metric = k.metric
  ) as v
  inner join signatures as s on s.period = v.period and s.chunk_index = v.chunk_index
) as performance_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('kind', driftline_text()),
   ('method', driftline_text()), ('metric', driftline_text()), ('value', driftline_double()), ('n', 'bigint'), ('realized_value', driftline_double()),
   ('targets_missing_rate', driftline_double()), ('chunk_signature', driftline_text()), ('fit_fingerprint', driftline_text()),
   ('performance_signature', driftline_text()), ('summarised_at', 'timestamp')]) }}
{% endfor %}
