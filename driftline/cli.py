"""The `driftline` command.

    driftline demo [--rows N] [--dir DIR]
    driftline summary [--project-dir P] [--profiles-dir D] [--target T] [--schema S]
    driftline status [--monitor M] [--fail-on-alerts] [connection options as summary]
    driftline checkpoint [--monitor M] [--family F] [--verbose] [--result-json PATH] [connection options]
    driftline report [--output PATH] [--monitor M] [connection options]

Each subcommand is a function taking the parsed arguments and returning an exit code; add one by writing
``_add_<name>(subparsers)`` and listing it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable

from . import __version__

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DB = "driftline_demo.duckdb"
DEMO_PROFILE = "driftline_demo"
DEMO_TARGET = "dev"


class CliError(Exception):
    """A user-facing error: printed as `driftline: <message>`, exit code 2."""


# -- helpers ---------------------------------------------------------------------------------------------------

def run_dbt(*args: str, project_dir: Path, profiles_dir: Path) -> int:
    """Run one dbt command in this process (driftline.dbt_runner), its log going to the terminal. Returns 0 when
    dbt succeeded, else 1 (dbt's own exit code for a failed run)."""
    from .dbt_runner import invoke

    print(f"\n$ dbt {' '.join(args)}", flush=True)
    done = invoke(list(args), project_dir, profiles_dir)
    if done.error:
        print(done.error, file=sys.stderr)
    return 0 if done.success else 1


_ENV_VAR = re.compile(r"""\{\{\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)\s*\}\}""")


def _render_env_vars(text: str) -> str:
    """Substitute dbt's `{{ env_var('NAME') }}` / `{{ env_var('NAME', 'default') }}` in a profiles.yml."""
    def sub(match: re.Match) -> str:
        name, default = match.group(2), match.group(4)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise CliError(f"profiles.yml uses env_var('{name}'), which is not set")
    return _ENV_VAR.sub(sub, text)


def read_target(project_dir: Path, profiles_dir: Path, target: str | None) -> dict[str, Any]:
    """The output (connection settings) that dbt would use for this project, profiles dir and target."""
    import yaml

    project_file = project_dir / "dbt_project.yml"
    if not project_file.is_file():
        raise CliError(f"{project_file} does not exist: pass --project-dir of a dbt project")
    profile_name = yaml.safe_load(project_file.read_text()).get("profile")
    profiles_file = profiles_dir / "profiles.yml"
    if not profiles_file.is_file():
        raise CliError(f"{profiles_file} does not exist: pass --profiles-dir holding profiles.yml")
    profiles = yaml.safe_load(_render_env_vars(profiles_file.read_text())) or {}
    profile = profiles.get(profile_name)
    if not isinstance(profile, dict):
        raise CliError(f"profile '{profile_name}' (from {project_file}) is not in {profiles_file}")
    target_name = target or os.environ.get("DBT_TARGET") or profile.get("target") or "dev"
    output = (profile.get("outputs") or {}).get(target_name)
    if not isinstance(output, dict):
        raise CliError(f"target '{target_name}' is not among the outputs of profile '{profile_name}' in {profiles_file}")
    return output


def default_profiles_dir(project_dir: Path) -> Path:
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"])
    if (project_dir / "profiles.yml").is_file():
        return project_dir
    return Path.home() / ".dbt"


def print_summary_for(output: dict[str, Any], project_dir: Path, schema: str | None = None) -> None:
    """Connect as the dbt output says and print the summary of the driftline tables."""
    from .summary import print_summary

    kind = output.get("type")
    if kind == "duckdb":
        import duckdb

        raw = str(output.get("path") or "")
        if not raw or raw == ":memory:":
            raise CliError("the duckdb target has no database file (path); nothing to summarise")
        path = Path(raw).expanduser()
        if not path.is_absolute():  # dbt-duckdb resolves it against the working directory
            path = path if path.exists() else project_dir / path
        if not path.exists():
            raise CliError(f"duckdb file {path} does not exist: run dbt build first")
        conn = duckdb.connect(str(path.resolve()), read_only=True)
        try:
            print_summary(conn, schema or output.get("schema") or "main", duckdb_path=str(path.resolve()))
        finally:
            conn.close()
    elif kind == "postgres":
        try:
            import psycopg2
        except ImportError as exc:
            raise CliError("psycopg2 is not installed (pip install 'driftline[postgres]')") from exc
        params = {
            "host": output.get("host", "localhost"),
            "port": int(output.get("port", 5432)),
            "user": output.get("user"),
            "dbname": output.get("dbname") or output.get("database"),
        }
        password = output.get("password", output.get("pass"))
        conn = psycopg2.connect(**params, **({"password": str(password)} if password else {}))
        conn.autocommit = True
        try:
            print_summary(conn, schema or output.get("schema") or "public", postgres=params)
        finally:
            conn.close()
    else:
        raise CliError(f"summary supports duckdb and postgres targets, not '{kind}'")


# -- driftline demo ----------------------------------------------------------------------------------------------

def _default_demo_dir() -> Path:
    bundled = REPO_ROOT / "demo"
    return bundled if (bundled / "dbt_project.yml").is_file() else Path("demo")


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="generate synthetic car-loan data, build the demo dbt project, print the summary",
                       description="Generate the synthetic car-loan data set (drift in the last quarter) into "
                                   f"<dir>/{DEMO_DB}, run `dbt deps` and `dbt build` on the demo dbt project in "
                                   "<dir>, and print what driftline found.")
    p.add_argument("--rows", type=int, default=200_000, help="rows to generate (default 200000)")
    p.add_argument("--dir", type=Path, default=None,
                   help="the demo dbt project (default: the demo/ folder of the driftline repository)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    import yaml

    from .demo import write_duckdb

    if args.rows < 2:
        raise CliError("--rows must be at least 2")
    project_dir = (args.dir or _default_demo_dir()).resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        raise CliError(f"{project_dir} is not a dbt project (no dbt_project.yml); pass --dir <the demo folder>")
    db = project_dir / DEMO_DB
    for stale in (db, db.with_name(db.name + ".wal")):  # a fresh database each time: no state from earlier runs
        stale.unlink(missing_ok=True)

    print(f"Generating {args.rows:,} synthetic car-loan rows (seed 42, drift in the last quarter) into {db}", flush=True)
    counts = write_duckdb(str(db), args.rows, seed=42, drift=True)
    for table, n in counts.items():
        print(f"  main.{table}: {n:,} rows")

    profiles = {DEMO_PROFILE: {"target": DEMO_TARGET, "outputs": {DEMO_TARGET: {
        "type": "duckdb", "path": str(db), "threads": 2, "schema": "main"}}}}
    (project_dir / "profiles.yml").write_text(
        "# Written by `driftline demo`; regenerated on every run.\n" + yaml.safe_dump(profiles, sort_keys=False))

    for step in (("deps",), ("build",)):
        rc = run_dbt(*step, project_dir=project_dir, profiles_dir=project_dir)
        if rc != 0:
            print(f"\ndriftline demo: `dbt {' '.join(step)}` failed with exit code {rc} (see its output above)",
                  file=sys.stderr)
            return rc

    print()
    print_summary_for(read_target(project_dir, project_dir, DEMO_TARGET), project_dir)
    return 0


# -- driftline summary -------------------------------------------------------------------------------------------

def _add_summary(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="print the summary of an already built dbt project's driftline tables",
                       description="Connect with the project's dbt profile (duckdb or postgres) and summarise "
                                   "driftline's output tables: chunks, alerts, most drifted features.")
    p.add_argument("--project-dir", type=Path, default=Path("."), help="the dbt project (default: .)")
    p.add_argument("--profiles-dir", type=Path, default=None,
                   help="folder holding profiles.yml (default: $DBT_PROFILES_DIR, the project dir if it has one, ~/.dbt)")
    p.add_argument("--target", default=None, help="profile target (default: the profile's own)")
    p.add_argument("--schema", default=None, help="schema of the driftline tables (default: the target's schema)")
    p.set_defaults(func=cmd_summary)


def cmd_summary(args: argparse.Namespace) -> int:
    project_dir = args.project_dir.resolve()
    profiles_dir = (args.profiles_dir or default_profiles_dir(project_dir)).resolve()
    print_summary_for(read_target(project_dir, profiles_dir, args.target), project_dir, schema=args.schema)
    return 0


# -- driftline fit ------------------------------------------------------------------------------------------------

# (inputs dbt builds, the fitted-state table written, its column types) per kind of fit
FITS = [
    (["driftline__performance_specs", "driftline__performance_reference"], "driftline__cbpe_fit",
     {"monitor": "text", "fit_fingerprint": "text", "item": "text", "class_label": "text", "needs_calibration": "bool",
      "knot_index": "int", "x": "float", "y": "float", "metric": "text", "se_scale": "float", "se_power": "float"}),
    (["driftline__multivariate_specs", "driftline__multivariate_reference"], "driftline__pca_fit",
     {"monitor": "text", "fit_fingerprint": "text", "item": "text", "column_name": "text", "category": "text",
      "component": "int", "value": "float"}),
    (["driftline__performance_specs", "driftline__dle_reference"], "driftline__dle_fit",
     {"monitor": "text", "fit_fingerprint": "text", "item": "text", "model": "text", "metric": "text", "tree_index": "int",
      "node_index": "int", "left_child": "int", "right_child": "int", "feature_index": "int", "column_name": "text",
      "threshold": "float", "decision_type": "text", "default_left": "bool", "missing_type": "text", "categories": "text",
      "leaf_value": "float", "category": "text", "code": "int", "se_scale": "float", "se_power": "float"}),
]


def _add_fit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="fit CBPE, DLE and PCA reconstruction on the reference, compute the domain classifier per chunk, and write them (for engines without dbt Python models)",
                       description="Builds the small models the fit reads (dbt run), fits the calibration maps and "
                                   "sampling-error components of every classification monitor with performance metrics, "
                                   "the DLE nanny models (LightGBM) of every regression monitor, and the PCA "
                                   "reconstruction of every monitor with multivariate drift, and writes them to "
                                   "driftline__cbpe_fit, driftline__dle_fit and driftline__pca_fit in the same schema; "
                                   "monitors whose configuration and reference are unchanged keep their fit. Without the "
                                   "domain classifier, run it once per reference or configuration change and schedule only "
                                   "`dbt build`. With it, the command also builds the chunk models and computes the "
                                   "domain classifier for every chunk that lacks a value (driftline__chunk_domain_classifier): "
                                   "schedule `driftline fit` before every `dbt build`.")
    p.add_argument("--project-dir", type=Path, default=Path("."), help="the dbt project (default: .)")
    p.add_argument("--profiles-dir", type=Path, default=None,
                   help="folder holding profiles.yml (default: $DBT_PROFILES_DIR, the project dir if it has one, ~/.dbt)")
    p.add_argument("--target", default=None, help="profile target (default: the profile's own)")
    p.add_argument("--vars", default=None, help="dbt --vars, if the monitors are passed that way")
    p.add_argument("--seed", type=int, default=0, help="seed of the average_precision bootstrap (default 0)")
    p.add_argument("--full-refresh", action="store_true",
                   help="recompute the domain-classifier value of every chunk, not only of new or changed ones")
    p.set_defaults(func=cmd_fit)


