{{ config(materialized='table') }}
{#- The current chunks of every monitor with their signature: configuration fingerprint, a hash of the
    reference profile, and the chunk's boundaries and row count. Summary rows whose signature is not
    here are history from an earlier configuration, reference or chunk state, and are ignored.
    chunk_index -1 stands for reference rows that incomplete='drop' leaves out of every chunk. -#}
{%- set monitors = driftline_monitors() -%}

{% for m in monitors %}
select monitor, period, chunk_index, chunk_signature from (
  with profile_hash as (
    {{ driftline_reference_profile_hash(m.name) }}
  )
  select c.monitor, c.period, c.chunk_index,
         c.config_fingerprint || '/' || p.value || '/' || c.period || '/' || cast(c.chunk_index as {{ driftline_text() }})
           || '/' || cast(c.chunk_start_index as {{ driftline_text() }}) || '/' || cast(c.chunk_end_index as {{ driftline_text() }})
           || '/' || cast(c.n_rows as {{ driftline_text() }}) as chunk_signature
  from {{ ref('driftline_chunks') }} as c cross join profile_hash as p
  where c.monitor = {{ driftline_literal(m.name) }}
  union all
  select {{ driftline_literal(m.name) }}, 'reference', -1, {{ driftline_literal(m.fingerprint) }} || '/' || p.value || '/reference/-1'
  from profile_hash as p
) as signatures_{{ loop.index0 }}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('chunk_signature', driftline_text())]) }}
{% endfor %}
