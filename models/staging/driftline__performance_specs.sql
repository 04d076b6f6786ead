{{ config(materialized='table') }}
{#- What the CBPE or DLE fit needs to know about each monitor with performance metrics, as JSON (a
    regression monitor adds its features, target and prediction columns and hyperparameters), plus a
    fingerprint of its configuration and its reference (row count, labelled rows, time span): the fitted
    state records the fingerprint it was fitted for, so a stale fit is detected instead of silently used. -#}
{%- set monitors = driftline_monitors() -%}
{%- set perf_monitors = [] -%}
{%- for m in monitors if m.performance -%}{%- do perf_monitors.append(m) -%}{%- endfor -%}

{% for m in perf_monitors %}
{%- set spec = {
    'monitor': m.name, 'problem_type': m.problem_type, 'metrics': m.performance.metrics, 'classes': m.performance.classes,
    'business_value_matrix': m.performance.business_value_matrix,
    'normalize_confusion_matrix': m.performance.normalize_confusion_matrix,
    'normalize_business_value': m.performance.normalize_business_value,
} -%}
{%- if m.problem_type == 'regression' -%}
  {%- do spec.update({'continuous': m.continuous, 'categorical': m.categorical, 'y_true': m.performance.y_true,
                      'y_pred': m.performance.y_pred, 'hyperparameters': m.performance.hyperparameters}) -%}
{%- endif -%}
select
  {{ driftline_literal(m.name) }} as monitor,
  {{ driftline_literal(m.problem_type) }} as problem_type,
  {{ driftline_literal(tojson(spec, sort_keys=true)) }} as spec_json,
  md5({{ driftline_literal(m.fingerprint ~ tojson(spec, sort_keys=true)) }}
      || '/' || cast(count(*) as {{ driftline_text() }})
      || '/' || coalesce(cast(count(y_true) as {{ driftline_text() }}), '')
      || '/' || coalesce(cast(min(row_ts) as {{ driftline_text() }}), '') || '/' || coalesce(cast(max(row_ts) as {{ driftline_text() }}), '')) as fit_fingerprint
from ({{ driftline_chunked_rows(m, periods=['reference'], rows='performance') }}) as reference_rows
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('problem_type', driftline_text()), ('spec_json', driftline_text()), ('fit_fingerprint', driftline_text())]) }}
{% endfor %}
