{#- Equal-width binning that agrees with numpy.histogram bin for bin: edges e_i = lo + i*(hi-lo)/k
    (numpy.linspace), bins [e_i, e_{i+1}) with the last bin closed at hi; values outside [lo, hi] get
    NULL. A first guess from floor((x-lo)*k/(hi-lo)) is corrected by one step against the exact edges,
    so floating-point rounding never moves a value into a neighbouring bin. The guess is clamped before
    it becomes an integer: a value far outside [lo, hi] (e.g. 1e300) would overflow the cast. -#}

{% macro driftline_bin_guess(x, lo, hi, k) -%}
  cast(least(greatest(floor(({{ x }} - {{ lo }}) * (cast({{ k }} as {{ driftline_double() }}) / ({{ hi }} - {{ lo }}))), 0), {{ k }} - 1) as integer)
{%- endmacro %}


{% macro driftline_bin_correct(x, guess, lo, hi, k) -%}
  case
    when {{ x }} is null or {{ x }} < {{ lo }} or {{ x }} > {{ hi }} then null
    when {{ x }} < {{ lo }} + {{ guess }} * (({{ hi }} - {{ lo }}) / {{ k }}) then {{ guess }} - 1
    when {{ guess }} < {{ k }} - 1 and {{ x }} >= {{ lo }} + ({{ guess }} + 1) * (({{ hi }} - {{ lo }}) / {{ k }}) then {{ guess }} + 1
    else {{ guess }}
  end
{%- endmacro %}


{% macro driftline_pick_member(members, kinds, type) -%}
  {#- From a GROUPING SETS row: the grouped value of whichever member (alias, column, kind) of the given
      kinds the row belongs to, else NULL. -#}
  {%- set picked = [] -%}
  {%- for alias, column_name, kind in members if kind in kinds -%}{%- do picked.append(alias) -%}{%- endfor -%}
  {%- if picked -%}
  cast(case {%- for alias in picked %} when g_{{ alias }} = 0 then {{ alias }}{% endfor %} end as {{ type }})
  {%- else -%}
  cast(null as {{ type }})
  {%- endif -%}
{%- endmacro %}
