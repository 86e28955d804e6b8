"""A local Jupyter server for the explorer (Voilà app or JupyterLab), started and awaited once.

Shared by the browser benchmark (scripts/bench_explorer.py) and the browser tests
(tests/test_app.py, tests/test_lab.py): start the server in its own process group, wait until
``bereit_url`` answers (or fail with the end of its log), and stop the whole group (server and
kernels) afterwards. ``voila_befehl`` is the command of `make explorer`; ``warte_auf_app``
waits in a Playwright page until the app's kernel has drawn the first chart.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from helpers import fmt, paths

LAB_ENV = paths.ROOT / ".venv-lab"
APP_TEMPLATES = paths.NOTEBOOKS / "app"     # JUPYTER_PATH of `make explorer` (template "explorer")
ERSTES_DIAGRAMM = "K2 Integrationsquote"    # title of the app's first chart (default selection)


class ServerFehler(RuntimeError):
    """The server ended or did not answer in time; the message carries the end of its log."""


def freier_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def voila_befehl(notebook: Path | str, port: int) -> list[str]:
    """The Voilà command line of `make explorer` for a notebook and port."""
    return [str(LAB_ENV / "bin" / "voila"), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
            "--theme=light", "--template=explorer", str(notebook)]


def _log_ende(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-3000:]
    except OSError:
        return ""


@contextmanager
def server(befehl: Sequence[str], bereit_url: str, *, cwd: Path, env: dict, log: Path,
           timeout: float = 120) -> Iterator[subprocess.Popen]:
    """Run ``befehl`` until the block ends; enter the block once ``bereit_url`` answers."""
    log_datei = Path(log).open("w", encoding="utf-8")
    proc = subprocess.Popen(list(befehl), cwd=cwd, env=env, stdout=log_datei, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        ende = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(bereit_url, timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise ServerFehler(f"Server beendet (Status {proc.returncode}):\n{_log_ende(log)}") from None
                if time.monotonic() > ende:
                    raise ServerFehler(f"Server antwortet nicht nach {fmt.zahl(timeout, 0, ' s')}:\n{_log_ende(log)}") from None
                time.sleep(0.3)
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)   # the server and the kernels it started
        except ProcessLookupError:
            pass
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log_datei.close()


@contextmanager
def voila(notebook: Path | str, *, cwd: Path, log: Path, env: dict | None = None,
          timeout: float = 120) -> Iterator[str]:
    """The explorer app as `make explorer` serves it, on a free port; yields its URL."""
    port = freier_port()
    env = dict(os.environ if env is None else env)
    env.setdefault("HANDBUCH_ROOT", str(paths.ROOT))
    env["JUPYTER_PATH"] = str(APP_TEMPLATES)
    env.pop("HANDBUCH_DIAGRAMME", None)
    url = f"http://127.0.0.1:{port}/"
    with server(voila_befehl(notebook, port), url + "voila/static/voila.js", cwd=Path(cwd), env=env, log=log,
                timeout=timeout):
        yield url


def warte_auf_app(page, timeout_ms: float = 120_000) -> None:
    """Wait in a Playwright page until the app's kernel is ready: its first chart is drawn."""
    page.locator(".vega-embed svg text", has_text=ERSTES_DIAGRAMM).first.wait_for(timeout=timeout_ms)
