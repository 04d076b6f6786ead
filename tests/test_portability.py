"""Portability: the SQL driftline compiles is valid in each engine's dialect, and engine-specific functions
appear only where adapter.dispatch puts them (docs/portability.md).

The rules (tests/support/portability.py; the function lists: tests/fixtures/engine_functions.json):
  1. Parse. For each supported engine whose dbt adapter is installed, tests/project is built once with monitors
     of every family and then `dbt compile`d (the compile reads upstream tables and fitted state, so it needs
     the build). Every compiled SQL file - the package's models, its data tests, and its model hooks (compiled
     as analyses) - must parse with sqlglot in that engine's dialect (ErrorLevel.RAISE). A failure names the node
     and shows the SQL at sqlglot's line/col.
  2. Calls in compiled SQL. A call is a bare word followed by "(" in sqlglot's token stream (keywords, aliases'
     and CTEs' column lists excluded). In SQL compiled for engine e, every call must be portable (same meaning
     on every engine) or listed as valid on e. Anything else fails with the node, the function and the SQL:
     a function valid elsewhere leaked into e's SQL, or an unlisted function nobody has checked on every engine.
  3. Sources. In the Jinja of macros/**/*.sql and models/**/*.sql (SQL text and SQL inside Jinja strings), a
     call of an engine-specific function f is allowed only in <e>__name with e an engine where f is valid, or in
     default__name when every supported engine where f is not valid has its own <engine>__name. Plain macros
     and models may call portable functions only. Rule 2 sees what dispatch produced; rule 3 says where it came
     from, which matters because the engine a function is valid on would not notice it outside a dispatch.

Spark: rule 3 always covers it (the engine list is in the fixture). Rules 1 and 2 check the SQL the Spark
lane's parity build compiled (tests/test_spark.py; building this module's monitors on Spark as well would add
a quarter of an hour); the injected-violation tests run on DuckDB and PostgreSQL (the checks are the same code
for every engine).
"""
from __future__ import annotations

import shutil

import pytest
import yaml

from conftest import IN_CI, make_warehouse, parity_build
from support import portability as port
from support.dbt import REPO, DbtProject

CATALOGUE = port.catalogue()
ENGINES = list(CATALOGUE["engines"])
WAREHOUSE_ENGINES = {"duckdb", "postgres"}  # support.warehouse loads data into these


_compiled: dict[str, "SessionSQL"] = {}


class SessionSQL:
    """An engine's compiled SQL, taken from the builds the suite makes anyway (their target/compiled): between
    them they reach every family and most configuration branches (parity: binary CBPE, PCA, chunkings; edge:
    every period unit, reference kind and remainder mode, thresholds, data tests, the domain classifier; demo:
    late targets; multiclass CBPE; regression DLE). The model hooks are compiled as analyses in the first build."""

    def __init__(self, engine: str, builds: list):
        self.engine = engine
        first = builds[0]
        # the awkward-input build (every period unit) is the one the injected-violation tests recompile
        self.target = builds[1] if len(builds) > 1 else first
        self.project, self.schema, self.monitors = self.target.project, self.target.schema, self.target.monitors
        if engine != "spark":
            first.project.run("compile", "--select", "resource_type:analysis", monitors=first.monitors)
        self.nodes = [node for built in builds for node in port.compiled_nodes(built.project.dir)]


def session_sql(engine: str, workdir) -> SessionSQL:
    if engine not in _compiled:
        if not port.adapter_installed(engine):
            message = f"{engine}: dbt adapter not installed (pip install -e '.[dev]'); its compiled SQL is not checked"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        if engine == "spark":
            builds = [parity_build("spark", workdir)]
        else:
            from conftest import demo_build, edge_build
            from test_multiclass_performance import multiclass_build
            from test_regression_performance import regression_build

            builds = [parity_build(engine, workdir), edge_build(engine, workdir), demo_build(engine, workdir),
                      multiclass_build(engine, workdir), regression_build(engine, workdir)]
        _compiled[engine] = SessionSQL(engine, builds)
    return _compiled[engine]


@pytest.fixture(scope="session", params=[pytest.param(e, marks=pytest.mark.spark) if e == "spark" else e for e in ENGINES])
def compiled(request, workdir) -> SessionSQL:
    return session_sql(request.param, workdir)


