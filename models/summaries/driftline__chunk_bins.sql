{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['monitor', 'period', 'chunk_index'], on_schema_change='fail') }}
{#- One pass per monitor over its rows: per chunk, the count of values in every bin of every feature.
    binning = 'doane' (reference Doane edges, for Jensen-Shannon and Hellinger), 'fine' (n_bins equal-width
    reference bins, for the estimated Kolmogorov-Smirnov and Wasserstein) or 'category' (one bin per value).
    Values outside the reference range are not binned; chunk_moments counts them. A single GROUP BY
    GROUPING SETS scan yields every feature's bins at once. -#}
{%- set monitors = driftline_monitors() -%}

{% for m in monitors %}
{%- set sets = [] -%}
{%- for c in m.continuous -%}{%- do sets.append('d' ~ loop.index0) -%}{%- do sets.append('f' ~ loop.index0) -%}{%- endfor -%}
{%- for c in m.categorical -%}{%- do sets.append('k' ~ loop.index0) -%}{%- endfor -%}
select * from (
  with summarised_rows as (
    {{ driftline_rows_to_summarise(m) }}
  ),
  bounds as (
    {{ driftline_reference_bounds_sql(m) }}
  ),
  guessed as (
    select r.*, b.*
      {%- for c in m.continuous %}
      {%- set a = 'c' ~ loop.index0 %},
      {{ driftline_bin_guess('r.' ~ a, 'b.' ~ a ~ '_lo', 'b.' ~ a ~ '_hi', 'b.' ~ a ~ '_doane') }} as d{{ loop.index0 }}_guess,
      {{ driftline_bin_guess('r.' ~ a, 'b.' ~ a ~ '_lo', 'b.' ~ a ~ '_hi', 'b.' ~ a ~ '_fine') }} as f{{ loop.index0 }}_guess
      {%- endfor %}
    from summarised_rows as r cross join bounds as b
  ),
  binned as (
    select period, chunk_index, chunk_signature
      {%- for c in m.continuous %}
      {%- set a = 'c' ~ loop.index0 %},
      {{ driftline_bin_correct(a, 'd' ~ loop.index0 ~ '_guess', a ~ '_lo', a ~ '_hi', a ~ '_doane') }} as d{{ loop.index0 }},
      {{ driftline_bin_correct(a, 'f' ~ loop.index0 ~ '_guess', a ~ '_lo', a ~ '_hi', a ~ '_fine') }} as f{{ loop.index0 }}
      {%- endfor %}
      {%- for c in m.categorical %},
      k{{ loop.index0 }}
      {%- endfor %}
    from guessed
  ),
  grouped as (
    select period, chunk_index, max(chunk_signature) as chunk_signature, count(*) as n
      {%- for s in sets %}, {{ s }}, grouping({{ s }}) as g_{{ s }}{%- endfor %}
    from binned
    group by grouping sets (
      {%- for s in sets %}
      (period, chunk_index, {{ s }}){% if not loop.last %},{% endif %}
      {%- endfor %}
    )
  )
  {%- set selects = [] %}
  {%- for c in m.continuous %}
  {%- set i = loop.index0 %}
  {%- for kind, prefix in [('doane', 'd'), ('fine', 'f')] %}
  {%- set sql %}
  select {{ driftline_literal(m.name) }} as monitor, period, cast(chunk_index as integer) as chunk_index, chunk_signature,
         {{ driftline_literal(c) }} as column_name, '{{ kind }}' as binning, cast({{ prefix ~ i }} as integer) as bin_index,
         cast(null as {{ driftline_text() }}) as category, cast(n as bigint) as n
  from grouped where g_{{ prefix ~ i }} = 0 and {{ prefix ~ i }} is not null
  {%- endset %}
  {%- do selects.append(sql) %}
  {%- endfor %}
  {%- endfor %}
  {%- for c in m.categorical %}
  {%- set sql %}
  select {{ driftline_literal(m.name) }}, period, cast(chunk_index as integer), chunk_signature,
         {{ driftline_literal(c) }}, 'category', cast(null as integer), k{{ loop.index0 }}, cast(n as bigint)
  from grouped where g_k{{ loop.index0 }} = 0 and k{{ loop.index0 }} is not null
  {%- endset %}
  {%- do selects.append(sql) %}
  {%- endfor %}
  {{ selects | join('\n  union all\n') }}
) as bins_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('chunk_signature', driftline_text()),
   ('column_name', driftline_text()), ('binning', driftline_text()), ('bin_index', 'integer'), ('category', driftline_text()), ('n', 'bigint')]) }}
{% endfor %}
