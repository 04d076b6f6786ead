"""Every driftline command on a user's dbt project whose profile dbt must render (env_var with defaults,
as_number, as_bool) and whose driftline models dbt moved to `<target schema>_monitoring` (`+schema: monitoring`):
the commands resolve the target through dbt and read the tables where dbt put them (tests/cli_project.py)."""
from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

import pytest

from cli_project import ENGINES, MONITORS, OTHER_SCHEMA, PG, TARGET_SCHEMA, built
from driftline.checkpoint import run_checkpoint
from driftline.target import load_target



@pytest.fixture(scope="module", params=ENGINES)
def project(request, tmp_path_factory):
    return built(request.param, tmp_path_factory)


def _database(project) -> str:
    return "warehouse" if project.engine == "duckdb" else PG["dbname"]


def _reading(project, command: str, schema: str | None = None) -> str:
    return f"driftline {command}: reading driftline tables from {_database(project)}.{schema or project.schema} on "


def _open_alerts(project, monitor: str) -> int:
    return int(project.query(f"select count(*) as n from \"{project.schema}\".driftline_alerts where monitor = '{monitor}' "
                             "and is_latest_chunk and not allow_listed").n.iloc[0])


def test_the_profile_is_rendered_by_dbt(project):
    with mock.patch.dict(os.environ, project.env):
        target = load_target(project.dir, project.profiles_dir, "main")
    assert (target.profile_name, target.target_name, target.type) == ("driftline_cli", "main", project.engine)
    assert target.output["threads"] == 2  # env_var('DRIFTLINE_CLI_THREADS', '1') | as_number, set to "2"
    assert target.output["schema"] == TARGET_SCHEMA[project.engine]
    if project.engine == "postgres":
        assert target.output["port"] == PG["port"] and isinstance(target.output["port"], int)  # | as_number
        assert target.output["password"] == ""  # env_var(..., '') default
    else:
        assert target.output["path"] == str(project.duckdb_path) and target.output["keep_open"] is False  # | as_bool
    assert target.manifest_path == project.dir / "target" / "manifest.json"


def test_dbt_put_the_tables_in_the_custom_schema(project):
    node = next(n for n in project.manifest()["nodes"].values() if n["name"] == "driftline_alerts")
    assert node["schema"] == project.schema == f"{TARGET_SCHEMA[project.engine]}_monitoring"
    tables = set(project.query("select table_name from information_schema.tables where table_schema = "
                               f"'{TARGET_SCHEMA[project.engine]}'").table_name)
    assert "driftline_alerts" not in tables and "driftline_chunks" not in tables  # nothing left in the target schema


def test_status_reads_the_monitoring_schema(project):
    code, out, err = project.cli("status")
    assert code == 0 and not err, err
    lines = out.splitlines()
    assert lines[0].startswith(_reading(project, "status"))
    assert "driftline: ran `dbt parse`" not in out  # dbt build left a fresh manifest
    for monitor in MONITORS:
        headline = next(line for line in lines if line.startswith(f"{monitor}  latest chunk "))
        assert headline == f"{monitor}  latest chunk [2500:2999] (500 rows): {_open_alerts(project, monitor)} alerts"
    code, _, _ = project.cli("status", "--fail-on-alerts")
    assert code == 1 and _open_alerts(project, "car_loan") > 0


def test_summary_reads_the_monitoring_schema(project):
    code, out, err = project.cli("summary")
    assert code == 0 and not err, err
    assert out.splitlines()[0].startswith(_reading(project, "summary"))
    drift = project.table("driftline_univariate_drift").query("period == 'analysis' and monitor == 'car_loan'")
    alerts = drift[drift.alert.astype(bool)]
    block = out.split("monitor car_loan", 1)[1]
    assert (f"    univariate drift  {len(alerts):>4} of {len(drift):,} checks alert, in {alerts.chunk_index.nunique()} "
            "of 6 chunks") in block.splitlines()
    assert f"  {project.schema}.driftline_alerts" not in out  # the listing names the tables where they are
    assert f"  {project.schema}.driftline_univariate_drift" in out


def test_report_reads_the_monitoring_schema(project, tmp_path):
    page = tmp_path / "report.html"
    code, out, err = project.cli("report", "-o", str(page))
    assert code == 0 and not err, err
    assert out.splitlines()[0].startswith(_reading(project, "report"))
    assert re.search(r"driftline report: wrote .*report\.html \(\d+ KiB, \d+ plots, 2 monitor\(s\)\)", out)
    html = page.read_text()
    assert f"driftline tables in {_database(project)}.{project.schema}" in html
    for monitor in MONITORS:
        section = html.split(f'data-monitor="{monitor}"', 1)[1]
        assert f"<b>{_open_alerts(project, monitor)}</b> open alerts" in section.split("</div></div>", 1)[0]


