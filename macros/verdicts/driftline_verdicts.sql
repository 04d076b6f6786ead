{#- Thresholds and alerts (algorithms.md §2), for any family of results.

    results_sql yields monitor, period, chunk_index, the series keys, method, value (and p_value when
    a method alerts on it). Per series (monitor x keys x method):
      standard_deviation: center = mean of the reference-chunk values, spread = their population std
        (NULL values ignored); lower = center - m_lo*spread, upper = center + m_up*spread;
      constant: the configured bounds.
    Then clamping to the method's limits: a bound at or beyond its limit becomes the limit
    (clamp 'limit') or no bound at all (clamp 'none'). NULL means no bound.
    Alert rules: see driftline_methods(). -#}

{% macro driftline_threshold_specs_sql(monitors, family) %}
  {%- set rows = [] -%}
  {%- for m in monitors -%}
    {%- for method, spec in driftline_methods().items() if spec.family == family -%}
      {%- set t = driftline_threshold_spec(m, method) -%}
      {%- set upper_limit = spec.upper_limit -%}
      {%- if method == 'confusion_matrix' and m.performance and m.performance.normalize_confusion_matrix -%}{%- set upper_limit = 1 -%}{%- endif -%}
      {%- do rows.append("select " ~ driftline_literal(m.name) ~ " as monitor, " ~ driftline_literal(method) ~ " as method, "
          ~ driftline_literal(t.type) ~ " as threshold_type, "
          ~ driftline_number_literal(t.get('lower')) ~ " as lower_param, " ~ driftline_number_literal(t.get('upper')) ~ " as upper_param, "
          ~ driftline_number_literal(spec.lower_limit) ~ " as lower_limit, " ~ driftline_number_literal(upper_limit) ~ " as upper_limit, "
          ~ driftline_literal(spec.clamp) ~ " as clamp, " ~ driftline_literal(spec.alert) ~ " as alert_rule") -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if rows | length == 0 -%}
    {%- do rows.append("select cast(null as " ~ driftline_text() ~ ") as monitor, cast(null as " ~ driftline_text() ~ ") as method, cast(null as " ~ driftline_text() ~ ") as threshold_type, "
        ~ "cast(null as " ~ driftline_double() ~ ") as lower_param, cast(null as " ~ driftline_double() ~ ") as upper_param, cast(null as " ~ driftline_double() ~ ") as lower_limit, "
        ~ "cast(null as " ~ driftline_double() ~ ") as upper_limit, cast(null as " ~ driftline_text() ~ ") as clamp, cast(null as " ~ driftline_text() ~ ") as alert_rule where 1 = 0") -%}
  {%- endif -%}
  {{ return(rows | join('\nunion all\n')) }}
{% endmacro %}


{% macro driftline_series_join(left, right, keys) -%}
  {{ left }}.monitor = {{ right }}.monitor and {{ left }}.method = {{ right }}.method
  {%- for k in keys %} and coalesce({{ left }}.{{ k }}, '') = coalesce({{ right }}.{{ k }}, ''){% endfor %}
{%- endmacro %}


{% macro driftline_with_verdicts(results_sql, monitors, family, keys, has_p_value=false, reference_where="period = 'reference'") %}
  {#- Adds lower_threshold, upper_threshold and alert to every row of results_sql. The thresholds are
      learned from the rows matching reference_where (performance: the realized metric on the
      reference chunks, applied to estimated and realized rows alike). -#}
  with results as (
    {{ results_sql }}
  ),
  threshold_specs as (
    {{ driftline_threshold_specs_sql(monitors, family) }}
  ),
  reference_stats as (
    select monitor, method{% for k in keys %}, {{ k }}{% endfor %},
           avg(value) as center, stddev_pop(value) as spread
    from results
    where {{ reference_where }}
    group by monitor, method{% for k in keys %}, {{ k }}{% endfor %}
  ),
  raw_thresholds as (
    select r.*, s.lower_limit, s.upper_limit, s.clamp, s.alert_rule,
      case s.threshold_type
        when 'standard_deviation' then st.center - s.lower_param * st.spread
        when 'constant' then s.lower_param
      end as lower_raw,
      case s.threshold_type
        when 'standard_deviation' then st.center + s.upper_param * st.spread
        when 'constant' then s.upper_param
      end as upper_raw
    from results as r
    inner join threshold_specs as s on s.monitor = r.monitor and s.method = r.method
    left join reference_stats as st on {{ driftline_series_join('st', 'r', keys) }}
  ),
  thresholds as (
    select raw_thresholds.*,
      case
        when lower_raw is null then null
        when lower_limit is not null and lower_raw <= lower_limit then case when clamp = 'limit' then lower_limit end
        else lower_raw
      end as lower_threshold,
      case
        when upper_raw is null then null
        when upper_limit is not null and upper_raw >= upper_limit then case when clamp = 'limit' then upper_limit end
        else upper_raw
      end as upper_threshold
    from raw_thresholds
  )
  select thresholds.*,
    case alert_rule
      when 'outside' then coalesce(value < lower_threshold, false) or coalesce(value > upper_threshold, false)
      when 'not_inside' then case when value is null then true
                                  else not (coalesce(value > lower_threshold, true) and coalesce(value < upper_threshold, true)) end
      {%- if has_p_value %}
      when 'p_value' then coalesce(p_value < 0.05, false)
      {%- endif %}
    end as alert
  from thresholds
{% endmacro %}
