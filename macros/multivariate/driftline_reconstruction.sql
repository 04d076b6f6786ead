{#- PCA data-reconstruction error per row, in SQL, from a fitted state read when the model compiles
    (algorithms.md §8.1). With v the imputed and encoded feature values, z = (v - mean) / scale and
    d = z - mu (mu: the PCA mean), the reconstruction is z_hat = mu + d W^T W, so the residual is
    r = d - (d W^T) W and the row's error is ||r||_2. The few coefficients are written into the SQL as
    literals: the scoring pass is plain arithmetic over each row. -#}

{% macro driftline_pca_fit_relation() %}
  {%- if target.type in driftline_python_adapters() -%}
    {{ return(ref('driftline__pca_fit')) }}
  {%- else -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier='driftline__pca_fit')) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_pca_state(monitor, fit_relation) %}
  {#- The fitted state of one monitor as a dict: impute, mean, scale, pca_mean, frequencies, components. -#}
  {%- set state = {'impute': {}, 'impute_category': {}, 'mean': {}, 'scale': {}, 'pca_mean': {}, 'frequency': {}, 'component': {}, 'fingerprint': none} -%}
  {%- if not execute -%}{{ return(state) }}{%- endif -%}
  {%- set result = run_query("select item, column_name, category, component, value, fit_fingerprint from " ~ fit_relation
      ~ " where monitor = " ~ driftline_literal(monitor.name)) -%}
  {%- for item, column_name, category, component, value, fingerprint in result.rows -%}
    {%- do state.update({'fingerprint': fingerprint}) -%}
    {%- if item == 'frequency' -%}
      {%- do state.frequency.setdefault(column_name, {}).update({category: value}) -%}
    {%- elif item == 'component' -%}
      {%- do state.component.setdefault(component | int, {}).update({column_name: value}) -%}
    {%- elif item == 'impute_category' -%}
      {%- do state.impute_category.update({column_name: category}) -%}
    {%- else -%}
      {%- do state[item].update({column_name: value}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(state) }}
{% endmacro %}


{% macro driftline_float_literal(value) -%}
  {#- A double literal that round-trips exactly. -#}
  cast({{ '%.17g' | format(value | float) }} as {{ driftline_double() }})
{%- endmacro %}


{% macro driftline_reconstruction_errors_sql(monitor, state, rows_sql) %}
  {#- One row per input row: period, chunk_index, reconstruction_error. -#}
  {%- set features = monitor.continuous + monitor.categorical -%}
  with encoded as (
    select period, chunk_index
    {%- for c in features %}
      {%- set alias = driftline_feature_alias(monitor, c) %}
      {%- if c in monitor.continuous %}
        {%- set v = 'coalesce(' ~ alias ~ ', ' ~ driftline_float_literal(state.impute[c]) ~ ')' %}
      {%- else %}
        {%- set frequencies = state.frequency.get(c, {}) %}
        {%- set v %}case coalesce({{ alias }}, {{ driftline_literal(state.impute_category[c]) }}){% for category, f in frequencies.items() %} when {{ driftline_literal(category) }} then {{ driftline_float_literal(f) }}{% endfor %} else 0 end{% endset %}
      {%- endif %},
      ({{ v }} - {{ driftline_float_literal(state.mean[c]) }}) / {{ driftline_float_literal(state.scale[c]) }} - {{ driftline_float_literal(state.pca_mean[c]) }} as d{{ loop.index0 }}
    {%- endfor %}
    from ({{ rows_sql }}) as r
  ),
  projected as (
    select encoded.*
    {%- for i in state.component.keys() | sort %},
      {% for c in features %}{% if not loop.first %} + {% endif %}d{{ loop.index0 }} * {{ driftline_float_literal(state.component[i][c]) }}{% endfor %} as t{{ i }}
    {%- endfor %}
    from encoded
  )
  select period, chunk_index, sqrt(
    {%- for c in features %}
    {%- set j = loop.index0 %}
    {% if not loop.first %}+ {% endif %}power(d{{ j }}{% for i in state.component.keys() | sort %} - t{{ i }} * {{ driftline_float_literal(state.component[i][c]) }}{% endfor %}, 2)
    {%- endfor %}
  ) as reconstruction_error
  from projected
{% endmacro %}
