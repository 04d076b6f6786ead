{{ config(materialized='table') }}
{#- The chunk catalogue: one row per monitor x period x chunk (algorithms.md §1). -#}
{%- set monitors = driftline_monitors() -%}
{%- if execute -%}{%- for m in monitors -%}{%- do driftline_validate_columns(m) -%}{%- do driftline_validate_targets(m) -%}{%- endfor -%}{%- endif -%}

{% for m in monitors %}
{%- set period_chunks = m.chunking.kind == 'period' -%}
select
  {{ driftline_literal(m.name) }} as monitor,
  {{ driftline_literal(m.fingerprint) }} as config_fingerprint,
  period,
  cast(chunk_index as integer) as chunk_index,
  {% if period_chunks -%}
  {{ driftline_period_key('min(row_ts)', m.chunking.value) }}
  {%- else -%}
  '[' || cast(min(row_pos) as {{ driftline_text() }}) || ':' || cast(max(row_pos) as {{ driftline_text() }}) || ']'
  {%- endif %} as chunk_key,
  cast(min(row_pos) as bigint) as chunk_start_index,
  cast(max(row_pos) as bigint) as chunk_end_index,
  {% if period_chunks -%}
  {{ driftline_period_start('min(row_ts)', m.chunking.value) }} as chunk_start_date,
  {{ driftline_period_end('min(row_ts)', m.chunking.value) }} as chunk_end_date,
  {%- else -%}
  min(row_ts) as chunk_start_date,
  max(row_ts) as chunk_end_date,
  {%- endif %}
  cast(count(*) as bigint) as n_rows
from ({{ driftline_chunked_rows(m, with_features=false) }}) as chunked
where chunk_index >= 0
group by period, chunk_index
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('config_fingerprint', driftline_text()), ('period', driftline_text()),
   ('chunk_index', 'integer'), ('chunk_key', driftline_text()), ('chunk_start_index', 'bigint'), ('chunk_end_index', 'bigint'),
   ('chunk_start_date', 'timestamp'), ('chunk_end_date', 'timestamp'), ('n_rows', 'bigint')]) }}
{% endfor %}
