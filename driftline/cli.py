"""The `driftline` command.

    driftline demo [--rows N] [--dir DIR]
    driftline summary [connection options]
    driftline fit [--seed N] [--full-refresh] [connection options]
    driftline status [--monitor M] [--fail-on-alerts] [connection options]
    driftline checkpoint [--monitor M] [--family F] [--verbose] [--result-json PATH] [connection options]
    driftline report [--output PATH] [--monitor M] [connection options]
    driftline notify [--to URL]... [--all] [--dry-run] [--report-url URL] [--monitor M] [connection options]

Connection options are dbt's, resolved by dbt itself (driftline.target): --project-dir (or DBT_PROJECT_DIR;
default: the working directory or the nearest parent with a dbt_project.yml), --profiles-dir (or
DBT_PROFILES_DIR; default: the working directory when it holds profiles.yml, else ~/.dbt), --target (or
DBT_TARGET; default: the profile's own) and --vars; profiles.yml is rendered as dbt renders it (env_var, var,
as_number, as_bool). The commands read driftline's tables where dbt put them (the project's target/manifest.json,
refreshed by `dbt parse` when missing or stale) and say which schema they read; --schema overrides that.

`driftline notify` sends one message per monitor with open alerts in its latest chunk to every destination given
by --to (repeatable) and $DRIFTLINE_NOTIFY_URLS (space- or comma-separated; keeps webhook secrets off the command
line): apprise URLs such as slack://..., https://hooks.slack.com/services/..., workflows://... (Microsoft Teams)
or json://host/path. Each alert is sent once per destination (recorded in driftline_notifications, beside
driftline_alerts) unless --all; --dry-run prints the messages without sending or recording. A failed delivery
exits 1 and leaves its alerts pending for the next run. Run it right after `dbt build`.

Each subcommand is a function taking the parsed arguments and returning an exit code; add one by writing
``_add_<name>(subparsers)`` and listing it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
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


def read_target(project_dir: Path | None, profiles_dir: Path | None, target: str | None) -> dict[str, Any]:
    """The connection settings dbt uses for this project, profiles dir and target (dbt's profile loading)."""
    return _target(project_dir, profiles_dir, target).output


def _target(project_dir: Path | None, profiles_dir: Path | None, target: str | None, vars: str | None = None):
    """driftline.target.load_target, its errors as CliError."""
    from .target import TargetError, load_target

    try:
        return load_target(project_dir, profiles_dir, target, vars)
    except TargetError as exc:
        raise CliError(str(exc)) from exc


def _say_if_parsed(relations) -> None:
    if relations.parsed_because:
        print(f"driftline: ran `dbt parse` to find the driftline tables ({relations.parsed_because})", flush=True)


def _relations(target, schema: str | None = None):
    """Where the target's driftline tables are (driftline.target.driftline_relations), after a dbt command of this
    run wrote the manifest (fit, demo)."""
    from .target import TargetError, driftline_relations

    try:
        relations = driftline_relations(target, schema)
    except TargetError as exc:
        raise CliError(str(exc)) from exc
    _say_if_parsed(relations)
    return relations


def resolve_args(args: argparse.Namespace):
    """The target and the driftline relations of a command's connection options (driftline.target.resolve): every
    command that reads the driftline tables starts here."""
    from .target import TargetError, resolve

    try:
        target, relations = resolve(args.project_dir, args.profiles_dir, args.target, args.vars, getattr(args, "schema", None))
    except TargetError as exc:
        raise CliError(str(exc)) from exc
    _say_if_parsed(relations)
    return target, relations


def open_warehouse(target, read_only: bool = True):
    """A connection to the target's warehouse; a CliError naming the target when it cannot be opened."""
    from .warehouse import Warehouse

    try:
        return Warehouse(target.output, target.project_dir, read_only=read_only)
    except Exception as exc:  # noqa: BLE001 - a connection failure is the user's to fix, not a traceback
        raise CliError(f"cannot connect to {target.describe()}: {str(exc).strip()}. Fix: check target "
                       f"{target.target_name} in {target.profiles_dir / 'profiles.yml'} (`dbt debug` tests it); a DuckDB "
                       "file must not be held open for writing by another process (a running `dbt build`)") from exc


def reading_line(command: str, target, relations, names: list[str]) -> str:
    """'driftline status: reading driftline tables from db.schema (postgres ..., target prod)'."""
    return f"driftline {command}: reading driftline tables from {relations.where(names)} on {target.describe()}"


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

    try:
        import dbt.adapters.duckdb  # noqa: F401
    except ImportError as exc:
        raise CliError("the demo runs on DuckDB, and dbt-duckdb is not installed: pip install 'driftline[duckdb]'") from exc
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
    target = _target(project_dir, project_dir, DEMO_TARGET)
    _print_summary(target, _relations(target))
    return 0


# -- driftline summary -------------------------------------------------------------------------------------------

def _add_summary(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="print the summary of an already built dbt project's driftline tables",
                       description="Connect with the project's dbt profile and summarise driftline's output tables: "
                                   "chunks, alerts, most drifted features.")
    _add_target_options(p, monitor=False)
    p.set_defaults(func=cmd_summary)


def cmd_summary(args: argparse.Namespace) -> int:
    target, relations = resolve_args(args)
    _print_summary(target, relations)
    return 0


def _print_summary(target, relations) -> None:
    from .summary import print_summary

    warehouse = open_warehouse(target)
    try:
        print_summary(warehouse, relations, target)
    finally:
        warehouse.close()


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
    _add_target_options(p, schema=False, monitor=False)
    p.add_argument("--seed", type=int, default=0, help="seed of the average_precision bootstrap (default 0)")
    p.add_argument("--full-refresh", action="store_true",
                   help="recompute the domain-classifier value of every chunk, not only of new or changed ones")
    p.set_defaults(func=cmd_fit)


# what each kind of fit is called in its report line
FIT_NAMES = {"driftline__cbpe_fit": "CBPE", "driftline__pca_fit": "PCA reconstruction", "driftline__dle_fit": "DLE"}


def _names(monitors: list[str], limit: int = 5) -> str:
    return ", ".join(monitors[:limit]) + (f", +{len(monitors) - limit} more" if len(monitors) > limit else "")


def fit_line(kind: str, outcome, table) -> str | None:
    """'CBPE: 1 monitor(s) fitted (car_loan), 1 kept (unchanged: churn); 123 rows written to s.driftline__cbpe_fit',
    or None when no monitor has this kind of fit."""
    if not outcome.fitted and not outcome.kept:
        return None
    fitted = f"{len(outcome.fitted)} monitor(s) fitted" + (f" ({_names(outcome.fitted)})" if outcome.fitted else "")
    kept = f"{len(outcome.kept)} kept (unchanged{': ' + _names(outcome.kept) if outcome.kept else ''})"
    return f"driftline fit: {kind}: {fitted}, {kept}; {len(outcome.state)} rows written to {table}"


def cmd_fit(args: argparse.Namespace) -> int:
    from .fitting.state import fit_all, fit_all_dle, fit_all_reconstruction

    target = _target(args.project_dir, args.profiles_dir, args.target, args.vars)
    inputs = list(dict.fromkeys([name for fit_inputs, _, _ in FITS for name in fit_inputs] + [DOMAIN_CLASSIFIER_SPECS]))
    # A Spark session target: dbt's Spark session and this one share an embedded metastore that admits one
    # process at a time, so no dbt run may happen while this command holds its session. The domain
    # classifier's chunk models are built in this same first run (their inputs do not depend on the fits).
    exclusive = target.type == "spark"
    if exclusive:
        inputs = list(dict.fromkeys(inputs + DOMAIN_CLASSIFIER_INPUTS))
    dbt_args = ["run", "--select", *inputs, *target.dbt_args] + (["--full-refresh"] if exclusive and args.full_refresh else [])
    code = run_dbt(*dbt_args, project_dir=target.project_dir, profiles_dir=target.profiles_dir)
    if code != 0:
        return code
    relations = _relations(target)  # the manifest that run wrote
    fitters = {"driftline__cbpe_fit": lambda specs, rows, previous: fit_all(specs, rows, seed=args.seed, previous=previous),
               "driftline__pca_fit": lambda specs, rows, previous: fit_all_reconstruction(specs, rows, previous=previous),
               "driftline__dle_fit": lambda specs, rows, previous: fit_all_dle(specs, rows, previous=previous)}
    warehouse = open_warehouse(target, read_only=False)
    print(reading_line("fit", target, relations, [name for fit_inputs, _, _ in FITS for name in fit_inputs]), flush=True)
    try:
        for (spec_model, rows_model), table, types in FITS:
            specs_at, rows_at, state_at = relations[spec_model], relations[rows_model], relations.beside(table, spec_model)
            specs = warehouse.read(specs_at.schema, specs_at.identifier)
            rows = warehouse.read(rows_at.schema, rows_at.identifier)
            previous = (warehouse.read(state_at.schema, table) if warehouse.exists(state_at.schema, table)
                        else None)  # unchanged monitors keep it
            try:
                outcome = fitters[table](specs, rows, previous)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            warehouse.write(state_at.schema, table, outcome.state[list(types)], types)
            line = fit_line(FIT_NAMES[table], outcome, state_at)
            if line:
                print(line, flush=True)
        code = _fit_domain_classifier(args, target, relations, warehouse, inputs_built=exclusive)
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


def _fit_domain_classifier(args: argparse.Namespace, target, relations, warehouse, inputs_built: bool = False) -> int:
    from .fitting.state import domain_classifier_values

    schema = relations.schema(DOMAIN_CLASSIFIER_SPECS)
    specs = warehouse.read(schema, relations[DOMAIN_CLASSIFIER_SPECS].identifier)
    if specs.empty:
        return 0
    dbt_args = ["run", "--select", *DOMAIN_CLASSIFIER_INPUTS, *target.dbt_args] + (["--full-refresh"] if args.full_refresh else [])
    code = 0 if inputs_built else run_dbt(*dbt_args, project_dir=target.project_dir, profiles_dir=target.profiles_dir)
    if code != 0:
        return code
    table, types = DOMAIN_CLASSIFIER_TABLE
    chunks_at, reference_at, rows_at = (relations[n] for n in ("driftline__domain_classifier_chunks",
                                                                "driftline__multivariate_reference",
                                                                "driftline__domain_classifier_rows"))
    chunks = warehouse.read(chunks_at.schema, chunks_at.identifier)
    previous = warehouse.read(schema, table) if warehouse.exists(schema, table) else None

    def reference_rows(monitor):
        return warehouse.read(reference_at.schema, reference_at.identifier, where={"monitor": monitor})

    def chunk_rows(monitor, index):  # one analysis chunk at a time
        return warehouse.read(rows_at.schema, rows_at.identifier, where={"monitor": monitor, "chunk_index": index})

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


# -- connection options -------------------------------------------------------------------------------------------

def _add_target_options(p: argparse.ArgumentParser, schema: bool = True, monitor: bool = True) -> None:
    """dbt's connection options (resolved by dbt: driftline.target), --schema and --monitor."""
    p.add_argument("--project-dir", type=Path, default=None,
                   help="the dbt project (default: $DBT_PROJECT_DIR, else the working directory or its nearest parent "
                        "with a dbt_project.yml, as dbt)")
    p.add_argument("--profiles-dir", type=Path, default=None,
                   help="folder holding profiles.yml (default: $DBT_PROFILES_DIR, else the working directory if it "
                        "holds profiles.yml, else ~/.dbt, as dbt)")
    p.add_argument("--target", default=None, help="profile target (default: $DBT_TARGET, else the profile's own)")
    p.add_argument("--vars", default=None, help="dbt --vars (YAML), e.g. when the monitors are passed that way")
    if schema:
        p.add_argument("--schema", default=None,
                       help="read the driftline tables from this schema (default: where dbt put them, from the "
                            "project's target/manifest.json)")
    if monitor:
        p.add_argument("--monitor", action="append", default=None, metavar="NAME",
                       help="only this monitor (repeatable; default: every monitor)")


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

    target, relations = resolve_args(args)
    warehouse = open_warehouse(target)
    try:
        lines, latest = status_lines(warehouse, relations, args.monitor, where=f"on {target.describe()}")
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

    from .warehouse import WarehouseError

    target, relations = resolve_args(args)
    try:
        outcome = run_checkpoint(target.output, target.project_dir, relations, monitors=args.monitor,
                                 families=args.family)
    except (ValueError, WarehouseError) as exc:
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

    target, relations = resolve_args(args)
    warehouse = open_warehouse(target)
    try:
        print(reading_line("report", target, relations, ["driftline_chunks", "driftline_alerts"]), flush=True)
        summary = write_report(warehouse, relations, args.output, monitors=args.monitor, where=f"on {target.describe()}")
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    finally:
        warehouse.close()
    print(summary)
    return 0


# -- driftline notify ---------------------------------------------------------------------------------------------

def _add_notify(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notify", help="send the open alerts of each monitor's latest chunk to Slack, Teams or a webhook",
                       description="Send, for every monitor whose latest analysis chunk has open (not allow-listed) "
                                   "alerts, one message per destination: the chunk, the performance alerts with their "
                                   "likely causes, the alert count per family and where the report is. Destinations are "
                                   "apprise URLs (slack://..., https://hooks.slack.com/services/..., workflows://... for "
                                   "Microsoft Teams, json://host/path, ...) from --to and $DRIFTLINE_NOTIFY_URLS. An alert "
                                   "is sent once per destination: deliveries are recorded in driftline_notifications, "
                                   "beside driftline_alerts. Exit code 1 when a delivery failed (its alerts stay pending).")
    _add_target_options(p)
    p.add_argument("--to", action="append", default=None, metavar="URL",
                   help="an apprise destination URL (repeatable); also read from $DRIFTLINE_NOTIFY_URLS")
    p.add_argument("--report-url", default=None, metavar="URL",
                   help="link to the published report in each message ('{monitor}' is replaced by the monitor's name); "
                        "default: the message says how to write it with `driftline report`")
    p.add_argument("--all", action="store_true", help="send every open alert again, not only those not sent yet")
    p.add_argument("--dry-run", action="store_true", help="print the messages; send and record nothing")
    p.set_defaults(func=cmd_notify)


def cmd_notify(args: argparse.Namespace) -> int:
    from .notify import ENV_URLS, destination_urls, destinations, notify

    urls = destination_urls(args.to)
    if not urls and not args.dry_run:
        raise CliError(f"no destination to notify: pass --to URL (repeatable) or set {ENV_URLS}, e.g. "
                       f"{ENV_URLS}='https://hooks.slack.com/services/...'; --dry-run shows the messages without one")
    try:
        targets = destinations(urls)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    target, relations = resolve_args(args)
    warehouse = open_warehouse(target, read_only=args.dry_run)
    try:
        print(reading_line("notify", target, relations, ["driftline_alerts"]), flush=True)
        run = notify(warehouse, relations, targets, monitors=args.monitor, resend=args.all, dry_run=args.dry_run,
                     report_url=args.report_url)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    finally:
        warehouse.close()
    print("\n".join(run.lines), flush=True)
    for failure in run.failures:
        print(f"driftline notify: {failure}", file=sys.stderr)
    return 1 if run.failures else 0


# -- entry point -------------------------------------------------------------------------------------------------

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_demo, _add_summary, _add_fit, _add_status,
                                                                 _add_checkpoint, _add_report, _add_notify]


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
