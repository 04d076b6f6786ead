{#- Multivariate drift by domain classifier (algorithms.md §8.2). The per-chunk values come from Python
    (driftline.fitting.domain_classifier: 5-fold cross-validated LightGBM), stored in
    driftline__chunk_domain_classifier, a dbt Python model on DuckDB and a table written by `driftline fit`
    elsewhere. These macros say which monitors use it, where its table lives and what identifies a value. -#}

{% macro driftline_domain_classifier_monitors() %}
  {%- set out = [] -%}
  {%- for m in driftline_monitors() if m.multivariate and 'domain_classifier' in m.multivariate.methods -%}
    {%- do out.append(m) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}


{% macro driftline_domain_classifier_relation(use_ref=true) %}
  {#- The table of per-chunk values. use_ref=false names it without a dependency, for the models the
      Python model itself reads (they look at the previous run's table). -#}
  {%- if use_ref and target.type in driftline_python_adapters() -%}
    {{ return(ref('driftline__chunk_domain_classifier')) }}
  {%- else -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier='driftline__chunk_domain_classifier')) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_domain_classifier_spec(monitor) %}
  {#- What the Python side needs, and everything a value depends on (so it is in the fingerprint): the
      features (numeric columns declared categorical are ordered as NannyML's treat_as_categorical and
      their categories sort as numbers), the folds, the chunking and where the rows come from. The
      threshold is not part of it: changing it recomputes no value. -#}
  {%- set numeric_categorical = [] -%}
  {%- if execute and monitor.categorical -%}
    {%- set types = {} -%}
    {%- for col in adapter.get_columns_in_relation(monitor.reference_sql) -%}{%- do types.update({col.name | lower: col.dtype | lower}) -%}{%- endfor -%}
    {%- for c in monitor.categorical if driftline_is_numeric_type(types.get(c | lower, '')) -%}{%- do numeric_categorical.append(c) -%}{%- endfor -%}
  {%- endif -%}
  {{ return({'version': 1, 'monitor': monitor.name, 'continuous': monitor.continuous, 'categorical': monitor.categorical,
             'numeric_categorical': numeric_categorical, 'folds': 5, 'chunking': monitor.chunking,
             'timestamp': monitor.timestamp, 'id': monitor.id,
             'reference': monitor.reference_sql ~ monitor.reference_filter, 'analysis': monitor.analysis_sql ~ monitor.analysis_filter}) }}
{% endmacro %}
