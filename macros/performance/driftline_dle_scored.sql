{#- DLE scoring in SQL (algorithms.md §5, docs/decisions/0009): the nanny models' trees, read from the fitted
    state driftline__dle_fit when the model compiles, become one nested CASE expression per tree, and a
    model's prediction for a row is the sum of its trees in tree order - LightGBM's own sum, so the SQL
    reproduces Booster.predict to the last bit.

    Inputs as LightGBM sees them (x0, x1, ... = the features in the monitor's order, then y_pred):
      continuous feature, y_pred   the value, NULL when missing (NULL, NaN, +-inf), and |x| <= 1e-35f read
                                   as 0 (LightGBM's kZeroThreshold: its predictor does the same)
      categorical feature          the reference code 1..K of the category, a missing value coded as the
                                   category 'NML_missing_value', an unseen category 0
    LightGBM 4.5's decision rules (Tree::NumericalDecision, CategoricalDecision):
      numerical     x <= threshold goes left, with missing values by the split's missing_type:
                    'None' - NULL counts as 0; 'NaN' - NULL takes the default direction;
                    'Zero' - NULL and 0 take the default direction
      categorical   a code in the split's set goes left; anything else (unseen 0, NULL) goes right -#}

{% macro driftline_dle_fit_relation() %}
  {%- if target.type in driftline_python_adapters() -%}
    {{ return(ref('driftline__dle_fit')) }}
  {%- else -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier='driftline__dle_fit')) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_dle_zero_threshold() %}{{ return(1.0000000180025095e-35) }}{% endmacro %}


{% macro driftline_dle_state(monitor, fit_relation) %}
  {#- The fitted state of one monitor: {fingerprint, trees: {model: [tree, ...]} in tree order, each tree its
      nodes in pre-order as 'L|<leaf value>' or 'S|<feature index>|<decision type>|<threshold or codes>|
      <default left 1/0>|<missing type>', codes: {feature_index: [(category, code)]}, metric_model: {metric: model}}.
      One query returns each tree as one text (so the compile reads a few hundred rows, not every node). -#}
  {%- set state = {'fingerprint': none, 'trees': {}, 'codes': {}, 'metric_model': {}} -%}
  {%- if not execute -%}{{ return(state) }}{%- endif -%}
  {%- do driftline_exact_float_text() -%}
  {%- set t = driftline_text() -%}
  {%- set node_text -%}
    case when leaf_value is not null then 'L|' || cast(leaf_value as {{ t }})
         else 'S|' || cast(feature_index as {{ t }}) || '|' || decision_type || '|' || coalesce(cast(threshold as {{ t }}), categories)
              || '|' || case when default_left then '1' else '0' end || '|' || missing_type end
  {%- endset -%}
  {%- set trees = run_query("select model, tree_index, " ~ driftline_string_agg(node_text, 'node_index', ';') ~ " as nodes from " ~ fit_relation
      ~ " where monitor = " ~ driftline_literal(monitor.name) ~ " and item = 'node' group by model, tree_index order by model, tree_index") -%}
  {%- for row in trees.rows -%}
    {%- do state.trees.setdefault(row['model'], []).append(row['nodes'].split(';')) -%}
  {%- endfor -%}
  {%- set others = run_query("select item, metric, model, feature_index, category, code, fit_fingerprint from " ~ fit_relation
      ~ " where monitor = " ~ driftline_literal(monitor.name) ~ " and item <> 'node' order by item, feature_index, code, metric") -%}
  {%- for row in others.rows -%}
    {%- do state.update({'fingerprint': row['fit_fingerprint']}) -%}
    {%- if row['item'] == 'category' -%}
      {%- do state.codes.setdefault(row['feature_index'] | int, []).append((row['category'], row['code'] | int)) -%}
    {%- elif row['item'] == 'sampling_error' -%}
      {%- do state.metric_model.update({row['metric']: row['model']}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set expected = driftline_dle_metric_models() -%}
  {%- for metric in monitor.performance.metrics if state.metric_model.get(metric) != expected[metric] or expected[metric] not in state.trees -%}
    {{ exceptions.raise_compiler_error("driftline: monitor '" ~ monitor.name ~ "': the DLE fitted state in " ~ fit_relation ~ " has no model for metric '"
        ~ metric ~ "'. Fix: run `driftline fit` (engines without dbt Python models) or `dbt build` again, so the fit sees the current configuration.") }}
  {%- endfor -%}
  {{ return(state) }}
{% endmacro %}


{% macro driftline_dle_tree_sql(nodes) %}
  {#- One tree (its nodes in pre-order, as driftline_dle_state gives them) as nested CASE WHEN <goes left>
      THEN <left subtree> ELSE <right subtree> END. Pre-order means a split's left subtree starts right after
      it and its right subtree right after the left one ends, so one pass with a stack of open splits writes
      the expression (a loop, not a recursive macro: the compile stays fast for thousands of nodes).
      Literals are written as driftline_float_literal writes them (17 significant digits, exact). -#}
  {%- set d = driftline_double() -%}
  {%- set out = [] -%}
  {%- set open = [] -%}
  {%- for node in nodes -%}
    {%- set f = node.split('|') -%}
    {%- if f[0] == 'L' -%}
      {%- do out.append('cast(' ~ ('%.17g' | format(f[1] | float)) ~ ' as ' ~ d ~ ')') -%}
      {#- close the splits whose right subtree this leaf ends; the innermost split still in its left subtree turns to its right -#}
      {%- for _ in range(open | length) if open and open[-1] == 'right' -%}
        {%- do open.pop() -%}{%- do out.append(' end') -%}
      {%- endfor -%}
      {%- if open -%}{%- do open.pop() -%}{%- do open.append('right') -%}{%- do out.append(' else ') -%}{%- endif -%}
    {%- else -%}
      {%- set j = f[1] -%}
      {%- if f[2] == '==' -%}
        {%- set goes_left = 'x' ~ j ~ ' in (' ~ f[3] ~ ')' -%}
      {%- else -%}
        {%- set t = 'cast(' ~ ('%.17g' | format(f[3] | float)) ~ ' as ' ~ d ~ ')' -%}
        {%- if f[5] == 'NaN' -%}
          {%- set goes_left = ('(x' ~ j ~ ' is null or x' ~ j ~ ' <= ' ~ t ~ ')') if f[4] == '1' else ('x' ~ j ~ ' <= ' ~ t) -%}
        {%- elif f[5] == 'Zero' -%}
          {%- set goes_left = ('(z' ~ j ~ ' = 0 or z' ~ j ~ ' <= ' ~ t ~ ')') if f[4] == '1' else ('(z' ~ j ~ ' <> 0 and z' ~ j ~ ' <= ' ~ t ~ ')') -%}
        {%- else -%}
          {%- set goes_left = 'z' ~ j ~ ' <= ' ~ t -%}
        {%- endif -%}
      {%- endif -%}
      {%- do out.append('case when ' ~ goes_left ~ ' then ') -%}
      {%- do open.append('left') -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out | join('')) }}
{% endmacro %}


{% macro driftline_dle_scored_ctes(monitor, state, rows_cte) %}
  {#- CTEs ending in `scored`: every column of rows_cte plus dle_<model>, each nanny model's raw prediction
      for the row (not clipped). Three steps, each computed once (MATERIALIZED: inlined, PostgreSQL would
      re-evaluate the category lookups inside every split and every tree twice):
        dle_inputs  x<j>, the inputs as LightGBM sees them, and z<j> = coalesce(x<j>, 0), the value a split
                    without a missing-value direction compares;
        dle_trees   one column per tree (one expression per tree keeps DuckDB's planner fast: a single sum of
                    100 nested CASEs costs it seconds);
        scored      the trees of each model summed in tree order. -#}
  {%- set zero = driftline_float_literal(driftline_dle_zero_threshold()) -%}
  {%- set n_inputs = monitor.continuous | length + monitor.categorical | length + 1 -%}
  dle_inputs as {{ driftline_materialized() }} (
    select dle_x.*
      {%- for j in range(n_inputs) %}, coalesce(x{{ j }}, 0) as z{{ j }}{% endfor %}
    from (
      select r.*
        {%- for c in monitor.continuous %},
        case when abs(c{{ loop.index0 }}) <= {{ zero }} then 0 else c{{ loop.index0 }} end as x{{ loop.index0 }}
        {%- endfor %}
        {%- for c in monitor.categorical %}
        {%- set position = monitor.continuous | length + loop.index0 %},
        case coalesce(k{{ loop.index0 }}, 'NML_missing_value'){% for category, code in state.codes.get(position, []) %} when {{ driftline_literal(category) }} then {{ code }}{% endfor %} else 0 end as x{{ position }}
        {%- endfor %},
        case when abs(y_pred) <= {{ zero }} then 0 else y_pred end as x{{ n_inputs - 1 }}
      from {{ rows_cte }} as r
    ) as dle_x
  ),
  dle_trees as {{ driftline_materialized() }} (
    select dle_inputs.*
      {%- for model, trees in state.trees.items() %}
      {%- for tree in trees %},
      {{ driftline_dle_tree_sql(tree) }} as dle_{{ model }}_{{ loop.index0 }}
      {%- endfor %}
      {%- endfor %}
    from dle_inputs
  ),
  scored as (
    select dle_trees.*
      {%- for model, trees in state.trees.items() %},
      {% for tree in trees %}{% if not loop.first %} + {% endif %}dle_{{ model }}_{{ loop.index0 }}{% endfor %} as dle_{{ model }}
      {%- endfor %}
    from dle_trees
  )
{% endmacro %}
