{{ config(materialized='table') }}
-- depends_on: {{ ref('driftline__domain_classifier_chunks') }}
{#- The analysis rows of the chunks whose domain-classifier value is computed in this run (is_pending in
    driftline__domain_classifier_chunks), wide like driftline__multivariate_reference: the i-th continuous
    feature of the monitor in c<i>, the j-th categorical one in k<j>. The reference side comes from
    driftline__multivariate_reference. After a run that computed everything, this table is empty. -#}
{%- set dc_monitors = driftline_domain_classifier_monitors() -%}
{%- set widths = {'c': 0, 'k': 0} -%}
{%- for m in dc_monitors -%}
  {%- do widths.update({'c': [widths.c, m.continuous | length] | max, 'k': [widths.k, m.categorical | length] | max}) -%}
{%- endfor -%}

{% for m in dc_monitors %}
select
  {{ driftline_literal(m.name) }} as monitor,
  cast(r.chunk_index as integer) as chunk_index,
  cast(r.row_pos as bigint) as row_pos
  {%- for i in range(widths.c) %},
  {% if i < m.continuous | length %}r.c{{ i }}{% else %}cast(null as {{ driftline_double() }}){% endif %} as c{{ i }}
  {%- endfor %}
  {%- for j in range(widths.k) %},
  {% if j < m.categorical | length %}r.k{{ j }}{% else %}cast(null as {{ driftline_text() }}){% endif %} as k{{ j }}
  {%- endfor %}
from ({{ driftline_chunked_rows(m, periods=['analysis']) }}) as r
inner join {{ ref('driftline__domain_classifier_chunks') }} as p
  on p.monitor = {{ driftline_literal(m.name) }} and p.period = 'analysis' and p.chunk_index = r.chunk_index and p.is_pending
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('chunk_index', 'integer'), ('row_pos', 'bigint')]) }}
{% endfor %}