@pytest.fixture(scope="session", params=sorted(WAREHOUSE_ENGINES))
def compiled_here(request, workdir) -> SessionSQL:
    """Engines the injected-violation tests compile on (the checks are the same code for every engine)."""
    return session_sql(request.param, workdir)


def test_sources_keep_engine_functions_in_dispatched_macros():
    findings = port.source_findings(REPO, CATALOGUE)
    assert not findings, port.report(findings)


def test_every_compiled_node_parses_in_its_engine_dialect(compiled):
    dialect = CATALOGUE["engines"][compiled.engine]
    findings = [f for node in compiled.nodes for f in port.parse_errors(node.name, node.sql, dialect)]
    assert not findings, port.report(findings)


def test_compiled_sql_calls_only_portable_or_engine_functions(compiled):
    findings = [f for node in compiled.nodes for f in port.compiled_call_findings(node.name, node.sql, compiled.engine, CATALOGUE)]
    assert not findings, port.report(findings)


def test_the_check_sees_every_model_the_hooks_and_the_dispatched_functions(compiled):
    """Not vacuous: every SQL model of the package was compiled, the hooks too, and the calls found include
    the engine's own dispatched functions (so the scanner sees calls the macros produce)."""
    names = {n.name for n in compiled.nodes}
    models = {f"model driftline.{p.stem}" for p in (REPO / "models").rglob("*.sql")}
    assert models <= names, f"not compiled: {sorted(models - names)}"
    if compiled.engine == "postgres":  # the hooks render empty (and compile to no file) on DuckDB
        assert {"hook driftline_tests.driftline_hook_before_model", "hook driftline_tests.driftline_hook_analyze"} <= names
    dialect = CATALOGUE["engines"][compiled.engine]
    called = {fn for n in compiled.nodes for fn, _, _ in port.function_calls(n.sql, dialect)}
    expected = {"duckdb": {"strftime", "round_even", "range", "log2", "isfinite", "string_agg"},
                "postgres": {"to_char", "generate_series", "round", "string_agg"},
                "spark": {"bround", "collect_list", "array_join", "explode", "sequence", "log2"}}[compiled.engine]
    assert expected <= called, f"{compiled.engine}: expected calls missing: {sorted(expected - called)}"
    foreign = {"postgres": {"strftime", "round_even"}, "spark": {"strftime", "round_even", "to_char", "string_agg"}}
    assert not foreign.get(compiled.engine, set()) & called, f"{compiled.engine}: {sorted(foreign[compiled.engine] & called)}"


def test_function_lists_match_the_engine_catalogues(compiled):
    """The fixture's claims hold: each portable function, and each function listed as valid on this engine,
    exists in this engine's function catalogue (special forms such as cast and coalesce are not listed there)."""
    wh = make_warehouse(compiled.engine, compiled.project.dir.parent)
    query = {"duckdb": "select distinct lower(function_name) as f from duckdb_functions()",
             "postgres": "select distinct lower(proname) as f from pg_proc",
             "spark": "show functions"}[compiled.engine]
    known = {str(f).lower() for f in wh.query(query).iloc[:, 0]}
    claimed = set(CATALOGUE["portable"]) | {f for f, e in CATALOGUE["engine_specific"].items() if compiled.engine in e["engines"]}
    missing = sorted(f for f in claimed if not any(k.startswith(f[:-1]) if f.endswith("*") else k == f for k in known))
    assert not missing, f"{compiled.engine} has no function named {missing}: fix tests/fixtures/engine_functions.json"


# -- the check catches violations ---------------------------------------------------------------------------------

# A function valid elsewhere but not on the engine, injected into a plain (non-dispatched) macro.
FOREIGN = {"duckdb": "to_char({{ ts }}, 'YYYY')", "postgres": "strftime({{ ts }}, '%Y')", "spark": "strftime({{ ts }}, '%Y')"}
MACRO_FILE, MACRO_ANCHOR = "macros/staging/driftline_chunked_rows.sql", "{%- if unit == 'year' -%} {{ year }}"
# DuckDB-only syntax (a lambda) in a model: DuckDB's dialect accepts it, PostgreSQL's and Spark's reject it.
MODEL_FILE, MODEL_ANCHOR = "models/outputs/driftline_alerts.sql", "    select v.*\n"
LAMBDA = "    select v.*, list_transform([1], lambda q: q + 1) as injected\n"


