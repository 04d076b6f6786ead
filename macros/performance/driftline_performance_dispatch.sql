{#- One entry point per step of the performance pipeline, choosing the binary or multiclass version by
    the monitor's problem type. -#}

{% macro driftline_scored_rows_cte(monitor, fit_relation) %}
  {#- CTEs ending in `scored`: the performance rows with calibrated probabilities pc0 (, pc1, ...). -#}
  {%- if monitor.problem_type == 'classification_binary' -%}
  calibration_0 as {{ driftline_materialized() }} (
    {{ driftline_calibration_map_sql(monitor, '1', fit_relation, 'select p0 as score from performance_rows') }}
  ),
  scored as (
    select r.*, c.calibrated as pc0
    from performance_rows as r left join calibration_0 as c on c.score = r.p0
  )
  {%- else -%}
  {{ driftline_multiclass_scored_ctes(monitor, fit_relation) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_realized_sql(monitor, rows_relation) %}
  {%- if monitor.problem_type == 'classification_binary' -%}
  {{ driftline_binary_realized_sql(monitor, rows_relation) }}
  {%- else -%}
  {{ driftline_multiclass_realized_sql(monitor, rows_relation) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_estimated_sql(monitor, rows_relation) %}
  {%- if monitor.problem_type == 'classification_binary' -%}
  {{ driftline_binary_estimated_sql(monitor, rows_relation) }}
  {%- else -%}
  {{ driftline_multiclass_estimated_sql(monitor, rows_relation) }}
  {%- endif -%}
{% endmacro %}
