{{ config(materialized='table') }}
-- depends_on: {{ ref('driftline__performance_specs') }}
{#- Classification performance per chunk (algorithms.md §4, §6): kind = 'realized' from the targets that
    have arrived, kind = 'estimated' from CBPE (calibrated probabilities, no targets needed). Both carry the
    sampling error SE = se_scale * n^se_power (reference-side components from the fitted state, n = rows
    the metric used in the chunk) and the thresholds learned from the realized metric on the reference
    chunks; estimated rows add the confidence band value +- 3 SE (clipped to the metric's limits) and
    realized_value, so a dashboard can plot the estimate against the truth. -#}
{%- set monitors = driftline_monitors() -%}
{%- set perf_monitors = [] -%}
{%- for m in monitors if m.performance -%}{%- do perf_monitors.append(m) -%}{%- endfor -%}
{%- if perf_monitors -%}
  {%- set fit_relation = driftline_cbpe_fit_relation() -%}
  {%- do driftline_check_cbpe_fit(perf_monitors, fit_relation) -%}
  {%- if target.type in driftline_python_adapters() %}
  -- depends_on: {{ ref('driftline__cbpe_fit') }}
  {%- endif %}
{%- endif %}

{%- set results_sql -%}
{%- for m in perf_monitors %}
  select * from (
    with performance_rows as (
      select * from ({{ driftline_chunked_rows(m, rows='performance') }}) as r where chunk_index >= 0
    ),
    calibration_0 as (
      {{ driftline_calibration_map_sql(m, '1', fit_relation, 'select p0 as score from performance_rows') }}
    ),
    scored as (
      select r.*, c.calibrated as pc0
      from performance_rows as r left join calibration_0 as c on c.score = r.p0
    ),
    realized as (
      {{ driftline_binary_realized_sql(m, 'scored') }}
    ),
    estimated as (
      {{ driftline_binary_estimated_sql(m, 'scored') }}
    ),
    targets as (
      select period, chunk_index, 1 - cast(count(y_true) as {{ driftline_double() }}) / count(*) as targets_missing_rate
      from performance_rows group by period, chunk_index
    ),
    components as (
      select metric, se_scale, se_power from {{ fit_relation }}
      where monitor = {{ driftline_literal(m.name) }} and item = 'sampling_error'
    )
    select {{ driftline_literal(m.name) }} as monitor, v.period, v.chunk_index, v.kind, v.method, v.metric, v.value,
           c.se_scale * power(cast(v.n as {{ driftline_double() }}), c.se_power) as sampling_error,
           v.realized_value, t.targets_missing_rate
    from (
      select e.period, e.chunk_index, 'estimated' as kind, e.method, e.metric, e.value, e.n, r.value as realized_value
      from estimated as e
      left join realized as r on r.period = e.period and r.chunk_index = e.chunk_index and r.metric = e.metric
      union all
      select period, chunk_index, 'realized', method, metric, value, n, cast(null as {{ driftline_double() }}) from realized
    ) as v
    left join components as c on c.metric = v.metric
    left join targets as t on t.period = v.period and t.chunk_index = v.chunk_index
  ) as performance_{{ loop.index0 }}
  {% if not loop.last %}union all{% endif %}
{%- else %}
  select cast(null as {{ driftline_text() }}) as monitor, cast(null as {{ driftline_text() }}) as period, cast(null as integer) as chunk_index,
         cast(null as {{ driftline_text() }}) as kind, cast(null as {{ driftline_text() }}) as method, cast(null as {{ driftline_text() }}) as metric,
         cast(null as {{ driftline_double() }}) as value, cast(null as {{ driftline_double() }}) as sampling_error,
         cast(null as {{ driftline_double() }}) as realized_value, cast(null as {{ driftline_double() }}) as targets_missing_rate
  where 1 = 0
{%- endfor %}
{%- endset %}

select
  c.monitor, c.config_fingerprint, c.period, c.chunk_index, c.chunk_key, c.chunk_start_index, c.chunk_end_index,
  c.chunk_start_date, c.chunk_end_date, c.n_rows,
  v.kind, v.metric, v.method,
  v.value, v.sampling_error,
  case when v.kind = 'estimated' and v.sampling_error is not null and v.value is not null then
    case when v.lower_limit is not null then greatest(v.lower_limit, v.value - 3 * v.sampling_error) else v.value - 3 * v.sampling_error end
  end as lower_confidence,
  case when v.kind = 'estimated' and v.sampling_error is not null and v.value is not null then
    case when v.upper_limit is not null then least(v.upper_limit, v.value + 3 * v.sampling_error) else v.value + 3 * v.sampling_error end
  end as upper_confidence,
  v.lower_threshold, v.upper_threshold, v.alert,
  v.realized_value, v.targets_missing_rate
from ({{ driftline_with_verdicts(results_sql, perf_monitors, 'performance', ['metric'], reference_where="period = 'reference' and kind = 'realized'") }}) as v
inner join {{ ref('driftline_chunks') }} as c
  on c.monitor = v.monitor and c.period = v.period and c.chunk_index = v.chunk_index
