{#- Shared plumbing of the summary models: which rows a run must summarise, and the bounds learned
    from the reference that a summary pass needs (one wide row per monitor).

    Incremental by chunk: a chunk's signature is the monitor's configuration fingerprint, a hash of its
    reference profile, and the chunk's boundaries and row count. On an incremental run only chunks
    whose signature is not yet in the summary table are summarised; the model's delete+insert on
    (monitor, period, chunk_index) then replaces their old rows. Reference chunks are all-or-nothing. -#}

{% macro driftline_rows_to_summarise(monitor) %}
  {#- Chunked rows of one monitor with their chunk signature, restricted on incremental runs to the
      chunks not summarised yet. Remainder rows dropped by incomplete='drop' (chunk -1) are kept for
      the reference, since the whole reference distribution includes them. -#}
  {%- set name = driftline_literal(monitor.name) -%}
  select r.*, s.chunk_signature
  from ({{ driftline_chunked_rows(monitor) }}) as r
  inner join {{ ref('driftline__chunk_signatures') }} as s
    on s.monitor = {{ name }} and s.period = r.period and s.chunk_index = r.chunk_index
  {%- if is_incremental() %}
  where (r.period = 'analysis' and s.chunk_signature not in (
          select chunk_signature from {{ this }} where monitor = {{ name }} and period = 'analysis'))
     or (r.period = 'reference' and exists (
          select 1 from {{ ref('driftline__chunk_signatures') }} as rs
          where rs.monitor = {{ name }} and rs.period = 'reference' and rs.chunk_index >= 0 and rs.chunk_signature not in (
            select chunk_signature from {{ this }} where monitor = {{ name }} and period = 'reference')))
  {%- endif %}
{% endmacro %}


{% macro driftline_reference_bounds_sql(monitor) %}
  {#- One wide row: for every continuous feature alias a, a_min/a_max (reference range) and
      a_lo/a_hi/a_doane/a_fine (bin edges). -#}
  select
    count(*) as n_profile_rows
    {%- for c in monitor.continuous %}
    {%- set a = 'c' ~ loop.index0 %},
    max(case when column_alias = '{{ a }}' then min_value end) as {{ a }}_min,
    max(case when column_alias = '{{ a }}' then max_value end) as {{ a }}_max,
    max(case when column_alias = '{{ a }}' then bin_low end) as {{ a }}_lo,
    max(case when column_alias = '{{ a }}' then bin_high end) as {{ a }}_hi,
    max(case when column_alias = '{{ a }}' then doane_bins end) as {{ a }}_doane,
    max(case when column_alias = '{{ a }}' then fine_bins end) as {{ a }}_fine
    {%- endfor %}
  from {{ ref('driftline__reference_profile') }}
  where monitor = {{ driftline_literal(monitor.name) }}
{% endmacro %}


{% macro driftline_exact_columns(monitor) %}
  {#- Continuous features whose Kolmogorov-Smirnov and Wasserstein are computed exactly, from every
      distinct value, instead of from n_bins equal-width bins: all of them with calculation_method exact,
      none with estimated, and with auto those whose reference has fewer than 10,000 non-missing values
      (NannyML's rule). Reads the reference profile built earlier in the same run. -#}
  {%- set method = monitor.univariate.calculation_method -%}
  {%- if method == 'exact' -%}{{ return(monitor.continuous) }}{%- endif -%}
  {%- if method == 'estimated' or not execute -%}{{ return([]) }}{%- endif -%}
  {%- set result = run_query("select column_name from " ~ ref('driftline__reference_profile') ~ " where monitor = "
      ~ driftline_literal(monitor.name) ~ " and column_type = 'continuous' and not use_fine_bins") -%}
  {{ return(result.columns[0].values() | list) }}
{% endmacro %}


{% macro driftline_current_summary(summary_model, where='true') %}
  {#- The rows of a summary model that belong to a current chunk (their chunk signature is among the
      current ones); older rows are history from another configuration, reference or chunk state. -#}
  select t.* from {{ ref(summary_model) }} as t
  inner join {{ ref('driftline__chunk_signatures') }} as s
    on s.monitor = t.monitor and s.chunk_signature = t.chunk_signature
  where {{ where }}
{% endmacro %}


{% macro driftline_aligned_counts(bins, moments, key) %}
  {#- Reference and chunk counts side by side, for every chunk in `moments` and every bin `key` that the
      reference or the chunk has (0 where one of them has none). `bins` is a relation with monitor, period,
      chunk_index, column_name, <key>, n; the reference count of a bin is its sum over the reference rows. -#}
  with reference_counts as (
    select monitor, column_name, {{ key }}, sum(n) as n from {{ bins }} where period = 'reference'
    group by monitor, column_name, {{ key }}
  ),
  bin_keys as (
    select mo.monitor, mo.period, mo.chunk_index, mo.column_name, r.{{ key }}
    from {{ moments }} as mo
    inner join reference_counts as r on r.monitor = mo.monitor and r.column_name = mo.column_name
    union
    select monitor, period, chunk_index, column_name, {{ key }} from {{ bins }} where chunk_index >= 0
  )
  select k.monitor, k.period, k.chunk_index, k.column_name, k.{{ key }}, coalesce(r.n, 0) as ref_n, coalesce(b.n, 0) as chunk_n
  from bin_keys as k
  left join reference_counts as r on r.monitor = k.monitor and r.column_name = k.column_name and r.{{ key }} = k.{{ key }}
  left join {{ bins }} as b
    on b.monitor = k.monitor and b.period = k.period and b.chunk_index = k.chunk_index
   and b.column_name = k.column_name and b.{{ key }} = k.{{ key }}
{% endmacro %}
