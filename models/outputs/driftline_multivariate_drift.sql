{{ config(materialized='table') }}
-- depends_on: {{ ref('driftline__multivariate_specs') }}
{#- Multivariate drift per chunk (algorithms.md §8.1): method pca_reconstruction, value = the mean
    reconstruction error of the chunk's rows, sampling_error = their sample std / sqrt(n), band value +- 3 SE
    (lower clipped at 0), thresholds mean +- 3 population std over the reference chunks (a lower threshold
    at or below 0 becomes no bound), alert unless lower < value < upper (equality and NULL alert). -#}
{%- set monitors = driftline_monitors() -%}
{%- set mv_monitors = [] -%}
{%- for m in monitors if m.multivariate -%}{%- do mv_monitors.append(m) -%}{%- endfor -%}
{#- domain_classifier (algorithms.md §8.2): value = the cross-validated ROC AUC of a classifier telling the
    chunk's rows from the reference's, computed in Python per chunk (driftline__chunk_domain_classifier);
    no sampling error or band; constant thresholds 0.45 / 0.65 by default; alert when value < lower or
    value > upper. Only values stored under the chunk's current signature are shown. -#}
{%- set dc_monitors = driftline_domain_classifier_monitors() -%}
{%- if dc_monitors -%}
  {%- set dc_relation = driftline_domain_classifier_relation() -%}
  {%- do driftline_check_fit(dc_monitors, dc_relation, none, 'multivariate drift (domain classifier)', chunks_relation=ref('driftline__domain_classifier_chunks')) -%}
{%- endif %}
-- depends_on: {{ ref('driftline__domain_classifier_chunks') }}

{%- set results_sql -%}
  select r.monitor, r.period, r.chunk_index, 'pca_reconstruction' as method, r.mean_error as value,
         r.std_error / sqrt(r.n) as sampling_error
  from {{ ref('driftline__chunk_reconstruction') }} as r
  inner join {{ ref('driftline__chunk_signatures') }} as s
    on s.monitor = r.monitor and s.period = r.period and s.chunk_index = r.chunk_index and s.chunk_signature = r.chunk_signature
  where r.fit_fingerprint in (select fit_fingerprint from {{ ref('driftline__multivariate_specs') }})
  {%- if dc_monitors %}
  union all
  select d.monitor, d.period, d.chunk_index, 'domain_classifier' as method, d.value, cast(null as {{ driftline_double() }}) as sampling_error
  from {{ dc_relation }} as d
  inner join {{ ref('driftline__domain_classifier_chunks') }} as c
    on c.monitor = d.monitor and c.period = d.period and c.chunk_index = d.chunk_index and c.dc_signature = d.dc_signature
  {%- endif %}
{%- endset %}

select
  c.monitor, c.config_fingerprint, c.period, c.chunk_index, c.chunk_key, c.chunk_start_index, c.chunk_end_index,
  c.chunk_start_date, c.chunk_end_date, c.n_rows,
  v.method, v.value, v.sampling_error,
  case when v.sampling_error is not null then greatest(v.value - 3 * v.sampling_error, 0) end as lower_confidence,
  case when v.sampling_error is not null then v.value + 3 * v.sampling_error end as upper_confidence,
  v.lower_threshold, v.upper_threshold, v.alert
from ({{ driftline_with_verdicts(results_sql, mv_monitors, 'multivariate_drift', []) }}) as v
inner join {{ ref('driftline_chunks') }} as c
  on c.monitor = v.monitor and c.period = v.period and c.chunk_index = v.chunk_index
