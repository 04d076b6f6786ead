{{ config(materialized='table') }}
{#- What is learned from the reference period, per monitor and feature, in two passes over the reference rows:
    counts, range, moments, median and the Gaussian-KDE density at the median (for the median's sampling
    error), and the bin edges used to compare distributions:
      * Doane's rule (numpy's histogram_bin_edges(bins='doane')) for Jensen-Shannon and Hellinger:
        g1 = mean(((x - mean)/std0)^3), s_g1 = sqrt(6(N-2)/((N+1)(N+3))),
        k = ceil(range / (range / (1 + log2 N + log2(1 + |g1|/s_g1)))), 1 bin if N <= 2 or std0 = 0;
      * n_bins equal-width bins (default 10,000) for the estimated Kolmogorov-Smirnov and Wasserstein.
    Edges run from min to max (min-0.5 to max+0.5 for a constant column). -#}
{%- set monitors = driftline_monitors() -%}

{% for m in monitors %}
{%- set cont = m.continuous -%}
{%- set cat = m.categorical -%}
{%- set mname = driftline_literal(m.name) -%}
select * from (
  with reference_rows as (
    {{ driftline_period_rows(m, 'reference') }}
  ),
  first_pass as (
    select
      count(*) as n_rows
      {%- for c in cont %}
      {%- set a = 'c' ~ loop.index0 %},
      count({{ a }}) as {{ a }}_n, min({{ a }}) as {{ a }}_min, max({{ a }}) as {{ a }}_max, avg({{ a }}) as {{ a }}_mean,
      stddev_pop({{ a }}) as {{ a }}_std0, stddev_samp({{ a }}) as {{ a }}_std1, {{ driftline_median(a) }} as {{ a }}_median
      {%- endfor %}
      {%- for c in cat %}
      {%- set a = 'k' ~ loop.index0 %},
      count({{ a }}) as {{ a }}_n
      {%- endfor %}
    from reference_rows
  ),
  second_pass as (
    select
      count(*) as n_rows_again
      {%- for c in cont %}
      {%- set a = 'c' ~ loop.index0 %},
      avg(power(({{ a }} - f.{{ a }}_mean) / nullif(f.{{ a }}_std0, 0), 3)) as {{ a }}_g1,
      avg(power({{ a }} - f.{{ a }}_mean, 4)) as {{ a }}_m4,
      avg(case when {{ a }} is not null then exp(greatest(-0.5 * power((f.{{ a }}_median - {{ a }}) / nullif(f.{{ a }}_std1 * power(cast(nullif(f.{{ a }}_n, 0) as {{ driftline_double() }}), -0.2), 0), 2), -700.0)) end) as {{ a }}_kde_mean
      {%- endfor %}
    from reference_rows cross join first_pass as f
  )
  {%- set selects = [] %}
  {%- for c in cont %}
  {%- set a = 'c' ~ loop.index0 %}
  {%- set sql %}
  select
    {{ mname }} as monitor, {{ driftline_literal(c) }} as column_name, 'continuous' as column_type, '{{ a }}' as column_alias,
    f.n_rows, f.n_rows - f.{{ a }}_n as n_missing, f.{{ a }}_n as n_valid,
    f.{{ a }}_min as min_value, f.{{ a }}_max as max_value, f.{{ a }}_mean as mean_value,
    f.{{ a }}_std0 as std_pop, f.{{ a }}_std1 as std_samp, f.{{ a }}_median as median_value,
    s.{{ a }}_g1 as skewness, s.{{ a }}_m4 as central_moment_4,
    s.{{ a }}_kde_mean / nullif(f.{{ a }}_std1 * power(cast(nullif(f.{{ a }}_n, 0) as {{ driftline_double() }}), -0.2) * sqrt(2 * pi()), 0) as density_at_median,
    case when f.{{ a }}_min = f.{{ a }}_max then f.{{ a }}_min - 0.5 else f.{{ a }}_min end as bin_low,
    case when f.{{ a }}_min = f.{{ a }}_max then f.{{ a }}_max + 0.5 else f.{{ a }}_max end as bin_high,
    cast(case
      when f.{{ a }}_n > 2 and f.{{ a }}_std0 > 0 then ceil(
        (f.{{ a }}_max - f.{{ a }}_min) / ((f.{{ a }}_max - f.{{ a }}_min) / (1.0
          + {{ driftline_log2('cast(f.' ~ a ~ '_n as ' ~ driftline_double() ~ ')') }}
          + {{ driftline_log2('1.0 + abs(s.' ~ a ~ '_g1) / sqrt(6.0 * (f.' ~ a ~ '_n - 2) / ((f.' ~ a ~ '_n + 1.0) * (f.' ~ a ~ '_n + 3)))') }})))
      else 1 end as integer) as doane_bins,
    cast({{ m.univariate.n_bins }} as integer) as fine_bins,
    {%- if m.univariate.calculation_method == 'auto' %}
    f.{{ a }}_n >= 10000 as use_fine_bins
    {%- else %}
    {{ 'true' if m.univariate.calculation_method == 'estimated' else 'false' }} as use_fine_bins
    {%- endif %}
  from first_pass as f cross join second_pass as s
  {%- endset %}
  {%- do selects.append(sql) %}
  {%- endfor %}
  {%- for c in cat %}
  {%- set a = 'k' ~ loop.index0 %}
  {%- set sql %}
  select
    {{ mname }}, {{ driftline_literal(c) }}, 'categorical', '{{ a }}',
    f.n_rows, f.n_rows - f.{{ a }}_n, f.{{ a }}_n,
    cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}), cast(null as {{ driftline_double() }}),
    cast(null as integer), cast(null as integer), cast(null as boolean)
  from first_pass as f
  {%- endset %}
  {%- do selects.append(sql) %}
  {%- endfor %}
  {{ selects | join('\n  union all\n') }}

) as profile_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('column_name', driftline_text()), ('column_type', driftline_text()), ('column_alias', driftline_text()),
   ('n_rows', 'bigint'), ('n_missing', 'bigint'), ('n_valid', 'bigint'), ('min_value', driftline_double()), ('max_value', driftline_double()),
   ('mean_value', driftline_double()), ('std_pop', driftline_double()), ('std_samp', driftline_double()), ('median_value', driftline_double()),
   ('skewness', driftline_double()), ('central_moment_4', driftline_double()), ('density_at_median', driftline_double()),
   ('bin_low', driftline_double()), ('bin_high', driftline_double()), ('doane_bins', 'integer'), ('fine_bins', 'integer'), ('use_fine_bins', 'boolean')]) }}
{% endfor %}
