{{ config(severity='warn', tags=['driftline']) }}
{#- Rows whose timestamp is NULL cannot be placed in a chunk and are left out of every result.
    One row per monitor and period that has such rows, with the count and the fix. -#}
{%- set monitors = driftline.driftline_monitors() -%}
{%- set checks = [] -%}
{%- for m in monitors if m.timestamp -%}
  {%- for period in ['reference', 'analysis'] -%}
    {%- set relation = m.reference_sql if period == 'reference' else m.analysis_sql -%}
    {%- set row_filter = m.reference_filter if period == 'reference' else m.analysis_filter -%}
    {%- do checks.append("select " ~ driftline.driftline_literal(m.name) ~ " as monitor, '" ~ period ~ "' as period, count(*) as rows_without_timestamp from "
        ~ relation ~ " where " ~ adapter.quote(m.timestamp) ~ " is null and (" ~ row_filter ~ ")") -%}
  {%- endfor -%}
{%- endfor %}
{%- if checks %}
select monitor, period, rows_without_timestamp,
       'monitor ' || monitor || ': ' || cast(rows_without_timestamp as {{ driftline.driftline_text() }}) || ' ' || period
         || ' rows have a NULL timestamp and are left out of every chunk. Fix: fill the timestamp upstream or filter those rows out.' as problem
from (
  {{ checks | join('\n  union all\n  ') }}
) as counted
where rows_without_timestamp > 0
{%- else %}
select 1 as monitor where 1 = 0
{%- endif %}