def _model_schema(project_dir: Path, name: str) -> str:
    import json

    manifest = project_dir / "target" / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"]
    for node in nodes.values():
        if node.get("resource_type") == "model" and node.get("name") == name:
            return node["schema"]
    raise CliError(f"model {name} is not in {manifest}: is driftline installed (dbt deps)?")


def cmd_fit(args: argparse.Namespace) -> int:
    from .fitting.state import fit_all, fit_all_dle, fit_all_reconstruction
    from .warehouse import Warehouse

    project_dir = args.project_dir.resolve()
    profiles_dir = (args.profiles_dir or default_profiles_dir(project_dir)).resolve()
    output = read_target(project_dir, profiles_dir, args.target)
    inputs = list(dict.fromkeys([name for fit_inputs, _, _ in FITS for name in fit_inputs] + [DOMAIN_CLASSIFIER_SPECS]))
    # A Spark session target: dbt's Spark session and this one share an embedded metastore that admits one
    # process at a time, so no dbt run may happen while this command holds its session. The domain
    # classifier's chunk models are built in this same first run (their inputs do not depend on the fits).
    exclusive = output.get("type") == "spark"
    if exclusive:
        inputs = list(dict.fromkeys(inputs + DOMAIN_CLASSIFIER_INPUTS))
    dbt_args = ["run", "--select", *inputs] + (["--target", args.target] if args.target else []) + (["--vars", args.vars] if args.vars else []) \
        + (["--full-refresh"] if exclusive and args.full_refresh else [])
    code = run_dbt(*dbt_args, project_dir=project_dir, profiles_dir=profiles_dir)
    if code != 0:
        return code
    fitters = {"driftline__cbpe_fit": lambda specs, rows, previous: fit_all(specs, rows, seed=args.seed, previous=previous),
               "driftline__pca_fit": lambda specs, rows, previous: fit_all_reconstruction(specs, rows, previous=previous),
               "driftline__dle_fit": lambda specs, rows, previous: fit_all_dle(specs, rows, previous=previous)}
    warehouse = Warehouse(output, project_dir)
    try:
        for (spec_model, rows_model), table, types in FITS:
            schema = _model_schema(project_dir, spec_model)
            specs, rows = warehouse.read(schema, spec_model), warehouse.read(schema, rows_model)
            previous = warehouse.read(schema, table) if warehouse.exists(schema, table) else None  # unchanged monitors keep it
            try:
                state = fitters[table](specs, rows, previous)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            warehouse.write(schema, table, state[list(types)], types)
            print(f"driftline fit: {len(specs)} monitor(s) fitted, {len(state)} rows written to {schema}.{table}")
        code = _fit_domain_classifier(args, project_dir, profiles_dir, warehouse, inputs_built=exclusive)
    finally:
        warehouse.close()
    return code


