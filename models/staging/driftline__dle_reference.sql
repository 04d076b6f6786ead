{{ config(materialized='table') }}
{#- The reference rows the DLE fit learns from (regression monitors), wide, in the monitor's row order
    (row_pos): y_true (NULL until a late target arrives), y_pred, the i-th continuous feature in c<i> and
    the j-th categorical one in k<j> (the order of spec_json in driftline__performance_specs). Columns
    beyond a monitor's own features are NULL; values are cleaned as everywhere (NaN, +-inf -> NULL;
    categories as text). -#}
{%- set monitors = driftline_monitors() -%}
{%- set dle_monitors = [] -%}
{%- set widths = {'c': 0, 'k': 0} -%}
{%- for m in monitors if m.performance and m.problem_type == 'regression' -%}
  {%- do dle_monitors.append(m) -%}
  {%- do widths.update({'c': [widths.c, m.continuous | length] | max, 'k': [widths.k, m.categorical | length] | max}) -%}
{%- endfor -%}

{% for m in dle_monitors %}
select
  {{ driftline_literal(m.name) }} as monitor,
  cast(row_pos as bigint) as row_pos,
  y_true,
  y_pred
  {%- for i in range(widths.c) %},
  {% if i < m.continuous | length %}c{{ i }}{% else %}cast(null as {{ driftline_double() }}){% endif %} as c{{ i }}
  {%- endfor %}
  {%- for j in range(widths.k) %},
  {% if j < m.categorical | length %}k{{ j }}{% else %}cast(null as {{ driftline_text() }}){% endif %} as k{{ j }}
  {%- endfor %}
from ({{ driftline_chunked_rows(m, periods=['reference'], rows='performance') }}) as reference_rows
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('row_pos', 'bigint'), ('y_true', driftline_double()), ('y_pred', driftline_double())]) }}
{% endfor %}
