"""The `driftline` command.

    driftline demo [--rows N] [--dir DIR]
    driftline summary [--project-dir P] [--profiles-dir D] [--target T] [--schema S]

Each subcommand is a function taking the parsed arguments and returning an exit code; add one by writing
``_add_<name>(subparsers)`` and listing it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
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

def dbt_executable() -> str:
    """The dbt installed next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise CliError(f"no dbt executable next to {sys.executable} or on PATH (pip install -e '.[dev]')")
    return found


def run_dbt(*args: str, project_dir: Path, profiles_dir: Path) -> int:
    """Run one dbt command, its output going straight to the terminal. Returns dbt's exit code."""
    cmd = [dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)]
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    print(f"\n$ dbt {' '.join(args)}", flush=True)
    return subprocess.run(cmd, cwd=project_dir, env=env).returncode


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
    p = sub.add_parser("fit", help="fit CBPE, DLE and PCA reconstruction on the reference and write the fitted state (for engines without dbt Python models)",
                       description="Builds the small models the fit reads (dbt run), fits the calibration maps and "
                                   "sampling-error components of every classification monitor with performance metrics, "
                                   "the DLE nanny models (LightGBM) of every regression monitor, and the PCA "
                                   "reconstruction of every monitor with multivariate drift, and writes them to "
                                   "driftline__cbpe_fit, driftline__dle_fit and driftline__pca_fit in the same schema. Run it once per "
                                   "reference or configuration change; "
                                   "schedule only `dbt build`.")
    p.add_argument("--project-dir", type=Path, default=Path("."), help="the dbt project (default: .)")
    p.add_argument("--profiles-dir", type=Path, default=None,
                   help="folder holding profiles.yml (default: $DBT_PROFILES_DIR, the project dir if it has one, ~/.dbt)")
    p.add_argument("--target", default=None, help="profile target (default: the profile's own)")
    p.add_argument("--vars", default=None, help="dbt --vars, if the monitors are passed that way")
    p.add_argument("--seed", type=int, default=0, help="seed of the average_precision bootstrap (default 0)")
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
    inputs = list(dict.fromkeys(name for fit_inputs, _, _ in FITS for name in fit_inputs))
    dbt_args = ["run", "--select", *inputs] + (["--target", args.target] if args.target else []) + (["--vars", args.vars] if args.vars else [])
    code = run_dbt(*dbt_args, project_dir=project_dir, profiles_dir=profiles_dir)
    if code != 0:
        return code
    fitters = {"driftline__cbpe_fit": lambda specs, rows: fit_all(specs, rows, seed=args.seed),
               "driftline__pca_fit": fit_all_reconstruction, "driftline__dle_fit": fit_all_dle}
    warehouse = Warehouse(output, project_dir)
    try:
        for (spec_model, rows_model), table, types in FITS:
            schema = _model_schema(project_dir, spec_model)
            specs, rows = warehouse.read(schema, spec_model), warehouse.read(schema, rows_model)
            try:
                state = fitters[table](specs, rows)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            warehouse.write(schema, table, state[list(types)], types)
            print(f"driftline fit: {len(specs)} monitor(s) fitted, {len(state)} rows written to {schema}.{table}")
    finally:
        warehouse.close()
    return 0


# -- entry point -------------------------------------------------------------------------------------------------

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_demo, _add_summary, _add_fit]


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
