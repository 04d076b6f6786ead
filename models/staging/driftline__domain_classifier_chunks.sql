{{ config(materialized='table') }}
-- depends_on: {{ ref('driftline__domain_classifier_specs') }}
-- depends_on: {{ ref('driftline__reference_profile') }}
{#- The current chunks of every monitor with the domain classifier, the signature their value is stored
    under, and whether it must be computed in this run (is_pending): its signature is not in the table of
    values yet (driftline__chunk_domain_classifier as the previous run left it; read without a dbt
    dependency, since that table is computed from this one). --full-refresh recomputes every chunk. -#}
{%- set dc_monitors = driftline_domain_classifier_monitors() -%}
{%- set values_relation = driftline_domain_classifier_relation(use_ref=false) -%}
{%- set previous = adapter.get_relation(database=values_relation.database, schema=values_relation.schema, identifier=values_relation.identifier) if execute else none -%}

{% if dc_monitors %}
with profile_hashes as (
  {%- for m in dc_monitors %}
  select {{ driftline_literal(m.name) }} as monitor, value from ({{ driftline_reference_profile_hash(m.name) }}) as profile_hash_{{ loop.index0 }}
  {% if not loop.last %}union all{% endif %}
  {%- endfor %}
),
chunks as (
  select c.monitor, c.period, c.chunk_index, c.chunk_start_index, c.chunk_end_index, c.n_rows, s.fit_fingerprint,
         s.fit_fingerprint || '/' || coalesce(h.value, '') || '/' || c.period || '/' || cast(c.chunk_index as {{ driftline_text() }})
           || '/' || cast(c.chunk_start_index as {{ driftline_text() }}) || '/' || cast(c.chunk_end_index as {{ driftline_text() }})
           || '/' || cast(c.n_rows as {{ driftline_text() }}) as dc_signature
  from {{ ref('driftline_chunks') }} as c
  inner join {{ ref('driftline__domain_classifier_specs') }} as s on s.monitor = c.monitor
  left join profile_hashes as h on h.monitor = c.monitor
)
select chunks.*,
  {%- if previous is not none and not flags.FULL_REFRESH %}
  not exists (select 1 from {{ previous }} as p where p.monitor = chunks.monitor and p.dc_signature = chunks.dc_signature) as is_pending
  {%- else %}
  true as is_pending
  {%- endif %}
from chunks
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('chunk_start_index', 'bigint'),
   ('chunk_end_index', 'bigint'), ('n_rows', 'bigint'), ('fit_fingerprint', driftline_text()), ('dc_signature', driftline_text()), ('is_pending', 'boolean')]) }}
{% endif %}
