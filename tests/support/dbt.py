"""Run dbt on the test project (tests/project, which installs driftline from this repository)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from . import spark
from .warehouse import PG

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "tests" / "project"
DBT = str(Path(sys.executable).with_name("dbt"))
DRIFTLINE = str(Path(sys.executable).with_name("driftline"))
PYTHON_MODEL_ADAPTERS = {"duckdb"}


class DbtError(AssertionError):
    """dbt exited non-zero; the message carries the tail of its output."""


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
            extra_vars: dict | None = None) -> subprocess.CompletedProcess:
        cmd = [DBT, *args, "--project-dir", str(self.dir), "--profiles-dir", str(self.dir)]
        if monitors is not None or extra_vars:
            cmd += ["--vars", json.dumps({**({"monitors": monitors} if monitors is not None else {}), **(extra_vars or {})})]
        env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
        done = subprocess.run(cmd, cwd=self.dir, env=env, capture_output=True, text=True)
        failed = done.returncode != 0
        if failed != expect_fail:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
            raise DbtError(f"dbt {' '.join(args)} {'succeeded' if not failed else 'failed'} unexpectedly:\n{tail}")
        return done

    def build(self, monitors: list, *extra: str) -> subprocess.CompletedProcess:
        if self.adapter not in PYTHON_MODEL_ADAPTERS and any(m.get("performance") or m.get("multivariate") for m in monitors):
            self.fit(monitors)
        return self.run("build", *extra, monitors=monitors)

    def fit(self, monitors: list, expect_fail: bool = False) -> subprocess.CompletedProcess:
        """`driftline fit`: the CBPE fitted state for adapters without dbt Python models."""
        cmd = [DRIFTLINE, "fit", "--project-dir", str(self.dir), "--profiles-dir", str(self.dir), "--vars", json.dumps({"monitors": monitors})]
        done = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True,
                              env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1"))
        if (done.returncode != 0) != expect_fail:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
            raise DbtError(f"driftline fit {'failed' if done.returncode else 'succeeded'} unexpectedly:\n{tail}")
        return done
