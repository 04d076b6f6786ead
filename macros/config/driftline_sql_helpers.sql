{#- Small SQL-writing helpers shared by all models. -#}

{% macro driftline_literal(value) -%}
  {%- if value is none -%}null{%- else -%}'{{ (value | string).replace("'", "''") }}'{%- endif -%}
{%- endmacro %}


{% macro driftline_number_literal(value) -%}
  {%- if value is none -%}cast(null as {{ driftline_double() }}){%- else -%}cast({{ value }} as {{ driftline_double() }}){%- endif -%}
{%- endmacro %}


{% macro driftline_empty_select(columns) %}
  {#- A typed, empty result for when no monitor feeds a model: columns is a list of (name, type) pairs. -#}
  select
  {%- for name, type in columns %}
    cast(null as {{ type }}) as {{ name }}{% if not loop.last %},{% endif %}
  {%- endfor %}
  where 1 = 0
{% endmacro %}
