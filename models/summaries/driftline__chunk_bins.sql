{{ config(**driftline_chunk_summary_config()) }}
{#- One pass per monitor over its rows: per chunk, the count of values in every bin of every feature.
    binning = 'doane' (reference Doane edges, for Jensen-Shannon and Hellinger), 'fine' (n_bins equal-width
    reference bins, for the estimated Kolmogorov-Smirnov and Wasserstein), 'value' (one bin per distinct
    value, for the exact Kolmogorov-Smirnov and Wasserstein: only for features whose reference has fewer
    than 10,000 values under calculation_method auto, or all with exact) or 'category' (one bin per category).
    Values outside the reference range are not binned; chunk_moments counts them. A single GROUP BY
    GROUPING SETS scan yields every feature's bins at once. -#}
{%- set monitors = driftline_monitors() -%}

{% for m in monitors %}
{#- The fine bins are only needed by the estimated Kolmogorov-Smirnov and Wasserstein distances. -#}
{%- set needs_fine = 'kolmogorov_smirnov' in m.univariate.continuous_methods or 'wasserstein' in m.univariate.continuous_methods -%}
{%- set exact = driftline_exact_columns(m) if needs_fine else [] -%}
{%- set sets = [] -%}
{%- for c in m.continuous -%}
  {%- do sets.append('d' ~ loop.index0) -%}
  {%- if needs_fine and c not in exact -%}{%- do sets.append('f' ~ loop.index0) -%}{%- endif -%}
  {%- if c in exact -%}{%- do sets.append('e' ~ loop.index0) -%}{%- endif -%}
{%- endfor -%}
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
      {{ driftline_bin_correct(a, 'f' ~ loop.index0 ~ '_guess', a ~ '_lo', a ~ '_hi', a ~ '_fine') }} as f{{ loop.index0 }},
      {{ a }} as e{{ loop.index0 }}
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
  {#- Each grouped row belongs to exactly one grouping set; its grouping() flag says which feature and binning. -#}
  {%- set members = [] %}
  {%- for c in m.continuous %}
  {%- do members.append(('d' ~ loop.index0, c, 'doane')) %}
  {%- if ('f' ~ loop.index0) in sets %}{%- do members.append(('f' ~ loop.index0, c, 'fine')) %}{%- endif %}
  {%- if ('e' ~ loop.index0) in sets %}{%- do members.append(('e' ~ loop.index0, c, 'value')) %}{%- endif %}
  {%- endfor %}
  {%- for c in m.categorical %}
  {%- do members.append(('k' ~ loop.index0, c, 'category')) %}
  {%- endfor %}
  select
    {{ driftline_literal(m.name) }} as monitor, period, cast(chunk_index as integer) as chunk_index, chunk_signature,
    case {%- for s, c, kind in members %} when g_{{ s }} = 0 then {{ driftline_literal(c) }}{% endfor %} end as column_name,
    case {%- for s, c, kind in members %} when g_{{ s }} = 0 then '{{ kind }}'{% endfor %} end as binning,
    {{ driftline_pick_member(members, ['doane', 'fine'], 'integer') }} as bin_index,
    {{ driftline_pick_member(members, ['value'], driftline_double()) }} as bin_value,
    {{ driftline_pick_member(members, ['category'], driftline_text()) }} as category,
    cast(n as bigint) as n,
    {{ driftline_now() }} as summarised_at
  from grouped
  where {% for s, c, kind in members %}(g_{{ s }} = 0 and {{ s }} is not null){% if not loop.last %} or {% endif %}{% endfor %}
) as bins_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('chunk_signature', driftline_text()),
   ('column_name', driftline_text()), ('binning', driftline_text()), ('bin_index', 'integer'), ('bin_value', driftline_double()),
   ('category', driftline_text()), ('n', 'bigint'), ('summarised_at', 'timestamp')]) }}
{% endfor %}
