{{ config(materialized='table') }}
{#- The reference rows the PCA reconstruction fit learns from, wide: the i-th continuous feature of the
    monitor's `features` in c<i>, the j-th categorical one in k<j> (the order of spec_json in
    driftline__multivariate_specs). Columns beyond a monitor's own features are NULL; values are cleaned
    as everywhere (NaN, +-inf -> NULL; categories as text). -#}
{%- set monitors = driftline_monitors() -%}
{%- set mv_monitors = [] -%}
{%- set widths = {'c': 0, 'k': 0} -%}
{%- for m in monitors if m.multivariate -%}
  {%- do mv_monitors.append(m) -%}
  {%- do widths.update({'c': [widths.c, m.continuous | length] | max, 'k': [widths.k, m.categorical | length] | max}) -%}
{%- endfor -%}

{% for m in mv_monitors %}
select
  {{ driftline_literal(m.name) }} as monitor,
  cast(row_number() over (order by {% if m.timestamp %}row_ts{% if m.id %}, row_id{% endif %}{% else %}row_id{% endif %}) - 1 as bigint) as row_pos
  {%- for i in range(widths.c) %},
  {% if i < m.continuous | length %}c{{ i }}{% else %}cast(null as {{ driftline_double() }}){% endif %} as c{{ i }}
  {%- endfor %}
  {%- for j in range(widths.k) %},
  {% if j < m.categorical | length %}k{{ j }}{% else %}cast(null as {{ driftline_text() }}){% endif %} as k{{ j }}
  {%- endfor %}
from ({{ driftline_period_rows(m, 'reference') }}) as reference_rows
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('row_pos', 'bigint')]) }}
{% endfor %}
