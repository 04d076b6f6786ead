{{ config(materialized='table') }}
{#- The reference rows a CBPE fit learns from (classification monitors; regression: driftline__dle_reference), in the monitor's row order (row_pos), one row per row and
    class: labels as text (binary labels are numbers written as text), the class's probability. The
    reference is bounded, so this table is small; only the columns the fit needs are kept. -#}
{%- set monitors = driftline_monitors() -%}
{%- set perf_monitors = [] -%}
{%- for m in monitors if m.performance and m.problem_type != 'regression' -%}{%- do perf_monitors.append(m) -%}{%- endfor -%}

{% for m in perf_monitors %}
{%- for label in m.performance.classes %}
select
  {{ driftline_literal(m.name) }} as monitor,
  cast(row_pos as bigint) as row_pos,
  cast(y_true as {{ driftline_text() }}) as y_true,
  cast(y_pred as {{ driftline_text() }}) as y_pred,
  {{ driftline_literal(label) }} as class_label,
  p{{ loop.index0 }} as proba
from ({{ driftline_chunked_rows(m, periods=['reference'], rows='performance') }}) as reference_rows
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('row_pos', 'bigint'), ('y_true', driftline_text()), ('y_pred', driftline_text()),
   ('class_label', driftline_text()), ('proba', driftline_double())]) }}
{% endfor %}
