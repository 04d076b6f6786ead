{#- Regression performance per chunk (algorithms.md §5, §6). Long results: period, chunk_index, method,
    metric, value, n (the rows the metric used). -#}

{% macro driftline_regression_realized_sql(monitor, rows_relation) %}
  {#- scikit-learn's metrics on the rows with both y_true and y_pred (NannyML's PerformanceCalculator):
        mae   mean |y - ŷ|                     mse   mean (y - ŷ)²        rmse   sqrt(mse)
        mape  mean |y - ŷ| / max(|y|, eps)     msle  mean (log1p(y) - log1p(ŷ))²     rmsle  sqrt(msle)
      with eps the float64 machine epsilon. msle and rmsle are NULL for a chunk in which y_true or y_pred
      has a negative value (NannyML's calculator raises and reports NaN for that chunk). -#}
  {%- set metrics = monitor.performance.metrics -%}
  {%- set d = driftline_double() -%}
  {%- set eps = driftline_float_literal(2.220446049250313e-16) -%}
  with labelled as (
    select period, chunk_index, y_true, y_pred,
      case when y_true >= 0 and y_pred >= 0 then {{ driftline_log1p('y_true') }} - {{ driftline_log1p('y_pred') }} end as log_error
    from {{ rows_relation }}
    where y_true is not null and y_pred is not null
  ),
  sums as (
    select period, chunk_index, count(*) as n,
      avg(abs(y_true - y_pred)) as mae,
      avg(abs(y_true - y_pred) / greatest(abs(y_true), {{ eps }})) as mape,
      avg((y_true - y_pred) * (y_true - y_pred)) as mse,
      case when max(case when y_true < 0 or y_pred < 0 then 1 else 0 end) = 0 then avg(log_error * log_error) end as msle
    from labelled
    group by period, chunk_index
  ),
  results as (
    {%- set selects = [] %}
    {%- set exprs = {'mae': 'mae', 'mape': 'mape', 'mse': 'mse', 'msle': 'msle', 'rmse': 'sqrt(mse)', 'rmsle': 'sqrt(msle)'} %}
    {%- for metric in metrics %}
      {%- do selects.append("select period, chunk_index, '" ~ metric ~ "' as method, '" ~ metric ~ "' as metric, cast(" ~ exprs[metric] ~ " as " ~ d ~ ") as value, n from sums") %}
    {%- endfor %}
    {{ selects | join('\n    union all\n    ') }}
  )
  select * from results
{% endmacro %}


{% macro driftline_regression_estimated_sql(monitor, rows_relation) %}
  {#- DLE: per chunk, the mean over all its rows of the nanny model's prediction clipped at 0 (the square root
      of that mean for rmse and rmsle). Rows without y_pred are scored too (LightGBM's rule for a missing
      value), as NannyML does; n, which the sampling error uses, counts the rows with a y_pred. The
      prediction columns dle_<model> come from driftline_dle_scored_ctes. -#}
  {%- set metrics = monitor.performance.metrics -%}
  {%- set models = driftline_dle_metric_models() -%}
  {%- set d = driftline_double() -%}
  {%- set used = [] -%}
  {%- for metric in metrics if models[metric] not in used -%}{%- do used.append(models[metric]) -%}{%- endfor -%}
  with means as (
    select period, chunk_index, count(y_pred) as n
      {%- for model in used %},
      avg(greatest(dle_{{ model }}, cast(0 as {{ d }}))) as mean_{{ model }}
      {%- endfor %}
    from {{ rows_relation }}
    group by period, chunk_index
  ),
  results as (
    {%- set selects = [] %}
    {%- for metric in metrics %}
      {%- set mean = 'mean_' ~ models[metric] %}
      {%- do selects.append("select period, chunk_index, '" ~ metric ~ "' as method, '" ~ metric ~ "' as metric, "
          ~ ("sqrt(" ~ mean ~ ")" if metric in ['rmse', 'rmsle'] else mean) ~ " as value, n from means") %}
    {%- endfor %}
    {{ selects | join('\n    union all\n    ') }}
  )
  select * from results
{% endmacro %}


{% macro driftline_dle_metric_models() %}
  {#- The nanny model each metric's estimate comes from (driftline/fitting/dle.py MODEL_OF_METRIC). -#}
  {{ return({'mae': 'absolute_error', 'mape': 'absolute_percentage_error', 'mse': 'squared_error', 'rmse': 'squared_error',
             'msle': 'squared_log_error', 'rmsle': 'squared_log_error'}) }}
{% endmacro %}


{% macro driftline_log1p(expr) -%}
  {#- ln(1 + x), accurate for small x too (no engine has log1p): ln(1 + x) * x / ((1 + x) - 1), x where 1 + x
      rounds to 1. For x >= 0. -#}
  (case when 1 + ({{ expr }}) = 1 then ({{ expr }}) else ln(1 + ({{ expr }})) * ({{ expr }}) / ((1 + ({{ expr }})) - 1) end)
{%- endmacro %}
