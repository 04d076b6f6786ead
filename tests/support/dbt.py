"""Run dbt on the test project (tests/project, which installs driftline from this repository).

dbt runs in the test process (driftline.dbt_runner, dbt's programmatic API), so an invocation pays no
interpreter start-up, and a project copy keeps its target/ so that repeated calls with the same monitors
partially parse. Verdicts come from each invocation's run_results.json (Invocation.node / .statuses), never
from dbt's log text. Spark runs dbt in a child process: dbt-spark's session and the test side's Spark worker
share an embedded metastore that admits one JVM at a time (support/spark.py).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from driftline import dbt_runner
from driftline.dbt_runner import Invocation, read_run_results

from . import spark
from .warehouse import PG

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "tests" / "project"
DBT = str(Path(sys.executable).with_name("dbt"))
DRIFTLINE = str(Path(sys.executable).with_name("driftline"))
PYTHON_MODEL_ADAPTERS = {"duckdb"}
# A build makes the tables; the package's own data tests (89 of them) run once per engine on the builds that
# assert on them (tests/test_package_tests.py), not on every build.
BUILD_WITHOUT_TESTS = ("--exclude-resource-type", "test")


class DbtError(AssertionError):
    """dbt exited non-zero (or succeeded where it should have failed); the message carries its output's tail."""


class DbtProject:
    """A working copy of tests/project bound to one adapter and one output schema."""

    def __init__(self, workdir: Path, adapter: str, schema: str, duckdb_path: str | None = None, variant: str = "",
                 spark_root: Path | None = None):
        self.adapter, self.schema, self.duckdb_path = adapter, schema, duckdb_path
        self.dir = Path(workdir) / f"project_{adapter}_{schema}{'_' + variant if variant else ''}"
        if self.dir.exists():
            shutil.rmtree(self.dir)
        shutil.copytree(PROJECT, self.dir, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs"))
        (self.dir / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(REPO)}]}))
        output = {"type": adapter, "threads": 2}
        if adapter == "duckdb":
            output.update(path=duckdb_path, schema=schema)
        elif adapter == "spark":
            output = spark.profile_output(spark_root or Path(workdir) / "spark", schema)
        else:
            output.update(host=PG["host"], port=PG["port"], user=PG["user"], password="", dbname=PG["dbname"], schema=schema)
        profiles = {"driftline_tests": {"target": "test", "outputs": {"test": output}}}
        (self.dir / "profiles.yml").write_text(yaml.safe_dump(profiles))
        self.run("deps")

    def run(self, *args: str, monitors: list | None = None, expect_fail: bool = False,
            extra_vars: dict | None = None) -> Invocation:
        """`dbt <args>` with the monitors (and extra vars) as --vars. DbtError unless it fails exactly when
        expect_fail says so."""
        cmd = list(args)
        if monitors is not None or extra_vars:
            cmd += ["--vars", json.dumps({**({"monitors": monitors} if monitors is not None else {}), **(extra_vars or {})},
                                         sort_keys=True)]
        done = self._invoke(cmd)
        if (not done.success) != expect_fail:
            tail = "\n".join(done.output.splitlines()[-40:])
            raise DbtError(f"dbt {' '.join(args)} {'succeeded' if done.success else 'failed'} unexpectedly:\n{tail}")
        return done

    def _invoke(self, cmd: list[str]) -> Invocation:
        if self.adapter != "spark":
            return dbt_runner.invoke(cmd, self.dir, self.dir, echo=False)
        stale = self.dir / "target" / "run_results.json"
        if stale.exists():
            stale.unlink()
        done = subprocess.run([DBT, *cmd, "--project-dir", str(self.dir), "--profiles-dir", str(self.dir)], cwd=self.dir,
                              capture_output=True, text=True, env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false"))
        return Invocation(cmd, done.returncode == 0, done.stderr.strip(), done.stdout.splitlines(),
                          read_run_results(self.dir / "target"))

    def build(self, monitors: list, *extra: str, tests: bool = False) -> Invocation:
        """Seeds and models (and the fit first where the adapter has no dbt Python models); tests=True also
        runs the package's data tests, which a caller then asserts on through the Invocation."""
        if self.adapter not in PYTHON_MODEL_ADAPTERS and any(m.get("performance") or m.get("multivariate") for m in monitors):
            self.fit(monitors)
        return self.run("build", *extra, *(() if tests else BUILD_WITHOUT_TESTS), monitors=monitors)

    def manifest_tests(self) -> list[str]:
        """unique_ids of the data tests the last parse found (target/manifest.json)."""
        nodes = json.loads((self.dir / "target" / "manifest.json").read_text())["nodes"]
        return sorted(uid for uid, node in nodes.items() if node["resource_type"] == "test")

    def fit(self, monitors: list, expect_fail: bool = False, *extra: str) -> "FitRun":
        """`driftline fit`: the fitted state for adapters without dbt Python models, run as the user runs it."""
        cmd = ["fit", "--project-dir", str(self.dir), "--profiles-dir", str(self.dir),
               "--vars", json.dumps({"monitors": monitors}, sort_keys=True), *extra]
        if self.adapter == "spark":  # its own JVM (see the module docstring)
            done = subprocess.run([DRIFTLINE, *cmd], cwd=self.dir, capture_output=True, text=True,
                                  env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false"))
            run = FitRun(done.returncode, done.stdout, done.stderr)
        else:
            run = FitRun(*run_cli(cmd))
        if (run.returncode != 0) != expect_fail:
            tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
            raise DbtError(f"driftline fit {'failed' if run.returncode else 'succeeded'} unexpectedly:\n{tail}")
        return run


class FitRun:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `driftline <argv>`, run in this process as the console script runs it."""
    import contextlib
    import io

    from driftline.cli import build_parser, main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            build_parser().parse_args(argv)
        except SystemExit as exc:  # argparse: usage errors and --help, as the console script exits
            return (exc.code if isinstance(exc.code, int) else 1), out.getvalue(), err.getvalue()
        # past argparse, a SystemExit is a bug (a library exiting the process), never a verdict: it propagates
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def failing_rows(project: DbtProject, warehouse, test_name: str, monitors: list):
    """Run one data test with --store-failures: (its NodeResult from run_results.json, the rows it failed on,
    read back from the audit table dbt wrote them to)."""
    done = project.run("test", "--select", test_name, "--store-failures", monitors=monitors)
    result = done.node(test_name)
    rows = warehouse.table(f"{project.schema}_dbt_test__audit", test_name) if result.failures else None
    return result, rows
