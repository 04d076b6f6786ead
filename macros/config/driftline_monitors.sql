{#- The monitors declared in vars, validated and with every default filled in.
    Every other macro reads monitors through this one, so a setting has one meaning everywhere. -#}

{% macro driftline_monitors() %}
  {%- set raw = var('monitors', []) -%}
  {%- if raw is mapping -%}
    {{ exceptions.raise_compiler_error("driftline: vars 'monitors' must be a list of monitors, got a mapping. Fix: write `monitors:` followed by `- name: ...` items.") }}
  {%- endif -%}
  {%- set monitors = [] -%}
  {%- set names = [] -%}
  {%- for m in raw -%}
    {%- if driftline_monitor_enabled(m, loop.index0) -%}
      {%- set normalized = driftline_normalize_monitor(m, loop.index0) -%}
      {%- if normalized.name in names -%}
        {{ exceptions.raise_compiler_error("driftline: monitor '" ~ normalized.name ~ "' is declared twice. Fix: give each monitor a unique `name`.") }}
      {%- endif -%}
      {%- do names.append(normalized.name) -%}
      {%- do monitors.append(normalized) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(monitors) }}
{% endmacro %}


{#- `enabled: false` leaves a monitor out entirely (no rows in any table, its settings not checked), so a broken
    or paused monitor can stay declared. Anything but true/false is a configuration error. -#}
{% macro driftline_monitor_enabled(m, position) %}
  {%- if m is not mapping or 'enabled' not in m -%}
    {{ return(true) }}
  {%- endif -%}
  {%- if m['enabled'] is not sameas true and m['enabled'] is not sameas false -%}
    {{ driftline_config_error(m.get('name') or ('#' ~ (position + 1)), 'enabled', "must be true or false, got '" ~ m['enabled'] ~ "'.", "write `enabled: false` to pause the monitor, or remove the key.") }}
  {%- endif -%}
  {{ return(m['enabled']) }}
{% endmacro %}


{% macro driftline_config_error(monitor_name, key, problem, fix) %}
  {{ exceptions.raise_compiler_error("driftline: monitor '" ~ monitor_name ~ "', key '" ~ key ~ "': " ~ problem ~ " Fix: " ~ fix) }}
{% endmacro %}


{% macro driftline_normalize_monitor(m, position) %}
  {%- if m is not mapping or not m.get('name') -%}
    {{ exceptions.raise_compiler_error("driftline: monitor #" ~ (position + 1) ~ " has no `name`. Fix: add `name: <unique monitor name>`.") }}
  {%- endif -%}
  {%- set name = m['name'] | string -%}
  {%- set known = ['name', 'model', 'source', 'relation', 'timestamp', 'id', 'problem_type', 'features',
                   'y_pred_proba', 'y_pred', 'y_true', 'targets', 'reference', 'chunking', 'univariate',
                   'data_quality', 'summary_stats', 'thresholds', 'performance', 'multivariate', 'enabled'] -%}
  {%- for key in m -%}
    {%- if key not in known -%}
      {{ driftline_config_error(name, key, "unknown key.", "use one of " ~ (known | join(', ')) ~ ".") }}
    {%- endif -%}
  {%- endfor -%}

  {%- set features = m.get('features') or {} -%}
  {%- if features is not mapping -%}
    {{ driftline_config_error(name, 'features', "must be a mapping with `continuous` and/or `categorical` lists.", "write `features: {continuous: [a, b], categorical: [c]}`.") }}
  {%- endif -%}
  {%- set continuous = driftline_string_list(name, 'features.continuous', features.get('continuous') or []) -%}
  {%- set categorical = driftline_string_list(name, 'features.categorical', features.get('categorical') or []) -%}
  {%- if (continuous | length) + (categorical | length) == 0 -%}
    {{ driftline_config_error(name, 'features', "no features declared.", "list the monitored columns under `features.continuous` and `features.categorical`.") }}
  {%- endif -%}
  {%- for c in continuous -%}
    {%- if c in categorical -%}
      {{ driftline_config_error(name, 'features', "column '" ~ c ~ "' is declared both continuous and categorical.", "keep it in one of the two lists.") }}
    {%- endif -%}
  {%- endfor -%}

  {%- set timestamp = m.get('timestamp') -%}
  {%- set id = m.get('id') -%}
  {%- if not timestamp and not id -%}
    {{ driftline_config_error(name, 'timestamp', "neither `timestamp` nor `id` is set, so rows have no reproducible order for chunking.", "set `timestamp: <column>` (and `id: <column>` to break ties).") }}
  {%- endif -%}

  {%- set monitor = {
      'name': name,
      'timestamp': timestamp,
      'id': id,
      'continuous': continuous,
      'categorical': categorical,
      'features': continuous + categorical,
      'problem_type': driftline_normalize_problem_type(name, m.get('problem_type', 'classification_binary')),
      'chunking': driftline_normalize_chunking(name, m.get('chunking'), timestamp),
      'univariate': driftline_normalize_univariate(name, m.get('univariate')),
      'data_quality': m.get('data_quality', true),
      'summary_stats': m.get('summary_stats', true),
      'thresholds': driftline_normalize_thresholds(name, m.get('thresholds')),
  } -%}
  {%- do monitor.update(driftline_normalize_relations(name, m, timestamp)) -%}
  {%- do monitor.update({'performance': driftline_normalize_performance(name, m, monitor.problem_type)}) -%}
  {%- do monitor.update({'multivariate': driftline_normalize_multivariate(name, m.get('multivariate'))}) -%}
  {%- set fingerprint_source = {
      'version': 1, 'timestamp': timestamp, 'id': id, 'continuous': continuous, 'categorical': categorical,
      'chunking': monitor.chunking, 'univariate': monitor.univariate, 'reference': monitor.reference_sql ~ monitor.reference_filter,
      'analysis': monitor.analysis_sql ~ monitor.analysis_filter,
  } -%}
  {%- do monitor.update({'fingerprint': local_md5(tojson(fingerprint_source, sort_keys=true))[:16]}) -%}
  {{ return(monitor) }}
{% endmacro %}


{% macro driftline_string_list(monitor_name, key, value) %}
  {%- if value is string or value is mapping or value is not iterable -%}
    {{ driftline_config_error(monitor_name, key, "must be a list of column names.", "write `" ~ key.split('.')[-1] ~ ": [col_a, col_b]`.") }}
  {%- endif -%}
  {%- set out = [] -%}
  {%- for v in value -%}
    {%- if v in out -%}
      {{ driftline_config_error(monitor_name, key, "column '" ~ v ~ "' is listed twice.", "list each column once.") }}
    {%- endif -%}
    {%- do out.append(v | string) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}


{% macro driftline_normalize_chunking(monitor_name, chunking, timestamp) %}
  {%- set c = chunking or {'number': 10} -%}
  {%- if c is not mapping -%}
    {{ driftline_config_error(monitor_name, 'chunking', "must be a mapping.", "write `chunking: {size: 5000}`, `{number: 10}` or `{period: month}`.") }}
  {%- endif -%}
  {%- set kinds = [] -%}
  {%- for k in ['size', 'number', 'period'] -%}{%- if c.get(k) -%}{%- do kinds.append(k) -%}{%- endif -%}{%- endfor -%}
  {%- for k in c -%}
    {%- if k not in ['size', 'number', 'period', 'incomplete'] -%}
      {{ driftline_config_error(monitor_name, 'chunking.' ~ k, "unknown key.", "use size, number or period, and optionally incomplete (keep|append|drop).") }}
    {%- endif -%}
  {%- endfor -%}
  {%- if kinds | length != 1 -%}
    {{ driftline_config_error(monitor_name, 'chunking', "set exactly one of size, number or period (got " ~ (kinds | join(', ') or 'none') ~ ").", "write `chunking: {size: 5000}`, `{number: 10}` or `{period: month}`.") }}
  {%- endif -%}
  {%- set kind = kinds[0] -%}
  {%- set incomplete = c.get('incomplete', 'keep') -%}
  {%- if incomplete not in ['keep', 'append', 'drop'] -%}
    {{ driftline_config_error(monitor_name, 'chunking.incomplete', "'" ~ incomplete ~ "' is not a remainder mode.", "use keep (default), append or drop.") }}
  {%- endif -%}
  {%- if kind in ['size', 'number'] -%}
    {%- set value = c[kind] -%}
    {%- if value is not number or value != (value | int) or value < 1 -%}
      {{ driftline_config_error(monitor_name, 'chunking.' ~ kind, "must be a positive integer, got '" ~ value ~ "'.", "write e.g. `chunking: {" ~ kind ~ ": 10}`.") }}
    {%- endif -%}
    {{ return({'kind': kind, 'value': value | int, 'incomplete': incomplete}) }}
  {%- else -%}
    {%- set aliases = {'h': 'hour', 'hour': 'hour', 'd': 'day', 'day': 'day', 'w': 'week', 'week': 'week', 'm': 'month', 'month': 'month',
                       'q': 'quarter', 'quarter': 'quarter', 'y': 'year', 'a': 'year', 'year': 'year'} -%}
    {%- set unit = aliases.get((c['period'] | string | lower)) -%}
    {%- if not unit -%}
      {{ driftline_config_error(monitor_name, 'chunking.period', "'" ~ c['period'] ~ "' is not a period.", "use hour, day, week, month, quarter or year (or NannyML's H, D, W, M, Q, Y).") }}
    {%- endif -%}
    {%- if not timestamp -%}
      {{ driftline_config_error(monitor_name, 'chunking.period', "period chunking needs a timestamp column.", "set `timestamp: <column>` on the monitor, or chunk by size or number.") }}
    {%- endif -%}
    {{ return({'kind': 'period', 'value': unit, 'incomplete': 'keep'}) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_normalize_univariate(monitor_name, univariate) %}
  {%- set u = univariate or {} -%}
  {%- set registry = driftline_methods() -%}
  {%- set out = {
      'continuous_methods': u.get('continuous_methods', ['jensen_shannon']),
      'categorical_methods': u.get('categorical_methods', ['jensen_shannon']),
      'calculation_method': u.get('calculation_method', 'auto'),
      'n_bins': u.get('n_bins', 10000),
  } -%}
  {%- for key in u -%}
    {%- if key not in out -%}
      {{ driftline_config_error(monitor_name, 'univariate.' ~ key, "unknown key.", "use continuous_methods, categorical_methods, calculation_method or n_bins.") }}
    {%- endif -%}
  {%- endfor -%}
  {%- for kind in ['continuous', 'categorical'] -%}
    {%- for method in out[kind ~ '_methods'] -%}
      {%- if method not in registry or kind not in registry[method].column_types -%}
        {%- set allowed = [] -%}
        {%- for name, spec in registry.items() if kind in spec.column_types -%}{%- do allowed.append(name) -%}{%- endfor -%}
        {{ driftline_config_error(monitor_name, 'univariate.' ~ kind ~ '_methods', "'" ~ method ~ "' is not a " ~ kind ~ " drift method.", "use any of " ~ (allowed | join(', ')) ~ ".") }}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if out.calculation_method not in ['auto', 'exact', 'estimated'] -%}
    {{ driftline_config_error(monitor_name, 'univariate.calculation_method', "'" ~ out.calculation_method ~ "' is not allowed.", "use auto (exact below 10,000 reference values), exact or estimated.") }}
  {%- endif -%}
  {%- if out.n_bins is not number or out.n_bins < 1 -%}
    {{ driftline_config_error(monitor_name, 'univariate.n_bins', "must be a positive integer.", "leave it out (10000) or write `n_bins: 10000`.") }}
  {%- endif -%}
  {{ return(out) }}
{% endmacro %}


{% macro driftline_normalize_thresholds(monitor_name, thresholds) %}
  {%- set t = thresholds or {} -%}
  {%- set registry = driftline_methods() -%}
  {%- set out = {} -%}
  {%- for key, spec in t.items() -%}
    {%- if key not in registry -%}
      {{ driftline_config_error(monitor_name, 'thresholds.' ~ key, "no method or metric has that name.", "use one of " ~ (registry.keys() | list | sort | join(', ')) ~ ".") }}
    {%- endif -%}
    {%- if spec is not mapping or spec.get('type') not in ['constant', 'standard_deviation'] -%}
      {{ driftline_config_error(monitor_name, 'thresholds.' ~ key, "needs `type: constant` (with lower/upper) or `type: standard_deviation` (with std_lower_multiplier/std_upper_multiplier).", "write e.g. `" ~ key ~ ": {type: constant, upper: 0.1}`.") }}
    {%- endif -%}
    {%- for k in spec -%}
      {%- if k not in ['type', 'lower', 'upper', 'std_lower_multiplier', 'std_upper_multiplier'] -%}
        {{ driftline_config_error(monitor_name, 'thresholds.' ~ key ~ '.' ~ k, "unknown key.", "use type, lower, upper, std_lower_multiplier or std_upper_multiplier.") }}
      {%- endif -%}
    {%- endfor -%}
    {%- do out.update({key: spec}) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}


{% macro driftline_normalize_relations(monitor_name, m, timestamp) %}
  {#- Where the analysis rows and the reference rows come from, as SQL relations plus filters. -#}
  {%- set analysis = driftline_relation_sql(monitor_name, 'model/source/relation', m) -%}
  {%- if analysis is none -%}
    {{ driftline_config_error(monitor_name, 'model', "the monitored rows are not given.", "set `model: <dbt model>`, `source: [<source>, <table>]` or `relation: <schema.table>`.") }}
  {%- endif -%}
  {%- set ref = m.get('reference') -%}
  {%- if ref is not mapping -%}
    {{ driftline_config_error(monitor_name, 'reference', "the reference period is not given.", "set `reference: {model: <ref model>}`, `{start: 'YYYY-MM-DD', end: 'YYYY-MM-DD'}` or `{where: '<predicate>'}`.") }}
  {%- endif -%}
  {%- set ref_relation = driftline_relation_sql(monitor_name, 'reference', ref) -%}
  {%- if ref_relation is not none -%}
    {{ return({'analysis_sql': analysis, 'analysis_filter': 'true', 'reference_sql': ref_relation, 'reference_filter': ref.get('where') or 'true'}) }}
  {%- endif -%}
  {%- if ref.get('where') -%}
    {%- set predicate = '(' ~ ref['where'] ~ ')' -%}
  {%- elif ref.get('start') or ref.get('end') -%}
    {%- if not timestamp -%}
      {{ driftline_config_error(monitor_name, 'reference', "a start/end reference window needs a timestamp column.", "set `timestamp: <column>` or give the reference as `{model: ...}` or `{where: ...}`.") }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- if ref.get('start') -%}{%- do parts.append(adapter.quote(timestamp) ~ " >= cast('" ~ ref['start'] ~ "' as timestamp)") -%}{%- endif -%}
    {%- if ref.get('end') -%}{%- do parts.append(adapter.quote(timestamp) ~ " < cast('" ~ ref['end'] ~ "' as timestamp)") -%}{%- endif -%}
    {%- set predicate = '(' ~ (parts | join(' and ')) ~ ')' -%}
  {%- else -%}
    {{ driftline_config_error(monitor_name, 'reference', "none of model, source, relation, start/end or where is set.", "set `reference: {model: <ref model>}`, `{start: ..., end: ...}` or `{where: ...}`.") }}
  {%- endif -%}
  {{ return({'analysis_sql': analysis, 'analysis_filter': 'not coalesce(' ~ predicate ~ ', false)', 'reference_sql': analysis, 'reference_filter': predicate}) }}
{% endmacro %}


{% macro driftline_relation_sql(monitor_name, key, spec) %}
  {%- if spec.get('model') -%}
    {{ return(ref(spec['model'])) }}
  {%- elif spec.get('source') -%}
    {%- set s = spec['source'] -%}
    {%- if s is string or s | length != 2 -%}
      {{ driftline_config_error(monitor_name, key ~ '.source', "must be [source_name, table_name].", "write `source: [my_source, my_table]`.") }}
    {%- endif -%}
    {{ return(source(s[0], s[1])) }}
  {%- elif spec.get('relation') -%}
    {%- set parts = (spec['relation'] | string).split('.') -%}
    {%- if parts | length == 1 -%}
      {{ return(api.Relation.create(database=driftline_target_database(), schema=target.schema, identifier=parts[0])) }}
    {%- elif parts | length == 2 -%}
      {{ return(api.Relation.create(database=driftline_target_database(), schema=parts[0], identifier=parts[1])) }}
    {%- else -%}
      {{ return(api.Relation.create(database=parts[0], schema=parts[1], identifier=parts[2])) }}
    {%- endif -%}
  {%- endif -%}
  {{ return(none) }}
{% endmacro %}


{% macro driftline_normalize_problem_type(monitor_name, problem_type) %}
  {%- set allowed = ['classification_binary', 'classification_multiclass', 'regression'] -%}
  {%- if problem_type not in allowed -%}
    {{ driftline_config_error(monitor_name, 'problem_type', "'" ~ problem_type ~ "' is not a problem type.", "use one of " ~ (allowed | join(', ')) ~ ".") }}
  {%- endif -%}
  {{ return(problem_type) }}
{% endmacro %}


{% macro driftline_normalize_performance(monitor_name, m, problem_type) %}
  {#- Performance monitoring (realized metrics and CBPE) is on when `performance.metrics` is given.
      Classification needs y_pred_proba (a column; multiclass: {class label: column}) and y_pred; the
      targets come from y_true in the monitored rows or from `targets: {model|source|relation, id, y_true}`. -#}
  {%- set perf = m.get('performance') -%}
  {%- if problem_type == 'regression' -%}{{ return(driftline_normalize_regression_performance(monitor_name, m)) }}{%- endif -%}
  {%- if not perf -%}{{ return(none) }}{%- endif -%}
  {%- if perf is not mapping or not perf.get('metrics') -%}
    {{ driftline_config_error(monitor_name, 'performance', "needs a `metrics` list.", "write `performance: {metrics: [roc_auc, f1]}`.") }}
  {%- endif -%}
  {%- for key in perf -%}
    {%- if key not in ['metrics', 'business_value_matrix', 'normalize_confusion_matrix', 'normalize_business_value'] -%}
      {{ driftline_config_error(monitor_name, 'performance.' ~ key, "unknown key.", "use metrics, business_value_matrix, normalize_confusion_matrix or normalize_business_value.") }}
    {%- endif -%}
  {%- endfor -%}
  {%- set classification = ['roc_auc', 'f1', 'precision', 'recall', 'specificity', 'accuracy', 'average_precision', 'confusion_matrix', 'business_value'] -%}
  {%- for metric in perf['metrics'] -%}
    {%- if metric not in classification -%}
      {{ driftline_config_error(monitor_name, 'performance.metrics', "'" ~ metric ~ "' is not a classification metric.", "use any of " ~ (classification | join(', ')) ~ ".") }}
    {%- endif -%}
  {%- endfor -%}
  {%- set bv = perf.get('business_value_matrix') -%}
  {%- if 'business_value' in perf['metrics'] and not bv -%}
    {{ driftline_config_error(monitor_name, 'performance.business_value_matrix', "business_value needs a value matrix.", "write `business_value_matrix: [[tn_value, fp_value], [fn_value, tp_value]]` (rows: true class, columns: predicted class).") }}
  {%- endif -%}
  {%- if perf.get('normalize_confusion_matrix') not in [none, 'all', 'true', 'pred'] -%}
    {{ driftline_config_error(monitor_name, 'performance.normalize_confusion_matrix', "'" ~ perf.get('normalize_confusion_matrix') ~ "' is not allowed.", "use all, true, pred or leave it out (counts).") }}
  {%- endif -%}
  {%- if perf.get('normalize_business_value') not in [none, 'per_prediction'] -%}
    {{ driftline_config_error(monitor_name, 'performance.normalize_business_value', "'" ~ perf.get('normalize_business_value') ~ "' is not allowed.", "use per_prediction or leave it out (total value).") }}
  {%- endif -%}
  {%- set proba = m.get('y_pred_proba') -%}
  {%- if problem_type == 'classification_binary' and (not proba or proba is mapping) -%}
    {{ driftline_config_error(monitor_name, 'y_pred_proba', "a binary classifier needs the column of its positive-class probability.", "write `y_pred_proba: <column>`.") }}
  {%- endif -%}
  {%- if problem_type == 'classification_multiclass' and (proba is not mapping or proba | length < 2) -%}
    {{ driftline_config_error(monitor_name, 'y_pred_proba', "a multiclass classifier needs one probability column per class.", "write `y_pred_proba: {class_a: proba_a_column, class_b: proba_b_column, ...}`.") }}
  {%- endif -%}
  {%- if not m.get('y_pred') -%}
    {{ driftline_config_error(monitor_name, 'y_pred', "classification performance needs the predicted label column.", "write `y_pred: <column>`.") }}
  {%- endif -%}
  {%- set classes = [] -%}
  {%- if proba is mapping -%}
    {%- for label in proba.keys() | map('string') | sort -%}{%- do classes.append(label) -%}{%- endfor -%}
    {%- set proba_columns = {} -%}
    {%- for label, column in proba.items() -%}{%- do proba_columns.update({label | string: column}) -%}{%- endfor -%}
  {%- else -%}
    {%- do classes.append('1') -%}
    {%- set proba_columns = {'1': proba} -%}
  {%- endif -%}
  {%- set t = driftline_normalize_targets(monitor_name, m) -%}
  {{ return({
      'metrics': perf['metrics'],
      'business_value_matrix': bv,
      'normalize_confusion_matrix': perf.get('normalize_confusion_matrix'),
      'normalize_business_value': perf.get('normalize_business_value'),
      'classes': classes,
      'proba_columns': proba_columns,
      'y_pred': m.get('y_pred'),
      'y_true': t.y_true,
      'targets_sql': t.targets_sql,
      'targets_id': t.targets_id,
  }) }}
{% endmacro %}


{% macro driftline_normalize_targets(monitor_name, m) %}
  {#- Where the targets come from: y_true in the monitored rows, or late targets joined on the id. -#}
  {%- set targets = m.get('targets') -%}
  {%- set targets_sql = none -%}
  {%- if targets -%}
    {%- if targets is not mapping or not targets.get('y_true') or not targets.get('id') -%}
      {{ driftline_config_error(monitor_name, 'targets', "late targets need a relation, the id to join on and the y_true column.", "write `targets: {model: <targets model>, id: <id column>, y_true: <target column>}`.") }}
    {%- endif -%}
    {%- if not m.get('id') -%}
      {{ driftline_config_error(monitor_name, 'id', "late targets are joined on the monitor's id.", "set `id: <column>` on the monitor.") }}
    {%- endif -%}
    {%- set targets_sql = driftline_relation_sql(monitor_name, 'targets', targets) -%}
  {%- endif -%}
  {%- if not targets and not m.get('y_true') -%}
    {{ driftline_config_error(monitor_name, 'y_true', "performance needs targets: the reference period must have them.", "write `y_true: <column>` (targets in the monitored rows) or `targets: {model: ..., id: ..., y_true: ...}`.") }}
  {%- endif -%}
  {{ return({'y_true': (targets or {}).get('y_true') or m.get('y_true'), 'targets_sql': targets_sql, 'targets_id': (targets or {}).get('id')}) }}
{% endmacro %}


{% macro driftline_normalize_regression_performance(monitor_name, m) %}
  {#- Regression performance (realized metrics and DLE) is on when `performance` is given: a mapping with
      optional `metrics` (default: all six, NannyML's default) and optional LightGBM `hyperparameters` for
      the nanny models. It needs y_pred (a numeric column) and the targets (y_true or `targets`). -#}
  {%- set perf = m.get('performance') -%}
  {%- if perf is none or perf is false -%}{{ return(none) }}{%- endif -%}
  {%- set all_metrics = ['mae', 'mape', 'mse', 'msle', 'rmse', 'rmsle'] -%}
  {%- if perf is true -%}{%- set perf = {} -%}{%- endif -%}
  {%- if perf is not mapping -%}
    {{ driftline_config_error(monitor_name, 'performance', "must be a mapping.", "write `performance: {metrics: [mae, rmse]}`, or `performance: {}` for all six regression metrics.") }}
  {%- endif -%}
  {%- for key in perf -%}
    {%- if key not in ['metrics', 'hyperparameters'] -%}
      {{ driftline_config_error(monitor_name, 'performance.' ~ key, "unknown key for a regression monitor.", "use metrics and, optionally, hyperparameters (LightGBM settings of the DLE nanny models).") }}
    {%- endif -%}
  {%- endfor -%}
  {%- set metrics = perf.get('metrics', all_metrics) -%}
  {%- if metrics is string or metrics is mapping or metrics is not iterable or metrics | length == 0 -%}
    {{ driftline_config_error(monitor_name, 'performance.metrics', "must be a non-empty list.", "write e.g. `metrics: [mae, rmse]`, or leave it out for all six (" ~ (all_metrics | join(', ')) ~ ").") }}
  {%- endif -%}
  {%- set seen = [] -%}
  {%- for metric in metrics -%}
    {%- if metric not in all_metrics -%}
      {{ driftline_config_error(monitor_name, 'performance.metrics', "'" ~ metric ~ "' is not a regression metric.", "use any of " ~ (all_metrics | join(', ')) ~ ".") }}
    {%- endif -%}
    {%- if metric in seen -%}
      {{ driftline_config_error(monitor_name, 'performance.metrics', "'" ~ metric ~ "' is listed twice.", "list each metric once.") }}
    {%- endif -%}
    {%- do seen.append(metric) -%}
  {%- endfor -%}
  {%- set hyperparameters = perf.get('hyperparameters') or {} -%}
  {%- set allowed = driftline_dle_hyperparameters() -%}
  {%- if hyperparameters is not mapping -%}
    {{ driftline_config_error(monitor_name, 'performance.hyperparameters', "must be a mapping of LightGBM settings.", "write e.g. `hyperparameters: {n_estimators: 200, learning_rate: 0.05}`.") }}
  {%- endif -%}
  {%- for name, value in hyperparameters.items() -%}
    {%- if name not in allowed -%}
      {{ driftline_config_error(monitor_name, 'performance.hyperparameters.' ~ name, "cannot be set (driftline fits single-threaded and scores the trees' sum, so the thread count, objective and boosting type are fixed).", "use any of " ~ (allowed.keys() | sort | join(', ')) ~ ", or leave it out.") }}
    {%- endif -%}
    {%- set wanted = allowed[name] -%}
    {%- if (wanted == 'bool' and value is not boolean) or (wanted != 'bool' and (value is boolean or value is not number or (wanted == 'int' and value != (value | int)))) -%}
      {{ driftline_config_error(monitor_name, 'performance.hyperparameters.' ~ name, "must be " ~ ('true or false' if wanted == 'bool' else ('an integer' if wanted == 'int' else 'a number')) ~ ", got '" ~ value ~ "'.", "correct the value.") }}
    {%- endif -%}
  {%- endfor -%}
  {%- if m.get('y_pred_proba') -%}
    {{ driftline_config_error(monitor_name, 'y_pred_proba', "a regression monitor has no probabilities.", "remove `y_pred_proba`, or set `problem_type` to classification_binary or classification_multiclass.") }}
  {%- endif -%}
  {%- if not m.get('y_pred') or m.get('y_pred') is not string -%}
    {{ driftline_config_error(monitor_name, 'y_pred', "regression performance needs the column of the model's predictions.", "write `y_pred: <numeric column>`.") }}
  {%- endif -%}
  {%- set t = driftline_normalize_targets(monitor_name, m) -%}
  {%- set features = m.get('features') or {} -%}
  {%- for column in (features.get('continuous') or []) + (features.get('categorical') or []) -%}
    {%- if column in [m.get('y_pred'), t.y_true] -%}
      {{ driftline_config_error(monitor_name, 'features', "column '" ~ column ~ "' is also the monitor's " ~ ('y_pred' if column == m.get('y_pred') else 'y_true') ~ ".", "remove it from features: DLE adds y_pred to the features itself, and the target must not be an input.") }}
    {%- endif -%}
  {%- endfor -%}
  {%- if m.get('y_pred') == t.y_true and t.targets_sql is none -%}
    {{ driftline_config_error(monitor_name, 'y_true', "y_true and y_pred are the same column.", "point y_true at the targets and y_pred at the predictions.") }}
  {%- endif -%}
  {{ return({
      'metrics': metrics | list,
      'hyperparameters': hyperparameters,
      'business_value_matrix': none,
      'normalize_confusion_matrix': none,
      'normalize_business_value': none,
      'classes': [],
      'proba_columns': {},
      'y_pred': m.get('y_pred'),
      'y_true': t.y_true,
      'targets_sql': t.targets_sql,
      'targets_id': t.targets_id,
  }) }}
{% endmacro %}


{% macro driftline_dle_hyperparameters() %}
  {#- The LightGBM settings a regression monitor may give its DLE nanny models, with their type
      (driftline/fitting/dle.py HYPERPARAMETERS holds the same list). -#}
  {{ return({
    'n_estimators': 'int', 'learning_rate': 'float', 'num_leaves': 'int', 'max_depth': 'int',
    'min_child_samples': 'int', 'min_child_weight': 'float', 'min_split_gain': 'float',
    'subsample': 'float', 'subsample_freq': 'int', 'colsample_bytree': 'float',
    'reg_alpha': 'float', 'reg_lambda': 'float', 'random_state': 'int', 'subsample_for_bin': 'int',
    'max_bin': 'int', 'min_data_per_group': 'int', 'max_cat_threshold': 'int', 'max_cat_to_onehot': 'int',
    'cat_smooth': 'float', 'cat_l2': 'float', 'zero_as_missing': 'bool', 'use_missing': 'bool',
  }) }}
{% endmacro %}


{% macro driftline_normalize_multivariate(monitor_name, multivariate) %}
  {#- Multivariate drift is on when `multivariate.methods` is given: pca_reconstruction (NannyML's data
      reconstruction drift) and/or domain_classifier (NannyML's domain classifier), over all the monitor's features. -#}
  {%- if not multivariate -%}{{ return(none) }}{%- endif -%}
  {%- if multivariate is not mapping or not multivariate.get('methods') -%}
    {{ driftline_config_error(monitor_name, 'multivariate', "needs a `methods` list.", "write `multivariate: {methods: [pca_reconstruction, domain_classifier]}`.") }}
  {%- endif -%}
  {%- if multivariate['methods'] is string or multivariate['methods'] is mapping -%}
    {{ driftline_config_error(monitor_name, 'multivariate.methods', "must be a list of methods.", "write `methods: [pca_reconstruction, domain_classifier]`.") }}
  {%- endif -%}
  {%- for key in multivariate -%}
    {%- if key not in ['methods', 'variance_threshold'] -%}
      {{ driftline_config_error(monitor_name, 'multivariate.' ~ key, "unknown key.", "use methods or variance_threshold.") }}
    {%- endif -%}
  {%- endfor -%}
  {%- for method in multivariate['methods'] -%}
    {%- if method not in ['pca_reconstruction', 'domain_classifier'] -%}
      {{ driftline_config_error(monitor_name, 'multivariate.methods', "'" ~ method ~ "' is not available.", "use pca_reconstruction and/or domain_classifier.") }}
    {%- endif -%}
  {%- endfor -%}
  {%- set threshold = multivariate.get('variance_threshold', 0.65) -%}
  {%- if threshold is not number or threshold <= 0 or threshold >= 1 -%}
    {{ driftline_config_error(monitor_name, 'multivariate.variance_threshold', "must be a number between 0 and 1.", "leave it out (0.65) or write e.g. `variance_threshold: 0.8`.") }}
  {%- endif -%}
  {{ return({'methods': multivariate['methods'], 'variance_threshold': threshold}) }}
{% endmacro %}