# The domain classifier scores analysis chunks too, so on engines without dbt Python models `driftline fit`
# must run before every `dbt build`: it builds the chunk models it reads, then computes the chunks that lack
# a value (driftline__domain_classifier_chunks.is_pending) and rewrites the small table of values.
DOMAIN_CLASSIFIER_SPECS = "driftline__domain_classifier_specs"
DOMAIN_CLASSIFIER_INPUTS = ["driftline__reference_profile", "driftline_chunks", "driftline__domain_classifier_chunks",
                            "driftline__domain_classifier_rows"]   # driftline__multivariate_reference: built with the PCA inputs
DOMAIN_CLASSIFIER_TABLE = ("driftline__chunk_domain_classifier",
                           {"monitor": "text", "period": "text", "chunk_index": "int", "n_rows": "int", "n_reference": "int",
                            "value": "float", "fit_fingerprint": "text", "dc_signature": "text", "computed_at": "timestamp",
                            "compute_seconds": "float"})


def _fit_domain_classifier(args: argparse.Namespace, project_dir: Path, profiles_dir: Path, warehouse,
                           inputs_built: bool = False) -> int:
    from .fitting.state import domain_classifier_values

    schema = _model_schema(project_dir, DOMAIN_CLASSIFIER_SPECS)
    specs = warehouse.read(schema, DOMAIN_CLASSIFIER_SPECS)
    if specs.empty:
        return 0
    dbt_args = ["run", "--select", *DOMAIN_CLASSIFIER_INPUTS] + (["--target", args.target] if args.target else []) \
        + (["--vars", args.vars] if args.vars else []) + (["--full-refresh"] if args.full_refresh else [])
    code = 0 if inputs_built else run_dbt(*dbt_args, project_dir=project_dir, profiles_dir=profiles_dir)
    if code != 0:
        return code
    table, types = DOMAIN_CLASSIFIER_TABLE
    chunks = warehouse.read(schema, "driftline__domain_classifier_chunks")
    previous = warehouse.read(schema, table) if warehouse.exists(schema, table) else None

    def reference_rows(monitor):
        return warehouse.read(schema, "driftline__multivariate_reference", where={"monitor": monitor})

    def chunk_rows(monitor, index):  # one analysis chunk at a time
        return warehouse.read(schema, "driftline__domain_classifier_rows", where={"monitor": monitor, "chunk_index": index})

    try:
        values = domain_classifier_values(specs, chunks, reference_rows, chunk_rows, previous=previous,
                                          log=lambda message: print(message, flush=True))
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    warehouse.write(schema, table, values[list(types)], types)
    computed = int(chunks["is_pending"].astype(bool).sum())
    print(f"driftline fit: domain classifier computed for {computed} chunk(s) of {len(specs)} monitor(s); "
          f"{len(values)} rows written to {schema}.{table}")
    return 0


