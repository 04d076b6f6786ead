{{ config(materialized='table') }}
{#- What the PCA reconstruction fit needs per monitor (features, variance threshold) as JSON, and a
    fingerprint of configuration and reference (rows, time span) so a stale fit is detected. -#}
{%- set monitors = driftline_monitors() -%}
{%- set mv_monitors = [] -%}
{%- for m in monitors if m.multivariate and 'pca_reconstruction' in m.multivariate.methods -%}{%- do mv_monitors.append(m) -%}{%- endfor -%}

{% for m in mv_monitors %}
{%- set spec = {'monitor': m.name, 'continuous': m.continuous, 'categorical': m.categorical,
                'variance_threshold': m.multivariate.variance_threshold} -%}
select
  {{ driftline_literal(m.name) }} as monitor,
  {{ driftline_literal(tojson(spec, sort_keys=true)) }} as spec_json,
  md5({{ driftline_literal(m.fingerprint ~ tojson(spec, sort_keys=true)) }}
      || '/' || cast(count(*) as {{ driftline_text() }})
      || '/' || coalesce(cast(min(row_ts) as {{ driftline_text() }}), '') || '/' || coalesce(cast(max(row_ts) as {{ driftline_text() }}), '')) as fit_fingerprint
from ({{ driftline_period_rows(m, 'reference', with_features=false) }}) as reference_rows
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('spec_json', driftline_text()), ('fit_fingerprint', driftline_text())]) }}
{% endfor %}
