{{ config(**driftline_chunk_summary_config()) }}
-- depends_on: {{ ref('driftline__multivariate_specs') }}
-- depends_on: {{ ref('driftline__chunk_signatures') }}
-- depends_on: {{ ref('driftline_chunks') }}
-- depends_on: {{ ref('driftline__reference_profile') }}
{#- Per chunk: the mean and sample std of the rows' PCA reconstruction errors and their count.
    Incremental by chunk signature and fit fingerprint. -#}
{%- set monitors = driftline_monitors() -%}
{%- set mv_monitors = [] -%}
{%- for m in monitors if m.multivariate and 'pca_reconstruction' in m.multivariate.methods -%}{%- do mv_monitors.append(m) -%}{%- endfor -%}
{%- if mv_monitors -%}
  {%- set fit_relation = driftline_pca_fit_relation() -%}
  {%- do driftline_check_fit(mv_monitors, fit_relation, ref('driftline__multivariate_specs'), 'multivariate drift (PCA reconstruction)') -%}
  {%- if target.type in driftline_python_adapters() %}
  -- depends_on: {{ ref('driftline__pca_fit') }}
  {%- endif %}
{%- endif %}

{% for m in mv_monitors %}
{%- set state = driftline_pca_state(m, fit_relation) -%}
{%- set name = driftline_literal(m.name) -%}
{%- if state.fingerprint is none %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('n', 'bigint'),
   ('mean_error', driftline_double()), ('std_error', driftline_double()), ('chunk_signature', driftline_text()), ('fit_fingerprint', driftline_text()),
   ('reconstruction_signature', driftline_text()), ('summarised_at', 'timestamp')]) }}
{%- else %}
select * from (
  with signatures as (
    select period, chunk_index, chunk_signature,
           chunk_signature || '/' || {{ driftline_literal(state.fingerprint) }} as reconstruction_signature
    from {{ ref('driftline__chunk_signatures') }}
    where monitor = {{ name }} and chunk_index >= 0
    {%- if is_incremental() %}
      and chunk_signature || '/' || {{ driftline_literal(state.fingerprint) }} not in (
        select reconstruction_signature from {{ this }} where monitor = {{ name }})
    {%- endif %}
  ),
  rows_to_score as (
    select r.* from ({{ driftline_chunked_rows(m) }}) as r
    inner join signatures as s on s.period = r.period and s.chunk_index = r.chunk_index
  ),
  errors as (
    {{ driftline_reconstruction_errors_sql(m, state, 'select * from rows_to_score') }}
  )
  select {{ name }} as monitor, e.period, cast(e.chunk_index as integer) as chunk_index, count(*) as n,
         avg(e.reconstruction_error) as mean_error, stddev_samp(e.reconstruction_error) as std_error,
         max(s.chunk_signature) as chunk_signature, {{ driftline_literal(state.fingerprint) }} as fit_fingerprint,
         max(s.reconstruction_signature) as reconstruction_signature, {{ driftline_now() }} as summarised_at
  from errors as e
  inner join signatures as s on s.period = e.period and s.chunk_index = e.chunk_index
  group by e.period, e.chunk_index
) as reconstruction_{{ loop.index0 }}
{%- endif %}
{% if not loop.last %}union all{% endif %}
{% else %}
{{ driftline_empty_select([('monitor', driftline_text()), ('period', driftline_text()), ('chunk_index', 'integer'), ('n', 'bigint'),
   ('mean_error', driftline_double()), ('std_error', driftline_double()), ('chunk_signature', driftline_text()), ('fit_fingerprint', driftline_text()),
   ('reconstruction_signature', driftline_text()), ('summarised_at', 'timestamp')]) }}
{% endfor %}
