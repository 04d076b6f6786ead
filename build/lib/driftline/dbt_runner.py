"""dbt, run in this process through dbt's programmatic API (`dbt.cli.main.dbtRunner`).

One Python start-up and import of dbt serves every invocation, the project's `target/` is kept so dbt's partial
parsing applies to repeated calls with the same vars, and what each node did is read from the
`target/run_results.json` that invocation wrote (never from dbt's log text).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@dataclass(frozen=True)
class NodeResult:
    """One node of run_results.json: a model, seed or data test, its status and (tests) failing-row count."""
    unique_id: str
    status: str          # success | error | skipped (models); pass | warn | fail | error | skipped (tests)
    failures: int | None
    message: str | None

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[-1] if not self.unique_id.startswith("test.") else self.unique_id.split(".")[2]

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".")[0]


@dataclass
class Invocation:
    """What one dbt command did: its success, the error that stopped it, its log lines and node results."""
    args: list[str]
    success: bool
    error: str = ""
    log: list[str] = field(default_factory=list)
    results: list[NodeResult] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "\n".join(self.log + ([self.error] if self.error else []))

    def node(self, name: str) -> NodeResult:
        """The result of the node called `name` (a model, seed or test name); AssertionError if none or several."""
        found = [r for r in self.results if r.name == name]
        if len(found) != 1:
            known = ", ".join(sorted(r.name for r in self.results)[:60])
            raise AssertionError(f"dbt {' '.join(self.args[:1])}: {len(found)} nodes named {name!r} in run_results.json "
                                 f"(nodes: {known})")
        return found[0]

    def statuses(self, resource_type: str | None = None) -> dict[str, str]:
        return {r.name: r.status for r in self.results if resource_type in (None, r.resource_type)}


def read_run_results(target_dir: Path) -> list[NodeResult]:
    path = Path(target_dir) / "run_results.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    return [NodeResult(r["unique_id"], r["status"], r.get("failures"), r.get("message")) for r in data.get("results", [])]


def release_duckdb() -> None:
    """dbt-duckdb keeps its database open for the life of the process (a class attribute closed at exit);
    close it so that this process, or another one, can open the file with other settings (read-only)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    env = getattr(DuckDBConnectionManager, "_ENV", None)
    if env is not None:
        try:
            env.close()
        finally:
            DuckDBConnectionManager._ENV = None


def invoke(args: list[str], project_dir: Path, profiles_dir: Path, echo: bool = True,
           target_path: str = "target") -> Invocation:
    """Run `dbt <args> --project-dir P --profiles-dir D` in this process. echo=False keeps dbt's log off the
    terminal (it is still collected in Invocation.log)."""
    from dbt.cli.main import dbtRunner

    project_dir, profiles_dir = Path(project_dir), Path(profiles_dir)
    stale = project_dir / target_path / "run_results.json"
    if stale.exists():
        stale.unlink()
    log: list[str] = []

    def collect(event) -> None:
        if event.info.level != "debug" and event.info.msg:
            log.append(str(event.info.msg))

    full = [*args, "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)]
    if not echo:
        full.insert(0, "--quiet")
        full.insert(1, "--no-print")
    try:
        result = dbtRunner(callbacks=[collect]).invoke(full)
    finally:
        release_duckdb()
    error = "" if result.exception is None else str(result.exception)
    return Invocation(list(args), bool(result.success), error, log, read_run_results(project_dir / target_path))
