{#- The registry of every method and metric: one place that says which column types it applies to,
    its default threshold, the limits a threshold is clamped to, and how a value becomes an alert.
    Defaults and limits follow NannyML 0.13.1 (algorithms.md §2.3). The confusion matrix's upper limit
    becomes 1 when the monitor normalises it.

    threshold: {type: standard_deviation, lower: <multiplier or none>, upper: <multiplier or none>}
               {type: constant, lower: <value or none>, upper: <value or none>}
               {type: none}  (the method alerts on its p-value instead)
    clamp:     'limit' - a threshold beyond a limit becomes the limit; 'none' - it becomes NULL (no bound)
    alert:     'outside'     - value < lower or value > upper; NULL never alerts
               'not_inside'  - not (lower < value < upper); equality and NULL alert
               'p_value'     - p_value < 0.05 -#}

{% macro driftline_methods() %}
  {%- set sd3 = {'type': 'standard_deviation', 'lower': 3, 'upper': 3} -%}
  {%- set sd_upper = {'type': 'standard_deviation', 'lower': none, 'upper': 3} -%}
  {%- set zero_upper = {'type': 'constant', 'lower': none, 'upper': 0} -%}
  {{ return({
    'kolmogorov_smirnov': {'family': 'univariate_drift', 'column_types': ['continuous'], 'threshold': sd_upper, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'jensen_shannon':     {'family': 'univariate_drift', 'column_types': ['continuous', 'categorical'], 'threshold': sd_upper, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'wasserstein':        {'family': 'univariate_drift', 'column_types': ['continuous'], 'threshold': sd_upper, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'hellinger':          {'family': 'univariate_drift', 'column_types': ['continuous', 'categorical'], 'threshold': sd_upper, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'l_infinity':         {'family': 'univariate_drift', 'column_types': ['categorical'], 'threshold': sd_upper, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'chi2':               {'family': 'univariate_drift', 'column_types': ['categorical'], 'threshold': {'type': 'none'}, 'lower_limit': none, 'upper_limit': none, 'clamp': 'limit', 'alert': 'p_value'},
    'missing':            {'family': 'data_quality', 'column_types': ['continuous', 'categorical'], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'unseen':             {'family': 'data_quality', 'column_types': ['categorical'], 'threshold': zero_upper, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'range':              {'family': 'data_quality', 'column_types': ['continuous'], 'threshold': zero_upper, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'avg':                {'family': 'summary_stats', 'column_types': ['continuous'], 'threshold': sd3, 'lower_limit': none, 'upper_limit': none, 'clamp': 'none', 'alert': 'not_inside'},
    'median':             {'family': 'summary_stats', 'column_types': ['continuous'], 'threshold': sd3, 'lower_limit': none, 'upper_limit': none, 'clamp': 'none', 'alert': 'not_inside'},
    'sum':                {'family': 'summary_stats', 'column_types': ['continuous'], 'threshold': sd3, 'lower_limit': none, 'upper_limit': none, 'clamp': 'none', 'alert': 'not_inside'},
    'std':                {'family': 'summary_stats', 'column_types': ['continuous'], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'none', 'alert': 'not_inside'},
    'count':              {'family': 'summary_stats', 'column_types': ['rows'], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'none', 'alert': 'not_inside'},
    'roc_auc':            {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'f1':                 {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'precision':          {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'recall':             {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'specificity':        {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'accuracy':           {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'average_precision':  {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'confusion_matrix':   {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'pca_reconstruction': {'family': 'multivariate_drift', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'none', 'alert': 'not_inside'},
    'domain_classifier':  {'family': 'multivariate_drift', 'column_types': [], 'threshold': {'type': 'constant', 'lower': 0.45, 'upper': 0.65}, 'lower_limit': 0, 'upper_limit': 1, 'clamp': 'limit', 'alert': 'outside'},
    'business_value':     {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': none, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'mae':                {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'mape':               {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'mse':                {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'msle':               {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'rmse':               {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
    'rmsle':              {'family': 'performance', 'column_types': [], 'threshold': sd3, 'lower_limit': 0, 'upper_limit': none, 'clamp': 'limit', 'alert': 'outside'},
  }) }}
{% endmacro %}


{% macro driftline_threshold_spec(monitor, method) %}
  {#- The threshold of one method for one monitor: the monitor's override, else the registry default. -#}
  {%- set registry = driftline_methods()[method] -%}
  {%- set override = monitor.thresholds.get(method) -%}
  {%- if override is none or registry.threshold.type == 'none' -%}
    {{ return(registry.threshold) }}
  {%- elif override.type == 'constant' -%}
    {{ return({'type': 'constant', 'lower': override.get('lower'), 'upper': override.get('upper')}) }}
  {%- else -%}
    {{ return({'type': 'standard_deviation', 'lower': override.get('std_lower_multiplier', 3), 'upper': override.get('std_upper_multiplier', 3)}) }}
  {%- endif -%}
{% endmacro %}
