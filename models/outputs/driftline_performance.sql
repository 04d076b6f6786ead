{{ config(materialized='table') }}
-- depends_on: {{ ref('driftline__performance_specs') }}
{#- Performance per chunk (algorithms.md §4, §5, §6): kind = 'realized' from the targets that have
    arrived, kind = 'estimated' from CBPE (classifiers: calibrated probabilities) or DLE (regression: the
    nanny models' predicted losses), neither needing targets. Both carry the
    sampling error SE = se_scale * n^se_power (reference-side components from the fitted state, n = rows
    the metric used in the chunk) and the thresholds learned from the realized metric on the reference
    chunks; estimated rows add the confidence band value +- 3 SE (clipped to the metric's limits) and
    realized_value, so a dashboard can plot the estimate against the truth. -#}
{%- set monitors = driftline_monitors() -%}
{%- set perf_monitors = [] -%}
{%- for m in monitors if m.performance -%}{%- do perf_monitors.append(m) -%}{%- endfor -%}
{%- if perf_monitors and target.type in driftline_python_adapters() -%}
  {%- for fit_model in driftline_performance_fit_models(perf_monitors) %}
  -- depends_on: {{ ref(fit_model) }}
  {%- endfor %}
{%- endif %}

{%- set results_sql -%}
{%- if perf_monitors %}
  select p.monitor, p.period, p.chunk_index, p.kind, p.method, p.metric, p.value,
         f.se_scale * power(cast(nullif(p.n, 0) as {{ driftline_double() }}), f.se_power) as sampling_error,
         p.realized_value, p.targets_missing_rate
  from {{ ref('driftline__chunk_performance') }} as p
  inner join {{ ref('driftline__chunk_signatures') }} as s
    on s.monitor = p.monitor and s.period = p.period and s.chunk_index = p.chunk_index and s.chunk_signature = p.chunk_signature
  left join ({{ driftline_sampling_error_components_sql(perf_monitors) }}) as f
    on f.monitor = p.monitor and f.metric = p.metric and f.fit_fingerprint = p.fit_fingerprint
  where p.fit_fingerprint in (select fit_fingerprint from {{ ref('driftline__performance_specs') }})
{%- else %}
  select cast(null as {{ driftline_text() }}) as monitor, cast(null as {{ driftline_text() }}) as period, cast(null as integer) as chunk_index,
         cast(null as {{ driftline_text() }}) as kind, cast(null as {{ driftline_text() }}) as method, cast(null as {{ driftline_text() }}) as metric,
         cast(null as {{ driftline_double() }}) as value, cast(null as {{ driftline_double() }}) as sampling_error,
         cast(null as {{ driftline_double() }}) as realized_value, cast(null as {{ driftline_double() }}) as targets_missing_rate
  where 1 = 0
{%- endif %}
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