# -- connection options of status, checkpoint and report ---------------------------------------------------------

def _add_target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project-dir", type=Path, default=Path("."), help="the dbt project (default: .)")
    p.add_argument("--profiles-dir", type=Path, default=None,
                   help="folder holding profiles.yml (default: $DBT_PROFILES_DIR, the project dir if it has one, ~/.dbt)")
    p.add_argument("--target", default=None, help="profile target (default: the profile's own)")
    p.add_argument("--schema", default=None, help="schema of the driftline tables (default: the target's schema)")
    p.add_argument("--monitor", action="append", default=None, metavar="NAME",
                   help="only this monitor (repeatable; default: every monitor)")


def _target(args: argparse.Namespace) -> tuple[dict[str, Any], Path, str]:
    """The dbt output, the project dir and the schema of the driftline tables."""
    project_dir = args.project_dir.resolve()
    profiles_dir = (args.profiles_dir or default_profiles_dir(project_dir)).resolve()
    output = read_target(project_dir, profiles_dir, args.target)
    kind = output.get("type")
    if kind not in ("duckdb", "postgres"):
        raise CliError(f"driftline {args.command} supports duckdb and postgres targets, not '{kind}'")
    schema = args.schema or output.get("schema") or ("main" if kind == "duckdb" else "public")
    return output, project_dir, schema


