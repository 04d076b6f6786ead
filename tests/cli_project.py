"""A user's dbt project of its own for the command-line tests (test_cli_targets.py, test_notify.py), built once per
engine per test session.

It is set up the way the README tells a user to: driftline installed from this repository through packages.yml,
the monitors in `vars: {driftline: {monitors: [...]}}` of dbt_project.yml, driftline's models moved to a custom
schema (`models: {driftline: {+schema: monitoring}}`, so dbt puts them in `<target schema>_monitoring`), and a
profiles.yml in a folder of its own whose port, path and threads come from environment variables through dbt's
Jinja (`env_var(...) | as_number`, `| as_bool`). The profile's default target ('other') points at a schema where
nothing is built; the built one is 'main'.

Data: 6,000 synthetic car loans (driftline.demo, drift in the last quarter), chunks of 500 rows, a classification
monitor with performance metrics and PCA reconstruction (CBPE and PCA fits) and a regression monitor (a DLE fit).
"""
from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import yaml

from driftline import dbt_runner
from driftline.cli import main
from driftline.demo import ANALYSIS_START_ATTR, generate_car_loan
from driftline.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]
from support.warehouse import PG, postgres_available  # noqa: E402 - the suite's database of this process
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# the engines of the tests, as the rest of the suite chooses them (`make test-fast`: DRIFTLINE_ENGINES=duckdb)
ENGINES = [e for e in os.environ.get("DRIFTLINE_ENGINES", "duckdb,postgres").split(",") if e in ("duckdb", "postgres")]
ROWS, CHUNK = 6000, 500
# PostgreSQL schemas of this test process (dropped when it exits), so that two test runs on one server never meet
RUN = f"dl_cli{os.getpid()}"
DATA_SCHEMA = f"{RUN}_data"
TARGET_SCHEMA = {"duckdb": "main", "postgres": RUN}
OTHER_SCHEMA = {"duckdb": "other", "postgres": f"{RUN}_other"}
MONITORS = ["car_loan", "car_price"]


def require(engine: str) -> None:
    """Skip (with CI=true: fail) when PostgreSQL is unreachable; DuckDB always runs."""
    if engine != "postgres":
        return
    reason = postgres_available()
    if reason:
        if IN_CI:
            pytest.fail(f"PostgreSQL lane is mandatory in CI: {reason}")
        pytest.skip(reason)


def loans() -> pd.DataFrame:
    """The car loans with a regression target beside the classifier's columns (price, price_pred)."""
    frame = generate_car_loan(ROWS, seed=11, drift=True)
    rng = np.random.default_rng(5)
    frame["price"] = np.round(frame["car_value"] * 1.08 + rng.normal(0, 800, ROWS), 2)
    frame["price_pred"] = np.round(frame["car_value"] * 1.08 + rng.normal(0, 900, ROWS), 2)
    return frame


LOAN_TYPES = {"id": "int", "timestamp": "timestamp", "car_value": "float", "salary_range": "text",
              "debt_to_income_ratio": "float", "loan_length": "float", "repaid_loan_on_prev_car": "bool",
              "size_of_downpayment": "text", "driver_tenure": "float", "repaid": "float", "y_pred_proba": "float",
              "y_pred": "int", "price": "float", "price_pred": "float"}


def monitors(boundary: str) -> list[dict]:
    relation = f"{DATA_SCHEMA}.loan_predictions"
    common = {"relation": relation, "timestamp": "timestamp", "id": "id", "chunking": {"size": CHUNK},
              "reference": {"start": "2023-01-01", "end": boundary}}
    return [
        {"name": "car_loan", **common,
         "features": {"continuous": ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"],
                      "categorical": ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]},
         "univariate": {"continuous_methods": ["jensen_shannon", "kolmogorov_smirnov"],
                        "categorical_methods": ["jensen_shannon"]},
         "multivariate": {"methods": ["pca_reconstruction"]},
         "problem_type": "classification_binary", "y_pred_proba": "y_pred_proba", "y_pred": "y_pred", "y_true": "repaid",
         "performance": {"metrics": ["roc_auc", "accuracy", "f1"]}},
        {"name": "car_price", **common,
         "features": {"continuous": ["car_value", "debt_to_income_ratio"], "categorical": ["salary_range"]},
         "univariate": {"continuous_methods": ["jensen_shannon"], "categorical_methods": ["jensen_shannon"]},
         "problem_type": "regression", "y_pred": "price_pred", "y_true": "price",
         "performance": {"metrics": ["mae"], "hyperparameters": {"n_estimators": 20}}},
    ]


def _output(engine: str, schema: str) -> dict:
    """One output of the profile, its connection read from environment variables through dbt's Jinja."""
    threads = "{{ env_var('DRIFTLINE_CLI_THREADS', '1') | as_number }}"
    if engine == "duckdb":
        return {"type": "duckdb", "path": "{{ env_var('DRIFTLINE_CLI_DUCKDB') }}", "schema": schema, "threads": threads,
                "keep_open": "{{ env_var('DRIFTLINE_CLI_KEEP_OPEN', 'False') | as_bool }}"}
    return {"type": "postgres", "host": PG["host"], "port": "{{ env_var('DRIFTLINE_CLI_PGPORT') | as_number }}",
            "user": PG["user"], "password": "{{ env_var('DRIFTLINE_CLI_PGPASSWORD', '') }}", "dbname": PG["dbname"],
            "schema": schema, "threads": threads}


