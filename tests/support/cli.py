"""Run a `driftline` subcommand in-process against a built test project, capturing what it prints."""
from __future__ import annotations

import contextlib
import io


def run_driftline(built, command: str, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `driftline <command> --project-dir <the build's project> ... <args>`."""
    from driftline.cli import main

    directory = str(built.project.dir)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([command, "--project-dir", directory, "--profiles-dir", directory, *args])
    return code, out.getvalue(), err.getvalue()
