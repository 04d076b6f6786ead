{{ config(materialized='table') }}
{#- For every chunk and feature, the reference and chunk counts side by side over one set of bins:
    every reference bin (Doane bins of continuous features, categories of categorical ones), the
    bins/categories that only the chunk has (reference count 0), and for continuous features one
    'outside' bin with the chunk values beyond the reference range (NannyML's leftover bin).
    ref_total / chunk_total are the non-missing counts that turn counts into shares. -#}

with moments as (
  {{ driftline_current_summary('driftline__chunk_moments') }}
),
bins as (
  select b.monitor, b.period, b.chunk_index, b.column_name, b.binning,
         coalesce(b.category, cast(b.bin_index as {{ driftline_text() }})) as bin_key, b.n
  from ({{ driftline_current_summary('driftline__chunk_bins', "t.binning in ('doane', 'category')") }}) as b
),
chunk_columns as (
  select mo.monitor, mo.period, mo.chunk_index, mo.column_name, mo.column_type,
         p.n_valid as ref_total, mo.n_valid as chunk_total
  from moments as mo
  inner join {{ ref('driftline__reference_profile') }} as p on p.monitor = mo.monitor and p.column_name = mo.column_name
  where mo.chunk_index >= 0
),
aligned as (
  {#- every reference bin for every chunk, and every bin a chunk has; a feature has one binning
      (continuous: doane, categorical: category), so the bin key identifies the bin -#}
  {{ driftline_aligned_counts('bins', 'chunk_columns', 'bin_key') }}
),
binned_totals as (
  select monitor, period, chunk_index, column_name, sum(n) as n from bins
  where binning = 'doane' and chunk_index >= 0 group by monitor, period, chunk_index, column_name
),
pairs as (
  select c.monitor, c.period, c.chunk_index, c.column_name, c.column_type, a.bin_key, false as is_outside,
         a.ref_n, a.chunk_n, c.ref_total, c.chunk_total
  from aligned as a
  inner join chunk_columns as c
    on c.monitor = a.monitor and c.period = a.period and c.chunk_index = a.chunk_index and c.column_name = a.column_name
  union all
  select c.monitor, c.period, c.chunk_index, c.column_name, c.column_type, 'outside', true, 0,
         c.chunk_total - coalesce(t.n, 0), c.ref_total, c.chunk_total
  from chunk_columns as c
  left join binned_totals as t
    on t.monitor = c.monitor and t.period = c.period and t.chunk_index = c.chunk_index and t.column_name = c.column_name
  where c.column_type = 'continuous' and c.chunk_total - coalesce(t.n, 0) > 0
)
select monitor, period, chunk_index, column_name, column_type, bin_key, is_outside,
       cast(ref_n as bigint) as ref_n, cast(chunk_n as bigint) as chunk_n,
       cast(ref_total as bigint) as ref_total, cast(chunk_total as bigint) as chunk_total
from pairs
