{#- The largest number of chunks (reference + analysis) of any monitor, read from driftline_chunks when the
    model runs (1 at parse time). Bounds series that grow with the chunk count, e.g. the p-value terms of the
    correlation ranker. -#}
{% macro driftline_most_chunks() %}
  {%- if not execute -%}{{ return(1) }}{%- endif -%}
  {%- set result = run_query("select max(n) from (select count(*) as n from " ~ ref('driftline_chunks') ~ " group by monitor) as per_monitor") -%}
  {%- set most = result.columns[0].values()[0] if result and result.rows | length else none -%}
  {{ return((most or 1) | int) }}
{% endmacro %}
