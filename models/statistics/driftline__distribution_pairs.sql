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
reference_bins as (
  select monitor, column_name, binning, bin_key, sum(n) as n
  from bins where period = 'reference'
  group by monitor, column_name, binning, bin_key
),
chunk_columns as (
  select mo.monitor, mo.period, mo.chunk_index, mo.column_name, mo.column_type,
         p.n_valid as ref_total, mo.n_valid as chunk_total,
         case when mo.column_type = 'continuous' then 'doane' else 'category' end as binning
  from moments as mo
  inner join {{ ref('driftline__reference_profile') }} as p on p.monitor = mo.monitor and p.column_name = mo.column_name
  where mo.chunk_index >= 0
),
chunk_bins as (
  select * from bins where chunk_index >= 0
),
pair_keys as (
  {#- every reference bin for every chunk, and every bin a chunk has (union removes the overlap) -#}
  select c.monitor, c.period, c.chunk_index, c.column_name, c.binning, r.bin_key
  from chunk_columns as c
  inner join reference_bins as r on r.monitor = c.monitor and r.column_name = c.column_name and r.binning = c.binning
  union
  select monitor, period, chunk_index, column_name, binning, bin_key
  from chunk_bins
),
binned_totals as (
  select monitor, period, chunk_index, column_name, sum(n) as n from chunk_bins
  where binning = 'doane' group by monitor, period, chunk_index, column_name
),
pairs as (
  select c.monitor, c.period, c.chunk_index, c.column_name, c.column_type, k.bin_key, false as is_outside,
         coalesce(r.n, 0) as ref_n, coalesce(b.n, 0) as chunk_n, c.ref_total, c.chunk_total
  from pair_keys as k
  inner join chunk_columns as c
    on c.monitor = k.monitor and c.period = k.period and c.chunk_index = k.chunk_index and c.column_name = k.column_name
  left join reference_bins as r
    on r.monitor = k.monitor and r.column_name = k.column_name and r.binning = k.binning and r.bin_key = k.bin_key
  left join chunk_bins as b
    on b.monitor = k.monitor and b.period = k.period and b.chunk_index = k.chunk_index
   and b.column_name = k.column_name and b.binning = k.binning and b.bin_key = k.bin_key
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