class CliProject:
    """The project, its profiles folder, the environment its profile needs, and helpers to run and query it."""

    def __init__(self, root: Path, engine: str):
        self.engine, self.root = engine, Path(root)
        self.dir, self.profiles_dir = self.root / "project", self.root / "profiles"
        self.dir.mkdir(parents=True)
        self.profiles_dir.mkdir()
        self.duckdb_path = self.root / "warehouse.duckdb"
        self.env = {"DRIFTLINE_CLI_THREADS": "2"}
        self.env.update({"DRIFTLINE_CLI_DUCKDB": str(self.duckdb_path)} if engine == "duckdb"
                        else {"DRIFTLINE_CLI_PGPORT": str(PG["port"])})
        self.schema = f"{TARGET_SCHEMA[engine]}_monitoring"  # where dbt puts driftline's models
        self.other_schema = f"{OTHER_SCHEMA[engine]}_monitoring"

    # -- set-up ----------------------------------------------------------------------------------------------------
    def write_files(self, boundary: str) -> None:
        project = {"name": "driftline_cli", "version": "1.0.0", "config-version": 2, "profile": "driftline_cli",
                   "models": {"driftline": {"+schema": "monitoring"}},
                   "vars": {"driftline": {"monitors": monitors(boundary)}}}
        (self.dir / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
        (self.dir / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(REPO)}]}))
        profile = {"driftline_cli": {"target": "{{ env_var('DRIFTLINE_CLI_TARGET', 'other') }}",
                                     "outputs": {"main": _output(self.engine, TARGET_SCHEMA[self.engine]),
                                                 "other": _output(self.engine, OTHER_SCHEMA[self.engine])}}}
        (self.profiles_dir / "profiles.yml").write_text(yaml.safe_dump(profile, sort_keys=False))

    def connection(self) -> dict:
        if self.engine == "duckdb":
            return {"type": "duckdb", "path": str(self.duckdb_path)}
        return {"type": "postgres", **PG, "password": ""}

    def load(self, frame: pd.DataFrame) -> None:
        if self.engine == "postgres":
            self.drop_schemas()
            atexit.register(self.drop_schemas)
        warehouse = Warehouse(self.connection(), self.root)
        try:
            warehouse.write(DATA_SCHEMA, "loan_predictions", frame[list(LOAN_TYPES)], LOAN_TYPES)
        finally:
            warehouse.close()

    def drop_schemas(self) -> None:
        """PostgreSQL: every schema this project writes (data, target and the dbt-derived ones)."""
        self.execute(*(f"drop schema if exists {schema} cascade" for schema in (
            DATA_SCHEMA, TARGET_SCHEMA["postgres"], self.schema, OTHER_SCHEMA["postgres"], self.other_schema)))

    def build(self) -> None:
        frame = loans()
        self.write_files(frame.attrs[ANALYSIS_START_ATTR])
        self.load(frame)
        self.dbt("deps")
        if self.engine == "postgres":  # no dbt Python models: the fits come from `driftline fit`
            code, out, err = self.cli("fit")
            assert code == 0, out + err
            self.first_fit = out
        self.dbt("build", "--target", "main", "--exclude-resource-type", "test")

    # -- running -----------------------------------------------------------------------------------------------------
    def dbt(self, *args: str) -> dbt_runner.Invocation:
        with mock.patch.dict(os.environ, self.env):
            done = dbt_runner.invoke(list(args), self.dir, self.profiles_dir, echo=False)
        if not done.success:
            raise AssertionError(f"dbt {' '.join(args)} failed:\n" + "\n".join(done.output.splitlines()[-40:]))
        return done

    def cli(self, command: str, *args: str, env: dict | None = None, dirs: bool = True,
            target: str | None = "main") -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of `driftline <command> [--project-dir P --profiles-dir D] [--target T] <args>`,
        run in this process with the profile's environment (plus env; a None value unsets a variable)."""
        argv = [command]
        if dirs:
            argv += ["--project-dir", str(self.dir), "--profiles-dir", str(self.profiles_dir)]
        if target:
            argv += ["--target", target]
        environ = {**self.env, **(env or {})}
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.dict(os.environ, {k: v for k, v in environ.items() if v is not None}):
            for name in [k for k, v in environ.items() if v is None]:
                os.environ.pop(name, None)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main([*argv, *args])
                except SystemExit as exc:  # argparse
                    code = exc.code if isinstance(exc.code, int) else 1
        return code, out.getvalue(), err.getvalue()

    def execute(self, *statements: str) -> None:
        warehouse = Warehouse(self.connection(), self.root)
        try:
            for sql in statements:
                if self.engine == "duckdb":
                    warehouse.conn.execute(sql)
                else:
                    with warehouse.conn.cursor() as cur:
                        cur.execute(sql)
        finally:
            warehouse.close()

    def query(self, sql: str) -> pd.DataFrame:
        """A read-only query (closed right after, so the commands can open the DuckDB file for writing)."""
        warehouse = Warehouse(self.connection(), self.root, read_only=True)
        try:
            return warehouse.query(sql)
        finally:
            warehouse.close()

    def table(self, name: str, schema: str | None = None) -> pd.DataFrame:
        return self.query(f'select * from "{schema or self.schema}"."{name}"')

    def manifest(self) -> dict:
        return json.loads((self.dir / "target" / "manifest.json").read_text())


_BUILT: dict[str, CliProject] = {}


def built(engine: str, tmp_path_factory) -> CliProject:
    """The project on this engine, built on first use and shared by the test modules of this session."""
    require(engine)
    if engine not in _BUILT:
        project = CliProject(tmp_path_factory.mktemp(f"cli_{engine}"), engine)
        project.build()
        _BUILT[engine] = project
    return _BUILT[engine]
