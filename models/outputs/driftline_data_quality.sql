{{ config(materialized='table') }}
{#- Data quality per chunk and feature (algorithms.md §9), as rates over all rows of the chunk:
      missing  NULL, NaN or +-inf values / rows; sampling_error = sqrt(p(1-p)/n), p = the reference missing rate
      unseen   categorical values absent from the reference / rows (a NULL counts as unseen when the
               reference had no NULLs, as pandas' isin does); unseen_values lists the most frequent few
      range    continuous values outside the reference [min, max] / rows
    `count` is the raw number beside the rate. -#}
{%- set monitors = driftline_monitors() -%}

{%- set results_sql -%}
  with moments as (
    {{ driftline_current_summary('driftline__chunk_moments', 't.chunk_index >= 0') }}
  ),
  profile as (
    select monitor, column_name, cast(n_missing as {{ driftline_double() }}) / nullif(n_rows, 0) as missing_rate
    from {{ ref('driftline__reference_profile') }}
  ),
  unseen_categories as (
    select monitor, period, chunk_index, column_name, bin_key, chunk_n,
           row_number() over (partition by monitor, period, chunk_index, column_name order by chunk_n desc, bin_key) as popularity
    from {{ ref('driftline__distribution_pairs') }}
    where column_type = 'categorical' and ref_n = 0 and not is_outside
  ),
  unseen_counts as (
    select monitor, period, chunk_index, column_name, sum(chunk_n) as n_unseen,
           {{ driftline_string_agg("case when popularity <= 5 then bin_key || ' (' || cast(chunk_n as " ~ driftline_text() ~ ") || ')' end", 'popularity') }} as unseen_values
    from unseen_categories
    group by monitor, period, chunk_index, column_name
  ),
  checks as (
    select mo.monitor, mo.period, mo.chunk_index, mo.column_name, 'missing' as method, mo.n_rows,
           mo.n_missing as check_count,
           sqrt(p.missing_rate * (1 - p.missing_rate) / mo.n_rows) as sampling_error,
           cast(null as {{ driftline_text() }}) as unseen_values
    from moments as mo inner join profile as p on p.monitor = mo.monitor and p.column_name = mo.column_name
    union all
    select mo.monitor, mo.period, mo.chunk_index, mo.column_name, 'unseen', mo.n_rows,
           coalesce(u.n_unseen, 0) + case when p.missing_rate = 0 then mo.n_missing else 0 end,
           null,
           u.unseen_values
    from moments as mo
    inner join profile as p on p.monitor = mo.monitor and p.column_name = mo.column_name
    left join unseen_counts as u
      on u.monitor = mo.monitor and u.period = mo.period and u.chunk_index = mo.chunk_index and u.column_name = mo.column_name
    where mo.column_type = 'categorical'
    union all
    select mo.monitor, mo.period, mo.chunk_index, mo.column_name, 'range', mo.n_rows,
           mo.n_below_range + mo.n_above_range, null, null
    from moments as mo
    where mo.column_type = 'continuous'
  )
  select monitor, period, chunk_index, column_name, method, cast(check_count as bigint) as check_count,
         cast(check_count as {{ driftline_double() }}) / n_rows as value,
         sampling_error, unseen_values
  from checks
{%- endset %}

select
  c.monitor, c.config_fingerprint, c.period, c.chunk_index, c.chunk_key, c.chunk_start_index, c.chunk_end_index,
  c.chunk_start_date, c.chunk_end_date, c.n_rows,
  v.column_name, v.method as check_name,
  v.value, v.check_count as {{ adapter.quote('count') }},
  v.sampling_error,
  case when v.sampling_error is not null then greatest(v.value - 3 * v.sampling_error, 0) end as lower_confidence,
  case when v.sampling_error is not null then least(v.value + 3 * v.sampling_error, 1) end as upper_confidence,
  v.lower_threshold, v.upper_threshold, v.alert, v.unseen_values
from ({{ driftline_with_verdicts(results_sql, monitors, 'data_quality', ['column_name']) }}) as v
inner join {{ ref('driftline_chunks') }} as c
  on c.monitor = v.monitor and c.period = v.period and c.chunk_index = v.chunk_index
{%- set dq_monitors = [] -%}
{%- for m in monitors if not m.data_quality -%}{%- do dq_monitors.append(driftline_literal(m.name)) -%}{%- endfor %}
{%- if dq_monitors %}
where c.monitor not in ({{ dq_monitors | join(', ') }})
{%- endif %}