def _open_warehouse(output: dict[str, Any], project_dir: Path) -> tuple[Any, str]:
    """A read-only connection to the target's warehouse and a 'where' phrase naming it."""
    from .warehouse import Warehouse, WarehouseError

    if output.get("type") == "duckdb":
        raw = str(output.get("path") or "")
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = path if path.exists() else project_dir / path
        if not raw or raw == ":memory:" or not path.exists():
            raise CliError(f"duckdb file {raw or '(no path in the target)'} does not exist: run dbt build first")
        where = f"in {path.resolve()}"
    else:
        where = f"on postgres {output.get('host', 'localhost')}:{output.get('port', 5432)}/{output.get('dbname') or output.get('database')}"
    try:
        return Warehouse(output, project_dir, read_only=True), where
    except (WarehouseError, Exception) as exc:  # a connection failure is the user's to fix, not a traceback
        raise CliError(f"cannot connect {where}: {exc}") from exc


# -- driftline status ---------------------------------------------------------------------------------------------

def _add_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="the latest chunk of each monitor, alerts first (exit code 0: informational)",
                       description="Print, for every monitor, its latest analysis chunk: the alerts (grouped by family "
                                   "and column, allow-listed ones marked), the likely causes of a performance alert, how "
                                   "many checks of each family alert, and the alert count of every analysis chunk.")
    _add_target_options(p)
    p.add_argument("--fail-on-alerts", action="store_true",
                   help="exit 1 while a latest chunk has an alert that the allow-list does not cover")
    p.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    from .status import open_alert_count, status_lines

    output, project_dir, schema = _target(args)
    warehouse, where = _open_warehouse(output, project_dir)
    try:
        lines, latest = status_lines(warehouse, schema, args.monitor, where=where)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    finally:
        warehouse.close()
    print("\n".join(lines))
    return 1 if args.fail_on_alerts and open_alert_count(latest) else 0


