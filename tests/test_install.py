"""The README's install, followed literally by a new user: a fresh virtualenv, `pip install "../driftline[duckdb]"`
from a checkout next to a new dbt project whose packages.yml says `- local: ../driftline`, then `dbt deps`,
`dbt build`, `driftline status` and `driftline report`, each as its console script. Nothing of this process's
environment is used but the Python executable that makes the virtualenv (and the package registries pip reads).

It costs a minute or two (pip installs dbt and DuckDB), so it runs once, in a group of its own that either
worker of `make test` takes when it is free."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from support.dbt import REPO

pytestmark = pytest.mark.install


def readme_block_lines(language: str, start: str) -> list[str]:
    """The lines of the README's first fenced `language` block whose first line starts with `start`."""
    text = (REPO / "README.md").read_text()
    for block in re.findall(rf"```{language}\n(.*?)```", text, flags=re.S):
        lines = textwrap.dedent(block).strip("\n").splitlines()  # the README indents blocks inside a list item
        if lines and lines[0].startswith(start):
            return lines
    raise AssertionError(f"README has no ```{language} block starting with {start!r}")


def command(line: str) -> str:
    """A shell line without its comment."""
    return line.split("#", 1)[0].strip()


def test_readme_install_builds_and_runs_the_cli_in_a_fresh_virtualenv(tmp_path):
    pip_lines = readme_block_lines("sh", "# the same code, as a Python package")
    (local_install,) = [command(l) for l in pip_lines if command(l).startswith('pip install "../driftline[')]
    assert local_install == 'pip install "../driftline[duckdb]"'
    packages = yaml.safe_load("\n".join(readme_block_lines("yaml", "# packages.yml")))["packages"]
    (local_package,) = [p for p in packages if "local" in p]
    assert local_package == {"local": "../driftline"}  # no revision: dbt deps refuses one on a local package
    assert [command(l) for l in pip_lines][-1] == "dbt deps"

    # the checkout (what git tracks, as a clone has it) next to the user's new project
    checkout = tmp_path / "driftline"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in filter(None, tracked.split("\0")):
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON", "DBT_"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", DBT_SEND_ANONYMOUS_USAGE_STATS="false")

    def run(line: str) -> str:
        done = subprocess.run(line, shell=True, cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    run(local_install)
    installed = run("pip list --format=freeze")
    assert "dbt-duckdb==" in installed and "dbt-postgres" not in installed and "pyspark" not in installed

    # a new dbt project on DuckDB, with the demo's monitor over a small generated prediction log
    demo = yaml.safe_load((checkout / "demo" / "dbt_project.yml").read_text())
    (project / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "my_models", "version": "1.0.0", "config-version": 2, "profile": "my_warehouse",
        "vars": demo["vars"]}))
    (project / "packages.yml").write_text(yaml.safe_dump({"packages": [local_package]}))
    (project / "profiles.yml").write_text(yaml.safe_dump({"my_warehouse": {"target": "dev", "outputs": {
        "dev": {"type": "duckdb", "path": "warehouse.duckdb", "schema": "main", "threads": 1}}}}))
    run(f"{bin_dir / 'python'} -c \"from driftline.demo import write_duckdb; write_duckdb('warehouse.duckdb', 8000)\"")

    run("dbt deps")
    run("dbt build")
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results}
    assert len(statuses) > 30 and set(statuses.values()) <= {"success", "pass", "warn"}, statuses
    assert statuses["model.driftline.driftline_performance"] == "success"
    status = run("driftline status")
    assert "loan_default" in status and "latest chunk" in status, status
    report = run("driftline report -o report.html")
    assert "driftline report: wrote " in report and (project / "report.html").stat().st_size > 10_000
