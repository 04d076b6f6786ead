"""The Spark lane: a local, session-mode Spark (dbt-spark `method: session`) over a warehouse directory and
an embedded Derby metastore under the test session's workdir.

One dbt process is one JVM, and Derby's embedded metastore admits one JVM at a time, so the test side never
holds a Spark session while dbt runs: it hands its work (create schemas, load frames, run SQL, read tables)
to a short-lived worker process (`python -m support.spark --job FILE`) that opens the same warehouse and
metastore, does the whole batch and exits.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd


def spark_available() -> str | None:
    """None when the Spark lane can run, else the reason it cannot."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (java not on PATH, JAVA_HOME unset); install openjdk-17-jre-headless"
    try:
        import pyspark  # noqa: F401
        import dbt.adapters.spark  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[dev]')"
    return None


def session_parameters(root: Path) -> dict[str, str]:
    """Spark settings of the test lane: small (2 cores, 4 GB driver heap: 2 GB ran out of hash-aggregation memory in driftline__chunk_performance; one shuffle partition, no UI), UTC, and the warehouse
    directory and Derby metastore under root, shared by dbt, `driftline fit` and the worker."""
    root = Path(root)
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": "4g",
        # small data: one shuffle partition, no adaptive re-planning and no whole-stage code generation (its
        # compile time exceeds the work on the test data sets; measured 130 s vs 182 s for driftline__chunk_performance)
        "spark.sql.shuffle.partitions": "1",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root} -Xss16m",
    }


def profile_output(root: Path, schema: str) -> dict:
    return {"type": "spark", "method": "session", "host": "NA", "schema": schema, "threads": 1,
            "server_side_parameters": session_parameters(root)}


class SparkJobs:
    """A batch of work for one worker process: statements, frame loads, and table reads."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.steps: list[dict] = []
        self.staging = self.root / "staging"

    def execute(self, sql: str) -> None:
        self.steps.append({"sql": sql})

    def load(self, schema: str, name: str, frame: pd.DataFrame) -> None:
        self.staging.mkdir(parents=True, exist_ok=True)
        path = self.staging / f"{schema}.{name}.parquet"
        frame.to_parquet(path, index=False)
        self.steps.append({"load": str(path), "schema": schema, "name": name})

    def dump(self, schema: str) -> None:
        """Every table of schema, read back (to root/dump/<schema>/<table>.parquet)."""
        self.steps.append({"dump": schema, "to": str(self.root / "dump" / schema)})

    def query(self, sql: str, to: Path) -> None:
        self.steps.append({"query": sql, "to": str(to)})

    def run(self) -> None:
        if not self.steps:
            return
        job = self.root / "job.json"
        job.write_text(json.dumps({"root": str(self.root), "steps": self.steps}))
        self.steps = []
        here = Path(__file__).resolve().parent.parent
        done = subprocess.run([sys.executable, "-m", "support.spark", "--job", str(job)], cwd=here,
                              capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(here)))
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
            raise RuntimeError(f"Spark worker failed:\n{tail}")


def _work(job_file: str) -> None:
    from pyspark.sql import SparkSession

    job = json.loads(Path(job_file).read_text())
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_parameters(Path(job["root"])).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        for step in job["steps"]:
            if "sql" in step:
                spark.sql(step["sql"])
            elif "load" in step:
                spark.sql(f"create schema if not exists `{step['schema']}`")
                spark.read.parquet(step["load"]).write.mode("overwrite").format("parquet") \
                    .saveAsTable(f"`{step['schema']}`.`{step['name']}`")
            elif "dump" in step:
                out = Path(step["to"])
                if out.exists():
                    shutil.rmtree(out)
                out.mkdir(parents=True)
                for row in spark.sql(f"show tables in `{step['dump']}`").collect():
                    if row.isTemporary:
                        continue
                    spark.table(f"`{step['dump']}`.`{row.tableName}`").toPandas().to_parquet(out / f"{row.tableName}.parquet", index=False)
            elif "query" in step:
                spark.sql(step["query"]).toPandas().to_parquet(step["to"], index=False)
    finally:
        spark.stop()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--job", required=True)
    _work(parser.parse_args().job)
