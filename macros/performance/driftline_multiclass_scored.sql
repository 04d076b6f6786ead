{#- Calibrated, renormalised class probabilities of a multiclass model (algorithms.md §4.3), as CTEs
    ending in `scored`: every column of the CTE `performance_rows` plus pc0 .. pc{K-1}, in the order of
    monitor.performance.classes (sorted labels, the order of p0 .. p{K-1}).

    Per class c, the raw probability p_c goes through that class's isotonic map (identity when the fit
    found no calibration needed: the class then has no knots), giving cal_c. Every row is then
    renormalised, whether or not any class was calibrated, as NannyML does:
      pc_c = cal_c / (cal_0 + ... + cal_{K-1}), or 1/K for every class when that sum is 0.
    A row with a NULL (or NaN / infinite) probability in any class gets NULL in every pc_c, so it drops
    out of every estimated metric. NannyML instead fails the whole estimate when calibration is active
    (and drops the row when it is not); driftline keeps the other rows' estimates.
    Each class's map (one row per distinct score) is a MATERIALIZED CTE (PostgreSQL 12+, DuckDB): inlined,
    PostgreSQL's planner under-estimates the rows and re-runs the map for every row in a nested loop
    (12,000 rows: 75 s instead of 0.3 s). -#}

{% macro driftline_multiclass_scored_ctes(monitor, fit_relation) %}
  {%- set classes = monitor.performance.classes -%}
  {%- set k = classes | length -%}
  {%- set total -%}({% for label in classes %}c{{ loop.index0 }}.calibrated{% if not loop.last %} + {% endif %}{% endfor %}){%- endset -%}
  {%- for label in classes %}
  mc_calibration_{{ loop.index0 }} as {{ driftline_materialized() }} (
    {{ driftline_calibration_map_sql(monitor, label, fit_relation, 'select p' ~ loop.index0 ~ ' as score from performance_rows') }}
  ),
  {%- endfor %}
  scored as (
    select r.*
      {%- for label in classes %},
      case when {{ total }} = 0 then cast(1 as {{ driftline_double() }}) / {{ k }}
           else c{{ loop.index0 }}.calibrated / {{ total }} end as pc{{ loop.index0 }}
      {%- endfor %}
    from performance_rows as r
    {%- for label in classes %}
    left join mc_calibration_{{ loop.index0 }} as c{{ loop.index0 }} on c{{ loop.index0 }}.score = r.p{{ loop.index0 }}
    {%- endfor %}
  )
{%- endmacro %}
