{{ config(materialized='table') }}
{#- For every chunk and feature, the reference and chunk counts side by side over one set of bins:
    every reference bin (Doane bins of continuous features, categories of categorical ones), the
    bins/categories that only the chunk has (reference count 0), and for continuous features one
    'outside' bin with the chunk values beyond the reference range (NannyML's leftover bin).
    ref_total / chunk_total are the non-missing counts that turn counts into shares. -#}

with signatures as (
  select monitor, chunk_signature from {{ ref('driftline__chunk_signatures') }}
),
moments as (
  select m.* from {{ ref('driftline__chunk_moments') }} as m
  inner join signatures as s on s.monitor = m.monitor and s.chunk_signature = m.chunk_signature
),
bins as (
  select b.monitor, b.period, b.chunk_index, b.column_name, b.binning,
         coalesce(b.category, cast(b.bin_index as {{ driftline_text() }})) as bin_key, b.n
  from {{ ref('driftline__chunk_bins') }} as b
  inner join signatures as s on s.monitor = b.monitor and s.chunk_signature = b.chunk_signature
  where b.binning in ('doane', 'category')
),
reference_bins as (
  select monitor, column_name, binning, bin_key, sum(n) as n
  from bins where period = 'reference'
  group by monitor, column_name, binning, bin_key
),
reference_totals as (
  select monitor, column_name, n_valid as ref_total from {{ ref('driftline__reference_profile') }}
),
chunk_columns as (
  select monitor, period, chunk_index, column_name, column_type, n_valid as chunk_total,
         case when column_type = 'continuous' then 'doane' else 'category' end as binning
  from moments where chunk_index >= 0
),
chunk_bins as (
  select * from bins where chunk_index >= 0
),
binned_totals as (
  select monitor, period, chunk_index, column_name, sum(n) as n from chunk_bins
  where binning = 'doane' group by monitor, period, chunk_index, column_name
),
pairs as (
  select c.monitor, c.period, c.chunk_index, c.column_name, c.column_type, r.bin_key, false as is_outside,
         r.n as ref_n, coalesce(b.n, 0) as chunk_n
  from chunk_columns as c
  inner join reference_bins as r
    on r.monitor = c.monitor and r.column_name = c.column_name and r.binning = c.binning
  left join chunk_bins as b
    on b.monitor = c.monitor and b.period = c.period and b.chunk_index = c.chunk_index
   and b.column_name = c.column_name and b.binning = c.binning and b.bin_key = r.bin_key
  union all
  select c.monitor, c.period, c.chunk_index, c.column_name, c.column_type, b.bin_key, false, 0, b.n
  from chunk_columns as c
  inner join chunk_bins as b
    on b.monitor = c.monitor and b.period = c.period and b.chunk_index = c.chunk_index
   and b.column_name = c.column_name and b.binning = c.binning
  where not exists (
    select 1 from reference_bins as r
    where r.monitor = b.monitor and r.column_name = b.column_name and r.binning = b.binning and r.bin_key = b.bin_key)
  union all
  select c.monitor, c.period, c.chunk_index, c.column_name, c.column_type, 'outside', true, 0, c.chunk_total - coalesce(t.n, 0)
  from chunk_columns as c
  left join binned_totals as t
    on t.monitor = c.monitor and t.period = c.period and t.chunk_index = c.chunk_index and t.column_name = c.column_name
  where c.column_type = 'continuous' and c.chunk_total - coalesce(t.n, 0) > 0
)
select p.monitor, p.period, p.chunk_index, p.column_name, p.column_type, p.bin_key, p.is_outside,
       cast(p.ref_n as bigint) as ref_n, cast(p.chunk_n as bigint) as chunk_n,
       cast(t.ref_total as bigint) as ref_total, cast(c.chunk_total as bigint) as chunk_total
from pairs as p
inner join reference_totals as t on t.monitor = p.monitor and t.column_name = p.column_name
inner join chunk_columns as c
  on c.monitor = p.monitor and c.period = p.period and c.chunk_index = p.chunk_index and c.column_name = p.column_name
