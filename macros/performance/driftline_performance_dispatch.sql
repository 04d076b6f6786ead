{#- One entry point per step of the performance pipeline, choosing the binary, multiclass or regression
    version by the monitor's problem type. -#}

{% macro driftline_performance_fit_relation(monitor) %}
  {#- The fitted state a monitor's estimates come from: CBPE (classification) or DLE (regression). -#}
  {%- if monitor.problem_type == 'regression' -%}
    {{ return(driftline_dle_fit_relation()) }}
  {%- else -%}
    {{ return(driftline_cbpe_fit_relation()) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_performance_fit_models(monitors) %}
  {#- The names of the fitted-state models these monitors need (for depends_on on adapters with Python models). -#}
  {%- set names = [] -%}
  {%- for m in monitors -%}
    {%- set name = 'driftline__dle_fit' if m.problem_type == 'regression' else 'driftline__cbpe_fit' -%}
    {%- if name not in names -%}{%- do names.append(name) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(names | sort) }}
{% endmacro %}


{% macro driftline_check_performance_fits(monitors) %}
  {#- Fail with the command to run when a classification or regression monitor's fitted state is missing or stale. -#}
  {%- set classification = [] -%}
  {%- set regression = [] -%}
  {%- for m in monitors -%}{%- do (regression if m.problem_type == 'regression' else classification).append(m) -%}{%- endfor -%}
  {%- if classification -%}
    {%- do driftline_check_cbpe_fit(classification, driftline_cbpe_fit_relation()) -%}
  {%- endif -%}
  {%- if regression -%}
    {%- do driftline_check_fit(regression, driftline_dle_fit_relation(),
        "(select * from " ~ ref('driftline__performance_specs') ~ " where problem_type = 'regression')", 'regression performance estimation (DLE)') -%}
  {%- endif -%}
{% endmacro %}


{% macro driftline_sampling_error_components_sql(monitors) %}
  {#- monitor, fit_fingerprint, metric, se_scale, se_power of every metric, from the fits these monitors use. -#}
  {%- set parts = [] -%}
  {%- for name in driftline_performance_fit_models(monitors) -%}
    {%- set relation = driftline_dle_fit_relation() if name == 'driftline__dle_fit' else driftline_cbpe_fit_relation() -%}
    {%- do parts.append("select monitor, fit_fingerprint, metric, se_scale, se_power from " ~ relation ~ " where item = 'sampling_error'") -%}
  {%- endfor -%}
  {{ return(parts | join('\n    union all\n    ')) }}
{% endmacro %}


{% macro driftline_scored_rows_cte(monitor, fit_relation) %}
  {#- CTEs ending in `scored`: the performance rows with calibrated probabilities pc0 (, pc1, ...), or, for
      regression, with the DLE nanny models' predictions dle_<model>. -#}
  {%- if monitor.problem_type == 'classification_binary' -%}
  calibration_0 as {{ driftline_materialized() }} (
    {{ driftline_calibration_map_sql(monitor, '1', fit_relation, 'select p0 as score from performance_rows') }}
  ),
  scored as (
    select r.*, c.calibrated as pc0
    from performance_rows as r left join calibration_0 as c on c.score = r.p0
  )
  {%- elif monitor.problem_type == 'regression' -%}
  {{ driftline_dle_scored_ctes(monitor, driftline_dle_state(monitor, fit_relation), 'performance_rows') }}
  {%- else -%}
  {{ driftline_multiclass_scored_ctes(monitor, fit_relation) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_realized_sql(monitor, rows_relation) %}
  {%- if monitor.problem_type == 'classification_binary' -%}
  {{ driftline_binary_realized_sql(monitor, rows_relation) }}
  {%- elif monitor.problem_type == 'regression' -%}
  {{ driftline_regression_realized_sql(monitor, rows_relation) }}
  {%- else -%}
  {{ driftline_multiclass_realized_sql(monitor, rows_relation) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_estimated_sql(monitor, rows_relation) %}
  {%- if monitor.problem_type == 'classification_binary' -%}
  {{ driftline_binary_estimated_sql(monitor, rows_relation) }}
  {%- elif monitor.problem_type == 'regression' -%}
  {{ driftline_regression_estimated_sql(monitor, rows_relation) }}
  {%- else -%}
  {{ driftline_multiclass_estimated_sql(monitor, rows_relation) }}
  {%- endif -%}
{% endmacro %}
