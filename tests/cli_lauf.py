"""The command line in the test process: ``helpers.cli.main`` with captured output.

A ``python -m helpers …`` subprocess spends about a second importing pandas and pyarrow; the
fast suite runs the command's code in-process instead (same parser, same exit codes, same
messages). Tests of process behaviour (exit status of the interpreter, signals, environment
failures) keep a real subprocess.
"""

from __future__ import annotations

import contextlib
import io
import subprocess


def helpers_cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m helpers *args`` in this process; returncode, stdout and stderr like subprocess.run."""
    from helpers.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as exc:          # argparse and explicit exits
            rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if not isinstance(exc.code, (int, type(None))):
                print(exc.code, file=err)
    return subprocess.CompletedProcess(["helpers", *args], rc, out.getvalue(), err.getvalue())