def test_checkpoint_reads_the_monitoring_schema(project):
    code, out, err = project.cli("checkpoint", "--monitor", "car_loan")
    assert code == 1, out + err  # the latest chunk alerts
    assert out.splitlines()[0].startswith("driftline checkpoint (Great Expectations): reading driftline tables from "
                                          f"{_database(project)}.{project.schema} on ")
    n = _open_alerts(project, "car_loan")
    assert (f"    FAIL  monitor car_loan: no alert in the latest chunk that the allow-list does not cover ({n} open "
            "alerts)") in out.splitlines()


def test_fit_says_what_each_fit_did(project):
    if project.engine != "postgres":
        pytest.skip("DuckDB fits in dbt Python models")
    rows = {t: int(project.query(f'select count(*) as n from "{project.schema}".{t}').n.iloc[0])
            for t in ("driftline__cbpe_fit", "driftline__pca_fit", "driftline__dle_fit")}
    s = project.schema
    first = project.first_fit.splitlines()
    assert f"driftline fit: CBPE: 1 monitor(s) fitted (car_loan), 0 kept (unchanged); {rows['driftline__cbpe_fit']} rows written to {s}.driftline__cbpe_fit" in first
    assert f"driftline fit: PCA reconstruction: 1 monitor(s) fitted (car_loan), 0 kept (unchanged); {rows['driftline__pca_fit']} rows written to {s}.driftline__pca_fit" in first
    assert f"driftline fit: DLE: 1 monitor(s) fitted (car_price), 0 kept (unchanged); {rows['driftline__dle_fit']} rows written to {s}.driftline__dle_fit" in first
    code, out, err = project.cli("fit")
    assert code == 0, out + err
    assert f"driftline fit: reading driftline tables from {PG['dbname']}.{s} on postgres " in out
    fit_lines = [line for line in out.splitlines() if line.startswith("driftline fit: ") and " fitted" in line]
    assert fit_lines == [
        f"driftline fit: CBPE: 0 monitor(s) fitted, 1 kept (unchanged: car_loan); {rows['driftline__cbpe_fit']} rows written to {s}.driftline__cbpe_fit",
        f"driftline fit: PCA reconstruction: 0 monitor(s) fitted, 1 kept (unchanged: car_loan); {rows['driftline__pca_fit']} rows written to {s}.driftline__pca_fit",
        f"driftline fit: DLE: 0 monitor(s) fitted, 1 kept (unchanged: car_price); {rows['driftline__dle_fit']} rows written to {s}.driftline__dle_fit",
    ]  # no line for the domain classifier, which no monitor uses


def test_dbt_environment_variables_choose_the_profiles_dir_and_target(project):
    env = {"DBT_PROFILES_DIR": str(project.profiles_dir), "DBT_TARGET": "main", "DBT_PROJECT_DIR": str(project.dir)}
    code, out, err = project.cli("status", env=env, dirs=False, target=None)
    assert code == 0 and not err, err
    assert out.splitlines()[0].startswith(_reading(project, "status"))
    assert "(profile driftline_cli, target main)" in out.splitlines()[0]


def test_the_profile_default_target_is_used_without_one(project):
    """No --target and no DBT_TARGET: the profile's own (env_var default 'other'), a schema with nothing built, so the
    manifest of the 'main' build does not fit and is parsed again for 'other'."""
    code, out, err = project.cli("status", target=None, env={"DBT_TARGET": None, "DRIFTLINE_CLI_TARGET": None})
    other = f"{OTHER_SCHEMA[project.engine]}_monitoring"
    assert code == 2
    assert "driftline: ran `dbt parse` to find the driftline tables" in out and "made for another target" in out
    assert f"driftline: {other}.driftline_chunks does not exist: run `dbt build` first" in err
    code, out, err = project.cli("status", env={"DRIFTLINE_CLI_TARGET": "main"}, target=None)  # the default, from env_var
    assert code == 0, err
    assert f"made for another target: its driftline__all_verdicts is in schema {other}, not {project.schema})" in out
    assert out.splitlines()[1].startswith(_reading(project, "status"))


