{{ config(materialized='table') }}
{#- The reference rows the PCA reconstruction fit learns from, long: one row per reference row and
    feature, continuous values cleaned as everywhere (NaN, +-inf -> NULL), categories as text. -#}
{%- set monitors = driftline_monitors() -%}
{%- set mv_monitors = [] -%}
{%- for m in monitors if m.multivariate -%}{%- do mv_monitors.append(m) -%}{%- endfor -%}

{% for m in mv_monitors %}
select * from (
  with reference_rows as (
    select row_number() over (order by {% if m.timestamp %}row_ts{% if m.id %}, row_id{% endif %}{% else %}row_id{% endif %}) - 1 as row_pos, r.*
    from ({{ driftline_period_rows(m, 'reference') }}) as r
  )
  {%- set selects = [] %}
  {%- for c in m.continuous %}
  {%- do selects.append("select " ~ driftline_literal(m.name) ~ " as monitor, cast(row_pos as bigint) as row_pos, " ~ driftline_literal(c)
      ~ " as column_name, c" ~ loop.index0 ~ " as number_value, cast(null as " ~ driftline_text() ~ ") as category_value from reference_rows") %}
  {%- endfor %}
  {%- for c in m.categorical %}
  {%- do selects.append("select " ~ driftline_literal(m.name) ~ ", cast(row_pos as bigint), " ~ driftline_literal(c)
      ~ ", cast(null as " ~ driftline_double() ~ "), k" ~ loop.index0 ~ " from reference_rows") %}
  {%- endfor %}
  {{ selects | join('\n  union all\n  ') }}
) as multivariate_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('row_pos', 'bigint'), ('column_name', driftline_text()),
   ('number_value', driftline_double()), ('category_value', driftline_text())]) }}
{% endfor %}
