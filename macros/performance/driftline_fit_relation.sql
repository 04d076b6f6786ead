{#- Where the CBPE fitted state lives. Adapters with dbt Python models build it in this run
    (python_models/driftline__cbpe_fit.py); on the others `driftline fit` writes the same table into the
    package's schema. A build that needs it and cannot find it, or finds a fit made for another
    configuration or reference, fails with the command to run. -#}

{% macro driftline_python_adapters() %}{{ return(['duckdb']) }}{% endmacro %}


{% macro driftline_cbpe_fit_relation() %}
  {%- if target.type in driftline_python_adapters() -%}
    {{ return(ref('driftline__cbpe_fit')) }}
  {%- else -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier='driftline__cbpe_fit')) }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_check_cbpe_fit(monitors, fit_relation) %}
  {%- if not execute or target.type in driftline_python_adapters() -%}{{ return('') }}{%- endif -%}
  {%- set command = "driftline fit --project-dir <your dbt project> --profiles-dir <your profiles dir> --target " ~ target.name -%}
  {%- if adapter.get_relation(database=fit_relation.database, schema=fit_relation.schema, identifier=fit_relation.identifier) is none -%}
    {{ exceptions.raise_compiler_error("driftline: monitor '" ~ monitors[0].name ~ "' estimates performance (CBPE), but the fitted state "
        ~ fit_relation ~ " does not exist. dbt has no Python models on " ~ target.type ~ ". Fix: run `" ~ command ~ "` once per reference change, then `dbt build`.") }}
  {%- endif -%}
  {%- set stale = run_query("select s.monitor from " ~ ref('driftline__performance_specs') ~ " as s where s.problem_type <> 'regression' and not exists (select 1 from "
      ~ fit_relation ~ " as f where f.monitor = s.monitor and f.fit_fingerprint = s.fit_fingerprint)") -%}
  {%- if stale.rows | length > 0 -%}
    {{ exceptions.raise_compiler_error("driftline: monitor '" ~ stale.rows[0][0] ~ "': the CBPE fitted state in " ~ fit_relation
        ~ " was made for another configuration or reference. Fix: run `" ~ command ~ "`, then `dbt build`.") }}
  {%- endif -%}
{% endmacro %}


{% macro driftline_check_fit(monitors, fit_relation, specs_relation, what, chunks_relation=none) %}
  {#- The same check for any fitted state: it exists (engines without dbt Python models need
      `driftline fit`) and was fitted for the current configuration and reference of every monitor.
      With chunks_relation (per-chunk values, e.g. the domain classifier): instead, every chunk listed
      there has a value stored under its dc_signature; such values need `driftline fit` before every build. -#}
  {%- if not execute or target.type in driftline_python_adapters() -%}{{ return('') }}{%- endif -%}
  {%- set command = "driftline fit --project-dir <your dbt project> --profiles-dir <your profiles dir> --target " ~ target.name -%}
  {%- set when = "before every `dbt build` (each new chunk needs it)" if chunks_relation is not none else "once per reference change" -%}
  {%- if adapter.get_relation(database=fit_relation.database, schema=fit_relation.schema, identifier=fit_relation.identifier) is none -%}
    {{ exceptions.raise_compiler_error("driftline: monitor '" ~ monitors[0].name ~ "' computes " ~ what ~ ", but the fitted state "
        ~ fit_relation ~ " does not exist. dbt has no Python models on " ~ target.type ~ ". Fix: run `" ~ command ~ "` " ~ when ~ ", then `dbt build`.") }}
  {%- endif -%}
  {%- if chunks_relation is not none -%}
    {%- set missing = run_query("select c.monitor, c.period, c.chunk_index from " ~ chunks_relation ~ " as c where not exists (select 1 from "
        ~ fit_relation ~ " as f where f.monitor = c.monitor and f.dc_signature = c.dc_signature) order by c.monitor, c.period desc, c.chunk_index") -%}
    {%- if missing.rows | length > 0 -%}
      {%- set first = missing.rows[0] -%}
      {{ exceptions.raise_compiler_error("driftline: monitor '" ~ first[0] ~ "': " ~ what ~ " has no value for " ~ (missing.rows | length)
          ~ " chunk(s) (first: " ~ first[1] ~ " chunk " ~ first[2] ~ ") in " ~ fit_relation ~ "; new chunks, or a changed configuration or reference, need it computed. "
          ~ "dbt has no Python models on " ~ target.type ~ ". Fix: run `" ~ command ~ "` " ~ when ~ ", then `dbt build`.") }}
    {%- endif -%}
    {{ return('') }}
  {%- endif -%}
  {%- set stale = run_query("select s.monitor from " ~ specs_relation ~ " as s where not exists (select 1 from "
      ~ fit_relation ~ " as f where f.monitor = s.monitor and f.fit_fingerprint = s.fit_fingerprint)") -%}
  {%- if stale.rows | length > 0 -%}
    {{ exceptions.raise_compiler_error("driftline: monitor '" ~ stale.rows[0][0] ~ "': the fitted state for " ~ what ~ " in " ~ fit_relation
        ~ " was made for another configuration or reference. Fix: run `" ~ command ~ "`, then `dbt build`.") }}
  {%- endif -%}
{% endmacro %}
