{{ config(materialized='table') }}
{#- What the domain classifier needs per monitor (features and their column order, folds) as JSON, and
    a fingerprint of the spec and the reference (rows, time span). With the reference profile hash and the
    chunk's boundaries it makes a value's signature (driftline__domain_classifier_chunks), so unrelated
    settings (univariate methods, thresholds, PCA) recompute nothing. -#}
{%- set dc_monitors = driftline_domain_classifier_monitors() -%}

{% for m in dc_monitors %}
{%- set spec_json = tojson(driftline_domain_classifier_spec(m), sort_keys=true) -%}
select
  {{ driftline_literal(m.name) }} as monitor,
  {{ driftline_literal(spec_json) }} as spec_json,
  md5({{ driftline_literal(spec_json) }}
      || '/' || cast(count(*) as {{ driftline_text() }})
      || '/' || coalesce(cast(min(row_ts) as {{ driftline_text() }}), '') || '/' || coalesce(cast(max(row_ts) as {{ driftline_text() }}), '')) as fit_fingerprint
from ({{ driftline_period_rows(m, 'reference', with_features=false) }}) as reference_rows
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('spec_json', driftline_text()), ('fit_fingerprint', driftline_text())]) }}
{% endfor %}
