"""Run a `driftline` subcommand in-process against a built test project, capturing what it prints."""
from __future__ import annotations

from .dbt import run_cli


def run_driftline(built, command: str, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `driftline <command> --project-dir <the build's project> ... <args>`."""
    directory = str(built.project.dir)
    return run_cli([command, "--project-dir", directory, "--profiles-dir", directory, *args])