# -- driftline checkpoint -----------------------------------------------------------------------------------------

def _add_checkpoint(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("checkpoint", help="run a Great Expectations checkpoint over the monitoring tables (exit 1 on failure)",
                       description="Build Great Expectations suites over driftline's tables through GE's SQL data "
                                   "source (DuckDB or PostgreSQL, from the dbt profile) and run them as one checkpoint: "
                                   "no alert in any monitor's latest chunk beyond the driftline_alert_exceptions "
                                   "allow-list, and the tables' contract (chunks present, keys not NULL, one row per "
                                   "key). Exit code 0 when it passes, 1 when it fails.")
    _add_target_options(p)
    p.add_argument("--family", action="append", default=None, metavar="FAMILY",
                   help="gate only these alert families (repeatable): performance, multivariate_drift, "
                        "univariate_drift, data_quality, summary_stats")
    p.add_argument("--verbose", "-v", action="store_true", help="list every expectation, not only the failing ones")
    p.add_argument("--result-json", type=Path, default=None, help="also write GE's checkpoint result as JSON here")
    p.set_defaults(func=cmd_checkpoint)


def cmd_checkpoint(args: argparse.Namespace) -> int:
    try:
        from .checkpoint import format_outcome, run_checkpoint
        import great_expectations  # noqa: F401
    except ImportError as exc:
        raise CliError(f"Great Expectations is not installed ({exc}): pip install 'driftline[gx]'") from exc

    output, project_dir, schema = _target(args)
    try:
        outcome = run_checkpoint(output, project_dir, schema, monitors=args.monitor, families=args.family)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print("\n".join(format_outcome(outcome, verbose=args.verbose)))
    if args.result_json:
        args.result_json.write_text(outcome.ge_result.describe())
    return 0 if outcome.success else 1


# -- driftline report ---------------------------------------------------------------------------------------------

def _add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write one self-contained HTML report of the monitoring tables",
                       description="Write an HTML file (no network needed) with, per monitor: performance (estimated "
                                   "and realized, bands, thresholds, alerts), univariate drift per feature with the "
                                   "reference and chunk distributions, multivariate drift, data quality, summary "
                                   "statistics, the alerts and the feature rankings.")
    _add_target_options(p)
    p.add_argument("--output", "-o", type=Path, default=Path("driftline_report.html"),
                   help="the HTML file to write (default: driftline_report.html)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    output, project_dir, schema = _target(args)
    warehouse, where = _open_warehouse(output, project_dir)
    try:
        summary = write_report(warehouse, schema, args.output, monitors=args.monitor, where=where)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    finally:
        warehouse.close()
    print(summary)
    return 0


# -- entry point -------------------------------------------------------------------------------------------------

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_demo, _add_summary, _add_fit, _add_status,
                                                                 _add_checkpoint, _add_report]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="driftline", description="ML model monitoring inside the warehouse (dbt).")
    parser.add_argument("--version", action="version", version=f"driftline {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    sub.required = True
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"driftline: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
