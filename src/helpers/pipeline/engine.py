"""The "warm" papermill engine: one live ipykernel per worker process, reused for every page.

papermill's normal flow stays as it is (parameter injection, the NotebookExecutionManager
with its metadata, error markers, raise_for_execution_errors); only the kernel differs:
instead of starting and stopping one per notebook, the engine keeps one per process and
kernel name, prewarmed once (imports, altair validators, the mart), and resets it before
every page (see kernelside.py). A kernel that died, timed out or could not be reset is
replaced by a fresh one; starting a kernel is retried.

Use it with ``papermill.execute_notebook(..., engine_name="warm")`` after importing this
module (importing registers the engine).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellExecutionError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "warm"
KERNELSIDE = "helpers.pipeline.kernelside"


class KernelStartError(RuntimeError):
    """The kernel could not be started (after retries)."""


class KernelCodeError(RuntimeError):
    """Control code (prewarm/reset) failed inside the kernel."""


class WarmKernel:
    """One ipykernel kept alive across pages, with its manager and client."""

    def __init__(self, kernel_name: str, *, cwd: str | None = None, env: dict[str, str] | None = None,
                 warmup: dict[str, Any] | None = None, start_timeout: float = 60, attempts: int = 3,
                 kernel_log: str | None = None):
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.env = env
        self.warmup = warmup or {"imports": [], "load_mart": False, "mart_dir": None}
        self.start_timeout = start_timeout
        self.attempts = attempts
        self.kernel_log = kernel_log   # where the kernel process's own stdout/stderr go
        self.km: AsyncKernelManager | None = None
        self.kc = None
        self.starts = 0
        self.pages = 0
        self.notes: list[str] = []       # prewarm problems, start retries (for the page logs)
        self.start_seconds = 0.0

    # ---------------------------------------------------------------- lifecycle
    def alive(self) -> bool:
        if self.km is None or self.kc is None:
            return False
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def ensure(self) -> bool:
        """Make sure a prewarmed kernel is running. Returns True if it had to be (re)started."""
        if self.alive():
            return False
        self.shutdown()
        self.start()
        return True

    def start(self) -> None:
        last: BaseException | None = None
        for attempt in range(1, self.attempts + 1):
            t0 = time.perf_counter()
            try:
                self._start_once()
                self.start_seconds = time.perf_counter() - t0
                self.starts += 1
                return
            except Exception as exc:
                last = exc
                self.notes.append(f"Kernelstart Versuch {attempt} fehlgeschlagen: {type(exc).__name__}: {exc}")
                self.shutdown()
                time.sleep(min(2.0 * attempt, 5.0))
        raise KernelStartError(f"Kernel '{self.kernel_name}' ließ sich nach {self.attempts} Versuchen nicht "
                               f"starten: {last}") from last

    def _start_once(self) -> None:
        km = AsyncKernelManager(kernel_name=self.kernel_name)
        self.km = km
        kwargs: dict[str, Any] = {"extra_arguments": ["--HistoryManager.hist_file=:memory:"]}
        if self.cwd:
            kwargs["cwd"] = self.cwd
        if self.env is not None:
            kwargs["env"] = self.env
        if self.kernel_log:
            Path(self.kernel_log).parent.mkdir(parents=True, exist_ok=True)
            with open(self.kernel_log, "ab") as f:
                run_sync(km.start_kernel)(stdout=f, stderr=f, **kwargs)
        else:
            run_sync(km.start_kernel)(**kwargs)
        kc = km.client()
        kc.start_channels()
        self.kc = kc
        run_sync(kc.wait_for_ready)(timeout=self.start_timeout)
        kc.allow_stdin = False
        w = self.warmup
        out = self.run(
            f"print(__import__('json').dumps(__import__({KERNELSIDE!r}, fromlist=['_']).prewarm("
            f"{list(w.get('imports', []))!r}, {w.get('mart_dir')!r}, {bool(w.get('load_mart'))!r})))\n"
            f"__import__({KERNELSIDE!r}, fromlist=['_']).snapshot()",
            timeout=max(self.start_timeout, 300),
        )
        try:
            self.notes += json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            pass

    def shutdown(self) -> None:
        km, kc = self.km, self.kc
        self.km = self.kc = None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        if km is not None:
            try:
                if run_sync(km.is_alive)():
                    run_sync(km.shutdown_kernel)(now=True)
            except Exception:
                pass
            try:
                run_sync(km.cleanup_resources)()
            except Exception:
                pass

    # ---------------------------------------------------------------- control code
    def run(self, code: str, timeout: float = 60) -> str:
        """Execute control code (not stored in history); return its stdout, raise on error."""
        assert self.kc is not None
        texts: list[str] = []
        errors: list[str] = []

        def hook(msg: dict) -> None:
            kind = msg["header"]["msg_type"]
            content = msg["content"]
            if kind == "stream":
                texts.append(content.get("text", ""))
            elif kind == "error":
                errors.append("\n".join(content.get("traceback", [])) or content.get("evalue", ""))

        reply = run_sync(self.kc.execute_interactive)(code, silent=False, store_history=False,
                                                       allow_stdin=False, timeout=timeout, output_hook=hook)
        if reply["content"].get("status") != "ok":
            raise KernelCodeError("\n".join(errors) or str(reply["content"].get("evalue")))
        return "".join(texts)

    def reset(self) -> None:
        self.run(f"__import__({KERNELSIDE!r}, fromlist=['_']).reset()", timeout=60)


class WarmEngine(NBClientEngine):
    """papermill engine that executes notebooks in this process's warm kernel."""

    kernels: dict[str, WarmKernel] = {}
    settings: dict[str, Any] = {}
    last_nb = None                      # the notebook of the last run (also when it failed)
    last_timings: dict[str, float] = {}

    @classmethod
    def configure(cls, *, cwd: str | None = None, env: dict[str, str] | None = None,
                  warmup: dict[str, Any] | None = None, start_timeout: float = 60,
                  kernel_log: str | None = None) -> None:
        cls.shutdown_all()
        cls.settings = {"cwd": cwd, "env": env, "warmup": warmup, "start_timeout": start_timeout,
                        "kernel_log": kernel_log}

    @classmethod
    def kernel(cls, kernel_name: str) -> WarmKernel:
        wk = cls.kernels.get(kernel_name)
        if wk is None:
            wk = cls.kernels[kernel_name] = WarmKernel(kernel_name, **cls.settings)
        return wk

    @classmethod
    def shutdown_all(cls) -> None:
        for wk in cls.kernels.values():
            wk.shutdown()
        cls.kernels = {}

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        cls.last_nb = nb_man.nb
        timings: dict[str, float] = {}
        cls.last_timings = timings
        wk = cls.kernel(kernel_name)
        t0 = time.perf_counter()
        restarted = wk.ensure()
        timings["kernelstart"] = wk.start_seconds if restarted else 0.0
        t1 = time.perf_counter()
        try:
            wk.reset()
        except Exception:   # a kernel that cannot be cleaned is not trusted: take a new one
            wk.shutdown()
            wk.ensure()
            wk.reset()
        t2 = time.perf_counter()
        timings["kernel_bereit"] = t1 - t0
        timings["zuruecksetzen"] = t2 - t1

        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            record_timing=False,
        )
        client = PapermillNotebookClient(nb_man, km=wk.km, **final_kwargs)
        client.kc = wk.kc              # reuse the live client: no new channels per page
        try:
            return client.execute(cleanup_kc=False)
        except CellExecutionError:
            raise
        except BaseException:
            # dead kernel, timeout, interrupted: the kernel may still be busy or gone
            wk.shutdown()
            raise
        finally:
            wk.pages += 1
            timings["ausfuehren"] = time.perf_counter() - t2


papermill_engines.register(ENGINE_NAME, WarmEngine)


def kernel_env(mart_dir: Path) -> dict[str, str]:
    """Environment for page kernels: the mart the run uses (helpers.paths.MART_DIR)."""
    env = dict(os.environ)
    env["HANDBUCH_MART"] = str(mart_dir)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env