def test_a_missing_environment_variable_names_it(project):
    variable = "DRIFTLINE_CLI_DUCKDB" if project.engine == "duckdb" else "DRIFTLINE_CLI_PGPORT"
    code, _, err = project.cli("status", env={variable: None})
    assert code == 2
    assert f"dbt cannot load the profile of {project.dir / 'dbt_project.yml'} from {project.profiles_dir / 'profiles.yml'}" in err
    assert f"Env var required but not provided: '{variable}'" in err and "Fix: correct profiles.yml" in err


def test_a_missing_or_stale_manifest_is_parsed_again(project):
    manifest = project.dir / "target" / "manifest.json"
    manifest.unlink()
    code, out, err = project.cli("status")
    assert code == 0, err
    assert f"driftline: ran `dbt parse` to find the driftline tables ({manifest} does not exist)" in out
    assert out.splitlines()[1].startswith(_reading(project, "status"))
    assert manifest.is_file()
    (project.dir / "dbt_project.yml").touch()
    code, out, _ = project.cli("summary")
    assert code == 0 and f"({project.dir / 'dbt_project.yml'} changed after {manifest} was written)" in out
    code, out, _ = project.cli("summary")
    assert code == 0 and "driftline: ran `dbt parse`" not in out  # fresh again


def test_schema_overrides_the_manifest(project):
    code, out, err = project.cli("status", "--schema", project.schema)
    assert code == 0 and out.splitlines()[0].startswith(_reading(project, "status")), err
    code, _, err = project.cli("status", "--schema", TARGET_SCHEMA[project.engine])
    assert code == 2 and f"{TARGET_SCHEMA[project.engine]}.driftline_chunks does not exist" in err


def test_checkpoint_names_why_it_cannot_run_on_spark():
    with pytest.raises(ValueError, match=r"driftline checkpoint runs on duckdb and postgres targets, not 'spark'.*"
                                         r"Fix: gate with the dbt test"):
        run_checkpoint({"type": "spark", "method": "session"}, Path("."), "driftline")


# -- Spark: a dbt-spark `method: session` target ---------------------------------------------------------------------

SPARK_WORKER = r'''
import contextlib, io, json, sys
from pathlib import Path
job = json.loads(Path(sys.argv[1]).read_text())
if job["step"] == "load":
    import pandas as pd
    from driftline.warehouse import Warehouse
    w = Warehouse(job["output"], Path(job["project"]))
    w.write(job["schema"], "loan_predictions", pd.read_parquet(job["parquet"]), job["types"])
    w.close()
else:
    from driftline.cli import main
    from driftline.warehouse import Warehouse
    results = {}
    for name, argv in job["commands"].items():
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        results[name] = [code, out.getvalue(), err.getvalue()]
    w = Warehouse(job["output"], Path(job["project"]), read_only=True)
    results["queries"] = {k: w.query(sql).astype(object).values.tolist() for k, sql in job["queries"].items()}
    w.close()
    Path(job["results"]).write_text(json.dumps(results, default=str))
'''


def _spark_lane() -> None:
    import importlib.util
    import shutil

    from cli_project import IN_CI

    missing = ("no Java runtime" if shutil.which("java") is None and not os.environ.get("JAVA_HOME") else
               "pyspark or dbt-spark is not installed" if not (importlib.util.find_spec("pyspark")
                                                              and importlib.util.find_spec("dbt.adapters.spark")) else None)
    if missing:
        if IN_CI:
            pytest.fail(f"Spark lane is mandatory in CI: {missing}")
        pytest.skip(f"Spark lane skipped: {missing}")


def _spark_job(root: Path, job: dict, env: dict) -> None:
    import json
    import subprocess
    import sys

    path = root / f"job_{job['step']}.json"
    path.write_text(json.dumps(job))
    done = subprocess.run([sys.executable, "-c", SPARK_WORKER, str(path)], capture_output=True, text=True,
                          env={**os.environ, **env})
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


