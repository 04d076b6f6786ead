{{ config(materialized='table') }}
{#- Univariate drift of every monitored feature per chunk against the whole reference (algorithms.md §7),
    with thresholds and alerts. Distances come from the chunk summaries:
      jensen_shannon  sqrt((sum p ln(p/m) + sum q ln(q/m)) / (2 ln 2)), m = (p+q)/2, over reference bins,
                      chunk-only bins and the out-of-range bin (scipy's jensenshannon, base 2)
      hellinger       sqrt(sum (sqrt p - sqrt q)^2) / sqrt 2
      l_infinity      max |p - q| over the union of categories
      chi2            Pearson's statistic of the 2 x K contingency table (reference vs chunk counts),
                      Yates-corrected when K = 2; p_value from the chi-square distribution, K-1 dof
      kolmogorov_smirnov (exact, reference < 10,000 values)  max_t |F_ref(t) - F_chunk(t)| over all values
      wasserstein (exact)  the integral of |F_ref - F_chunk|
      kolmogorov_smirnov (estimated)  max_k |F_ref(e_k) - F_chunk(e_k)| over the n_bins equal-width edges,
                      F_chunk counting chunk values below the reference minimum
      wasserstein (estimated)  sum_k |F_ref - F_chunk| * bin width over the reference range, plus the
                      mean distance of chunk values beyond it; NannyML's in-range chunk CDF starts at
                      (s+1)/n when s > 0 values lie below the reference minimum, kept here for parity. -#}
{%- set monitors = driftline_monitors() -%}
{%- set method_rows = [] -%}
{%- for m in monitors -%}
  {%- for method in m.univariate.continuous_methods -%}{%- do method_rows.append("select " ~ driftline_literal(m.name) ~ " as monitor, 'continuous' as column_type, " ~ driftline_literal(method) ~ " as method") -%}{%- endfor -%}
  {%- for method in m.univariate.categorical_methods -%}{%- do method_rows.append("select " ~ driftline_literal(m.name) ~ ", 'categorical', " ~ driftline_literal(method)) -%}{%- endfor -%}
{%- endfor -%}
{%- if method_rows | length == 0 -%}
  {%- do method_rows.append("select cast(null as " ~ driftline_text() ~ ") as monitor, cast(null as " ~ driftline_text() ~ ") as column_type, cast(null as " ~ driftline_text() ~ ") as method where 1 = 0") -%}
{%- endif -%}

{%- set results_sql -%}
  with configured_methods as (
    {{ method_rows | join('\n    union all\n    ') }}
  ),
  pairs as (
    select monitor, period, chunk_index, column_name, column_type, is_outside, ref_n, chunk_n, ref_total, chunk_total,
           cast(ref_n as {{ driftline_double() }}) / nullif(ref_total, 0) as p,
           cast(chunk_n as {{ driftline_double() }}) / nullif(chunk_total, 0) as q
    from {{ ref('driftline__distribution_pairs') }}
  ),
  distance_stats as (
    select monitor, period, chunk_index, column_name, column_type,
      case when max(chunk_total) > 0 and max(ref_total) > 0 then
        sqrt(greatest(sum(case when p > 0 then p * ln(2 * p / (p + q)) else 0 end
                        + case when q > 0 then q * ln(2 * q / (p + q)) else 0 end), 0) / (2 * ln(2.0)))
      end as jensen_shannon,
      case when max(chunk_total) > 0 and max(ref_total) > 0 then
        sqrt(sum(power(sqrt(p) - sqrt(q), 2))) / sqrt(2.0)
      end as hellinger,
      case when max(chunk_total) > 0 and max(ref_total) > 0 then max(abs(p - q)) end as l_infinity
    from pairs
    group by monitor, period, chunk_index, column_name, column_type
  ),
  chi2_cells as (
    select monitor, period, chunk_index, column_name, ref_n, chunk_n,
           count(*) over (partition by monitor, period, chunk_index, column_name) - 1 as dof,
           cast(ref_n + chunk_n as {{ driftline_double() }}) * ref_total / (ref_total + chunk_total) as ref_expected,
           cast(ref_n + chunk_n as {{ driftline_double() }}) * chunk_total / (ref_total + chunk_total) as chunk_expected,
           ref_total, chunk_total
    from pairs
    where column_type = 'categorical' and ref_n + chunk_n > 0
  ),
  chi2_corrected as (
    {#- Yates: with one degree of freedom each observed count moves by up to 0.5 toward its expected count. -#}
    select chi2_cells.*,
      case when dof = 1 then ref_n + sign(ref_expected - ref_n) * least(0.5, abs(ref_expected - ref_n)) else ref_n end as ref_observed,
      case when dof = 1 then chunk_n + sign(chunk_expected - chunk_n) * least(0.5, abs(chunk_expected - chunk_n)) else chunk_n end as chunk_observed
    from chi2_cells
  ),
  chi2_stats as (
    select monitor, period, chunk_index, column_name, max(dof) as dof,
      case when max(chunk_total) > 0 and max(ref_total) > 0 then
        case when max(dof) = 0 then 0.0
             else sum(power(ref_observed - ref_expected, 2) / nullif(ref_expected, 0) + power(chunk_observed - chunk_expected, 2) / nullif(chunk_expected, 0)) end
      end as statistic
    from chi2_corrected
    group by monitor, period, chunk_index, column_name
  ),
  chi2_tested as (
    {{ driftline_chi2_p_values('select * from chi2_stats') }}
  ),
  chi2_ordered as (
    {#- An empty chunk has no p-value; NannyML keeps the previous chunk's, so its alert repeats. -#}
    select chi2_tested.*,
      max(case when p_value is not null then chunk_index end) over (
        partition by monitor, period, column_name order by chunk_index rows between unbounded preceding and current row) as p_value_chunk
    from chi2_tested
  ),
  chi2_results as (
    select o.monitor, o.period, o.chunk_index, o.column_name, o.statistic, coalesce(o.p_value, src.p_value) as p_value
    from chi2_ordered as o
    left join chi2_tested as src
      on src.monitor = o.monitor and src.period = o.period and src.column_name = o.column_name and src.chunk_index = o.p_value_chunk
  ),
  moments as (
    {{ driftline_current_summary('driftline__chunk_moments', "t.column_type = 'continuous' and t.chunk_index >= 0") }}
  ),
  fine_bins as (
    select monitor, period, chunk_index, column_name, bin_index, n
    from ({{ driftline_current_summary('driftline__chunk_bins', "t.binning = 'fine'") }}) as b
  ),
  fine_pairs as (
    {{ driftline_aligned_counts('fine_bins', 'moments', 'bin_index') }}
  ),
  fine_cdfs as (
    select fp.monitor, fp.period, fp.chunk_index, fp.column_name, fp.bin_index,
      cast(sum(fp.ref_n) over cumulative as {{ driftline_double() }}) / pr.n_valid as ref_cdf,
      cast(sum(fp.chunk_n) over cumulative as {{ driftline_double() }}) as chunk_cumulative,
      coalesce(lead(fp.bin_index) over (partition by fp.monitor, fp.period, fp.chunk_index, fp.column_name order by fp.bin_index), pr.fine_bins)
        - fp.bin_index as bins_until_next,
      (pr.bin_high - pr.bin_low) / pr.fine_bins as bin_width
    from fine_pairs as fp
    inner join {{ ref('driftline__reference_profile') }} as pr on pr.monitor = fp.monitor and pr.column_name = fp.column_name
    window cumulative as (partition by fp.monitor, fp.period, fp.chunk_index, fp.column_name order by fp.bin_index
                          rows between unbounded preceding and current row)
  ),
  estimated_distances as (
    select c.monitor, c.period, c.chunk_index, c.column_name,
      case when max(mo.n_valid) > 0 then
        max(abs(c.ref_cdf - (mo.n_below_range + c.chunk_cumulative) / mo.n_valid))
      end as kolmogorov_smirnov,
      case when max(mo.n_valid) > 0 then
        sum(abs(c.ref_cdf - ((case when mo.n_below_range > 0 then mo.n_below_range + 1 else 0 end) + c.chunk_cumulative) / mo.n_valid)
            * c.bins_until_next * c.bin_width)
        + max((mo.below_range_gap + mo.above_range_gap) / mo.n_valid)
      end as wasserstein
    from fine_cdfs as c
    inner join moments as mo
      on mo.monitor = c.monitor and mo.period = c.period and mo.chunk_index = c.chunk_index and mo.column_name = c.column_name
    group by c.monitor, c.period, c.chunk_index, c.column_name
  ),
  value_bins as (
    select monitor, period, chunk_index, column_name, bin_value, n
    from ({{ driftline_current_summary('driftline__chunk_bins', "t.binning = 'value'") }}) as b
  ),
  value_pairs as (
    {{ driftline_aligned_counts('value_bins', 'moments', 'bin_value') }}
  ),
  value_cdfs as (
    {#- Both empirical CDFs at every distinct value of the reference and the chunk. -#}
    select vp.monitor, vp.period, vp.chunk_index, vp.column_name, vp.bin_value,
      cast(sum(vp.ref_n) over cumulative as {{ driftline_double() }}) / pr.n_valid as ref_cdf,
      cast(sum(vp.chunk_n) over cumulative as {{ driftline_double() }}) / nullif(mo.n_valid, 0) as chunk_cdf,
      coalesce(lead(vp.bin_value) over (partition by vp.monitor, vp.period, vp.chunk_index, vp.column_name order by vp.bin_value), vp.bin_value)
        - vp.bin_value as width_to_next
    from value_pairs as vp
    inner join {{ ref('driftline__reference_profile') }} as pr on pr.monitor = vp.monitor and pr.column_name = vp.column_name
    inner join moments as mo
      on mo.monitor = vp.monitor and mo.period = vp.period and mo.chunk_index = vp.chunk_index and mo.column_name = vp.column_name
    window cumulative as (partition by vp.monitor, vp.period, vp.chunk_index, vp.column_name order by vp.bin_value
                          rows between unbounded preceding and current row)
  ),
  exact_distances as (
    {#- scipy's ks_2samp statistic and wasserstein_distance (the integral of |F_ref - F_chunk|). -#}
    select monitor, period, chunk_index, column_name,
           max(abs(ref_cdf - chunk_cdf)) as kolmogorov_smirnov,
           sum(abs(ref_cdf - chunk_cdf) * width_to_next) as wasserstein
    from value_cdfs
    group by monitor, period, chunk_index, column_name
  ),
  all_values as (
    select monitor, period, chunk_index, column_name, column_type, 'jensen_shannon' as method, jensen_shannon as value, cast(null as {{ driftline_double() }}) as p_value from distance_stats
    union all
    select monitor, period, chunk_index, column_name, column_type, 'hellinger', hellinger, null from distance_stats
    union all
    select monitor, period, chunk_index, column_name, column_type, 'l_infinity', l_infinity, null from distance_stats where column_type = 'categorical'
    union all
    select monitor, period, chunk_index, column_name, 'categorical', 'chi2', statistic, p_value from chi2_results
    union all
    select monitor, period, chunk_index, column_name, 'continuous', 'kolmogorov_smirnov', kolmogorov_smirnov, null from estimated_distances
    union all
    select monitor, period, chunk_index, column_name, 'continuous', 'wasserstein', wasserstein, null from estimated_distances
    union all
    select monitor, period, chunk_index, column_name, 'continuous', 'kolmogorov_smirnov', kolmogorov_smirnov, null from exact_distances
    union all
    select monitor, period, chunk_index, column_name, 'continuous', 'wasserstein', wasserstein, null from exact_distances
  )
  select v.monitor, v.period, v.chunk_index, v.column_name, v.column_type, v.method, v.value, v.p_value
  from all_values as v
  inner join configured_methods as cm on cm.monitor = v.monitor and cm.column_type = v.column_type and cm.method = v.method
{%- endset %}

select
  c.monitor, c.config_fingerprint, c.period, c.chunk_index, c.chunk_key, c.chunk_start_index, c.chunk_end_index,
  c.chunk_start_date, c.chunk_end_date, c.n_rows,
  v.column_name, v.column_type, v.method,
  v.value, v.p_value, v.lower_threshold, v.upper_threshold, v.alert
from ({{ driftline_with_verdicts(results_sql, monitors, 'univariate_drift', ['column_name'], has_p_value=true) }}) as v
inner join {{ ref('driftline_chunks') }} as c
  on c.monitor = v.monitor and c.period = v.period and c.chunk_index = v.chunk_index
