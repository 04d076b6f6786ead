{% macro driftline_reference_profile_hash(monitor_name) %}
  {#- One row, one column `value`: an md5 over every feature's reference range, Doane bin count and
      non-missing count, so a change in the reference data changes everything that includes it. -#}
    select md5({{ driftline_string_agg(
        "column_name || ':' || coalesce(cast(min_value as " ~ driftline_text() ~ "), '') || ':' || coalesce(cast(max_value as " ~ driftline_text() ~ "), '')"
        ~ " || ':' || coalesce(cast(doane_bins as " ~ driftline_text() ~ "), '') || ':' || cast(n_valid as " ~ driftline_text() ~ ")", 'column_name', '|') }}) as value
    from {{ ref('driftline__reference_profile') }}
    where monitor = {{ driftline_literal(monitor_name) }}
{% endmacro %}