@pytest.mark.spark
def test_status_summary_report_and_notify_on_a_spark_session_target(tmp_path):
    """One small univariate monitor built by dbt-spark (a process of its own: the embedded metastore admits one JVM),
    then status, summary, report and a dry-run notify in one worker process, reading `dl_cli_monitoring`."""
    import json
    import subprocess
    import sys

    import yaml

    from cli_project import DATA_SCHEMA, LOAN_TYPES, REPO, loans
    from driftline.demo import ANALYSIS_START_ATTR

    _spark_lane()
    project, warehouse = tmp_path / "project", tmp_path / "spark"
    project.mkdir()
    parameters = {"spark.master": "local[2]", "spark.driver.memory": "2g", "spark.sql.shuffle.partitions": "2",
                  "spark.ui.enabled": "false", "spark.sql.session.timeZone": "UTC",
                  "spark.sql.warehouse.dir": str(warehouse / "warehouse"),
                  "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={warehouse / 'metastore_db'};create=true",
                  "spark.driver.extraJavaOptions": f"-Dderby.system.home={warehouse}"}
    output = {"type": "spark", "method": "session", "host": "NA", "schema": "dl_cli",
              "threads": "{{ env_var('DRIFTLINE_CLI_THREADS', '1') | as_number }}", "server_side_parameters": parameters}
    frame = loans()
    monitor = {"name": "car_loan", "relation": f"{DATA_SCHEMA}.loan_predictions", "timestamp": "timestamp", "id": "id",
               "chunking": {"size": 500}, "reference": {"start": "2023-01-01", "end": frame.attrs[ANALYSIS_START_ATTR]},
               "features": {"continuous": ["car_value", "driver_tenure"], "categorical": ["salary_range"]},
               "univariate": {"continuous_methods": ["jensen_shannon"], "categorical_methods": ["jensen_shannon"]}}
    (project / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "driftline_cli", "version": "1.0.0", "config-version": 2, "profile": "driftline_cli",
        "models": {"driftline": {"+schema": "monitoring"}}, "vars": {"driftline": {"monitors": [monitor]}}}))
    (project / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(REPO)}]}))
    (project / "profiles.yml").write_text(yaml.safe_dump({"driftline_cli": {"target": "main", "outputs": {"main": output}}}))
    env = {"DRIFTLINE_CLI_THREADS": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    plain = {**output, "threads": 1}
    frame[list(LOAN_TYPES)].to_parquet(tmp_path / "loans.parquet", index=False)
    _spark_job(tmp_path, {"step": "load", "output": plain, "project": str(project), "schema": DATA_SCHEMA,
                          "parquet": str(tmp_path / "loans.parquet"), "types": LOAN_TYPES}, env)
    dbt = str(Path(sys.executable).with_name("dbt"))
    for step in (["deps"], ["build", "--exclude-resource-type", "test"]):
        done = subprocess.run([dbt, *step, "--project-dir", str(project), "--profiles-dir", str(project)],
                              capture_output=True, text=True, env={**os.environ, **env})
        assert done.returncode == 0, done.stdout[-4000:]

    dirs = ["--project-dir", str(project), "--profiles-dir", str(project)]
    results = tmp_path / "results.json"
    alerts = "`dl_cli_monitoring`.`driftline_alerts`"
    _spark_job(tmp_path, {"step": "commands", "output": plain, "project": str(project), "results": str(results),
                          "commands": {"status": ["status", *dirs], "summary": ["summary", *dirs],
                                       "report": ["report", *dirs, "-o", str(tmp_path / "report.html")],
                                       "notify": ["notify", *dirs, "--dry-run"]},
                          "queries": {"open": f"select count(*) from {alerts} where is_latest_chunk and not allow_listed",
                                      "families": f"select family, count(*) from {alerts} where is_latest_chunk and not allow_listed "
                                                  "group by family"}}, env)
    found = json.loads(results.read_text())
    reading = "reading driftline tables from dl_cli_monitoring on spark (session) (profile driftline_cli, target main)"
    for name in ("status", "summary", "report", "notify"):
        code, out, err = found[name]
        assert code == 0, (name, err[-2000:])
        assert f"driftline {name}: {reading}" in out, (name, out[:500])
    n_open = int(found["queries"]["open"][0][0])
    assert f"car_loan  latest chunk [2500:2999] (500 rows): {n_open} alerts" in found["status"][1]
    assert f"driftline: car_loan has {n_open} open alert(s) in chunk [2500:2999]" in found["notify"][1]
    counts = dict((family, int(n)) for family, n in found["queries"]["families"])
    per_family = ", ".join(f"{f} {counts[f]}" for f in ("univariate_drift", "data_quality", "summary_stats") if f in counts)
    assert f"Alerts per family: {per_family}" in found["notify"][1]
    assert "driftline report: wrote " in found["report"][1] and "1 monitor(s))" in found["report"][1]
    assert "  dl_cli_monitoring.driftline_univariate_drift  " in found["summary"][1]