def injected_package(tmp_path, engine: str):
    package = tmp_path / "driftline_injected"
    shutil.copytree(REPO, package, ignore=shutil.ignore_patterns(".venv", ".git", "target", "dbt_packages", "logs", "tests",
                                                                  "demo", "bench", "docs", "*.egg-info", "__pycache__"))
    shutil.copytree(REPO / "tests" / "dbt", package / "tests" / "dbt")
    macro = (package / MACRO_FILE).read_text()
    assert MACRO_ANCHOR in macro
    (package / MACRO_FILE).write_text(macro.replace(MACRO_ANCHOR, MACRO_ANCHOR + " || " + FOREIGN[engine]))
    model = (package / MODEL_FILE).read_text()
    assert MODEL_ANCHOR in model
    (package / MODEL_FILE).write_text(model.replace(MODEL_ANCHOR, LAMBDA, 1))
    return package


@pytest.fixture(scope="session")
def injected(compiled_here, tmp_path_factory):
    """The package with both injections, compiled on the engine against the schema its build left behind."""
    tmp = tmp_path_factory.mktemp(f"injected_{compiled_here.engine}")
    package = injected_package(tmp, compiled_here.engine)
    project = DbtProject(tmp, compiled_here.engine, compiled_here.schema, compiled_here.project.duckdb_path, variant="injected")
    (project.dir / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(package)}]}))
    project.run("deps")
    project.run("compile", "--select", "driftline_chunks", "driftline_alerts", monitors=compiled_here.monitors)
    return package, {n.name: n for n in port.compiled_nodes(project.dir)}


def test_source_check_names_the_macro_and_the_model_with_the_injected_sql(injected, compiled_here):
    package, _ = injected
    findings = port.source_findings(package, CATALOGUE)
    fn = FOREIGN[compiled_here.engine].split("(")[0]
    macro = [f for f in findings if f.where.startswith(f"macro driftline_period_key ({MACRO_FILE}:")]
    assert len(macro) == 1 and f"calls {fn}()" in macro[0].problem and "outside a dispatched macro" in macro[0].problem
    assert FOREIGN[compiled_here.engine] in macro[0].excerpt
    model = [f for f in findings if f.where.startswith(f"model driftline_alerts ({MODEL_FILE}:")]
    assert len(model) == 1 and "calls list_transform()" in model[0].problem and "lambda q" in model[0].excerpt
    # nothing else is reported beyond what the unmodified sources already report
    assert len(findings) == len(port.source_findings(REPO, CATALOGUE)) + 2


def test_compiled_check_names_the_model_and_shows_the_foreign_function(injected, compiled_here):
    _, nodes = injected
    fn = FOREIGN[compiled_here.engine].split("(")[0]
    chunks = nodes["model driftline.driftline_chunks"]
    findings = port.compiled_call_findings(chunks.name, chunks.sql, compiled_here.engine, CATALOGUE)
    assert [f.where for f in findings] == [f"model driftline.driftline_chunks ({compiled_here.engine})"]
    assert f"calls {fn}(), valid only on" in findings[0].problem and f"compiled for {compiled_here.engine}" in findings[0].problem
    assert f">>>{fn}(" in findings[0].excerpt
    # the unmodified build's driftline_chunks is clean: the finding is the injection
    clean = next(n for n in compiled_here.nodes if n.name == chunks.name)
    assert port.compiled_call_findings(clean.name, clean.sql, compiled_here.engine, CATALOGUE) == []


def test_syntax_one_dialect_rejects_is_reported_with_the_model_and_position(injected, compiled_here):
    _, nodes = injected
    alerts = nodes["model driftline.driftline_alerts"]
    assert port.parse_errors(alerts.name, alerts.sql, "duckdb") == []
    for dialect in ("postgres", "spark"):
        findings = port.parse_errors(alerts.name, alerts.sql, dialect)
        assert len(findings) == 1 and findings[0].where == f"model driftline.driftline_alerts ({dialect})"
        line = next(i for i, text in enumerate(alerts.sql.splitlines(), 1) if "lambda q" in text)
        assert findings[0].excerpt.startswith(f"line {line}, col ") and "list_transform([1], lambda" in findings[0].excerpt
