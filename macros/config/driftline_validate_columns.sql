{#- Run-time checks against the warehouse: every configured column exists, and has a usable type.
    Called while the chunk catalogue compiles for execution, so a bad monitor fails before any scan. -#}

{% macro driftline_validate_columns(monitor) %}
  {%- for period in ['analysis', 'reference'] -%}
    {%- set relation = monitor.analysis_sql if period == 'analysis' else monitor.reference_sql -%}
    {%- set found = {} -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
      {%- do found.update({col.name | lower: col}) -%}
    {%- endfor -%}
    {%- if found | length == 0 -%}
      {{ driftline_config_error(monitor.name, 'reference' if period == 'reference' else 'model', "the " ~ period ~ " relation " ~ relation ~ " was not found or has no columns.", "build or create it first, or point the monitor at an existing relation.") }}
    {%- endif -%}
    {%- set needed = [('timestamp', monitor.timestamp), ('id', monitor.id)] -%}
    {%- for c in monitor.continuous -%}{%- do needed.append(('features.continuous', c)) -%}{%- endfor -%}
    {%- for c in monitor.categorical -%}{%- do needed.append(('features.categorical', c)) -%}{%- endfor -%}
    {%- if monitor.performance -%}
      {%- for label, c in monitor.performance.proba_columns.items() -%}{%- do needed.append(('y_pred_proba', c)) -%}{%- endfor -%}
      {%- do needed.append(('y_pred', monitor.performance.y_pred)) -%}
      {%- if monitor.performance.targets_sql is none -%}{%- do needed.append(('y_true', monitor.performance.y_true)) -%}{%- endif -%}
    {%- endif -%}
    {%- for key, column_name in needed if column_name -%}
      {%- set col = found.get(column_name | lower) -%}
      {%- if col is none -%}
        {%- set close = [] -%}
        {%- for name in found if name[:3] == (column_name | lower)[:3] -%}{%- do close.append(name) -%}{%- endfor -%}
        {{ driftline_config_error(monitor.name, key, "column '" ~ column_name ~ "' does not exist in the " ~ period ~ " relation " ~ relation ~ ".", "correct the name" ~ ((" (similar: " ~ (close | join(', ')) ~ ")") if close else "") ~ " or remove it from the monitor.") }}
      {%- endif -%}
      {%- set dtype = col.dtype | lower -%}
      {%- if key in ('features.continuous', 'y_pred_proba') and not driftline_is_numeric_type(dtype) -%}
        {{ driftline_config_error(monitor.name, key, "column '" ~ column_name ~ "' has type " ~ col.dtype ~ ", which is not numeric.", "move it to features.categorical, or cast it to a number in the model the monitor reads.") }}
      {%- endif -%}
      {%- if monitor.problem_type == 'regression' and key in ('y_pred', 'y_true') and not driftline_is_numeric_type(dtype) -%}
        {{ driftline_config_error(monitor.name, key, "column '" ~ column_name ~ "' has type " ~ col.dtype ~ ", which is not numeric; a regression monitor needs numbers.", "point `" ~ key ~ "` at a numeric column, or cast it to a number in the model the monitor reads.") }}
      {%- endif -%}
      {%- if key == 'timestamp' and not ('timestamp' in dtype or 'date' in dtype or 'char' in dtype or 'text' in dtype or 'string' in dtype) -%}
        {{ driftline_config_error(monitor.name, key, "column '" ~ column_name ~ "' has type " ~ col.dtype ~ ", which is not a timestamp.", "point `timestamp` at a timestamp or date column.") }}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
{% endmacro %}


{% macro driftline_validate_targets(monitor) %}
  {#- Late targets: the targets relation holds the id and the target column. -#}
  {%- set perf = monitor.performance -%}
  {%- if not perf or perf.targets_sql is none -%}{{ return('') }}{%- endif -%}
  {%- set names = [] -%}
  {%- for col in adapter.get_columns_in_relation(perf.targets_sql) -%}{%- do names.append(col.name | lower) -%}{%- endfor -%}
  {%- if names | length == 0 -%}
    {{ driftline_config_error(monitor.name, 'targets', "the targets relation " ~ perf.targets_sql ~ " was not found or has no columns.", "create it first, or point `targets` at an existing relation.") }}
  {%- endif -%}
  {%- for key, column_name in [('targets.id', perf.targets_id), ('targets.y_true', perf.y_true)] -%}
    {%- if (column_name | lower) not in names -%}
      {{ driftline_config_error(monitor.name, key, "column '" ~ column_name ~ "' does not exist in the targets relation " ~ perf.targets_sql ~ ".", "correct the name in `targets`.") }}
    {%- endif -%}
  {%- endfor -%}
{% endmacro %}


{% macro driftline_is_numeric_type(dtype) %}
  {%- for word in ['int', 'float', 'double', 'real', 'numeric', 'decimal', 'number', 'hugeint'] -%}
    {%- if word in dtype -%}{{ return(true) }}{%- endif -%}
  {%- endfor -%}
  {{ return(false) }}
{% endmacro %}
