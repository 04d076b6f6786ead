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


{#- A number as text with exactly two decimals ('0.29', '1.00', '-0.35'), the same on every engine (casting a
    double to text does not print the same digits everywhere). Halves round to even, on value * 100. -#}
{% macro driftline_two_decimals(expr) -%}
  {%- set hundredths = 'cast(' ~ driftline_round_half_even('100 * (' ~ expr ~ ')', 0) ~ ' as bigint)' -%}
  case when ({{ expr }}) is not null then
    case when {{ hundredths }} < 0 then '-' else '' end
    || cast(cast((abs({{ hundredths }}) - abs({{ hundredths }}) % 100) / 100 as bigint) as {{ driftline_text() }})
    || '.' || lpad(cast(abs({{ hundredths }}) % 100 as {{ driftline_text() }}), 2, '0')
  end
{%- endmacro %}
