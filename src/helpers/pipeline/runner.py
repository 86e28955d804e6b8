"""``python -m helpers run``: execute the page notebooks, incrementally and in parallel.

The parent process plans (parameter files + mart -> pages), compares cache keys with the
manifest, removes stale pages and hands the rest to a pool of worker processes. Each
worker keeps one warm kernel (engine.py) and executes its pages through papermill; it
writes the finished page atomically and one log per page (logs/pages/<set>/<id>.log).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import fmt
from helpers.eingabefehler import abbruch
from helpers.pipeline import cache
from helpers.pipeline.config import ConfigError, Page, Plan, entities_from_mart, load_plan

LOG_ROOT = Path("logs/pages")


# --------------------------------------------------------------------------- worker side

_worker: dict[str, Any] = {}


def init_worker(settings: dict[str, Any]) -> None:
    """Pool initializer: configure the warm engine and start + prewarm the kernel now."""
    from multiprocessing.util import Finalize

    from helpers.pipeline.engine import WarmEngine

    _worker.update(settings)
    try:   # die with the page runner even if it is killed with SIGKILL (its kernel then follows:
        import ctypes  # ipykernel's parent poller and the runner's subreaper, see helpers.cli)
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    WarmEngine.configure(cwd=settings["root"], env=settings["env"], warmup=settings["warmup"],
                         start_timeout=settings["start_timeout"], kernel_log=settings["kernel_log"])
    Finalize(None, WarmEngine.shutdown_all, exitpriority=100)
    try:
        WarmEngine.kernel(settings["kernel_name"]).ensure()
    except Exception:
        pass  # retried (and reported in the page log) when the first page needs it


def _fmt_s(x: float) -> str:
    return fmt.zahl(x, 2, " s")


def run_page(task: dict[str, Any]) -> dict[str, Any]:
    """Execute one page in this worker's warm kernel. Never raises: returns a result dict."""
    import papermill as pm

    from helpers.pipeline.engine import ENGINE_NAME, WarmEngine
    from helpers.pipeline.notebook import finalize, template_cell_ids

    root = Path(_worker.get("root") or task["root"])
    t_start = time.perf_counter()
    log_path = root / task["log"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    failed_nb = log_path.with_suffix(".ipynb")
    result: dict[str, Any] = {"output": task["output"], "key": task["key"], "ok": False,
                              "pid": os.getpid(), "log": task["log"]}
    with open(log_path, "w", encoding="utf-8") as log:
        log.write(f"Seite:      {task['set']}={task['id']}\n"
                  f"Titel:      {task['title']}\n"
                  f"Vorlage:    {task['template']}\n"
                  f"Ausgabe:    {task['output']}\n"
                  f"Parameter:  {cache.canonical(task['parameters'])}\n"
                  f"Schlüssel:  {task['key']}\n"
                  f"Prozess:    {os.getpid()}\n\n--- Ausgaben der Seite ---\n")
        log.flush()
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        pm_log = logging.getLogger("papermill")
        pm_log.addHandler(handler)
        pm_log.setLevel(logging.INFO)
        pm_log.propagate = False
        WarmEngine.last_nb = None
        WarmEngine.last_timings = {}
        t_write = 0.0
        try:
            nb = pm.execute_notebook(
                str(root / task["template"]), None, parameters=task["parameters"],
                engine_name=ENGINE_NAME, progress_bar=False, request_save_on_cell_execute=False,
                stdout_file=log, stderr_file=log, start_timeout=task["start_timeout"],
                execution_timeout=task["timeout"],
            )
            t0 = time.perf_counter()
            data = finalize(nb, task["title"], input_path=task["template"], output_path=task["output"],
                            template_ids=template_cell_ids(root / task["template"]))
            cache.atomic_write_bytes(root / task["output"], data)
            t_write = time.perf_counter() - t0
            result.update(ok=True, sha256=hashlib.sha256(data).hexdigest())
            failed_nb.unlink(missing_ok=True)
        except Exception as exc:
            log.write("\n--- FEHLER ---\n")
            log.write("".join(traceback.format_exception(exc)))
            result["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
            if WarmEngine.last_nb is not None:
                try:
                    import nbformat

                    nbformat.write(WarmEngine.last_nb, str(failed_nb))
                    log.write(f"\nDas ausgeführte Notebook mit dem Fehler: {failed_nb.relative_to(root)}\n")
                except Exception:
                    pass
        finally:
            pm_log.removeHandler(handler)
        wk = next(iter(WarmEngine.kernels.values()), None)
        tm = WarmEngine.last_timings
        total = time.perf_counter() - t_start
        result["seconds"] = total
        result["exec_seconds"] = tm.get("ausfuehren", 0.0)
        log.write("\n--- Zeiten ---\n")
        if tm.get("kernelstart"):
            log.write(f"Kernelstart (mit Vorwärmen): {_fmt_s(tm['kernelstart'])}\n")
        log.write(f"Kernel bereit:   {_fmt_s(tm.get('kernel_bereit', 0.0))}\n"
                  f"Zurücksetzen:    {_fmt_s(tm.get('zuruecksetzen', 0.0))}\n"
                  f"Ausführen:       {_fmt_s(tm.get('ausfuehren', 0.0))}\n"
                  f"Schreiben:       {_fmt_s(t_write)}\n"
                  f"Gesamt:          {_fmt_s(total)}\n")
        if wk is not None:
            log.write(f"Kernel: {wk.starts} Start(s), {wk.pages}. Seite in diesem Kernel\n")
            for note in wk.notes:
                log.write(f"Hinweis: {note}\n")
        log.write("Ergebnis: " + ("OK\n" if result["ok"] else "FEHLGESCHLAGEN\n"))
    return result


# --------------------------------------------------------------------------- parent side


@dataclass
class Summary:
    planned: int = 0
    selected: int = 0
    executed: int = 0
    cached: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)   # label, log, error
    seconds: float = 0.0
    exec_seconds: list[float] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def render(self) -> str:
        n = lambda k, one, many: f"{k} {one if k == 1 else many}"  # noqa: E731
        lines = [
            f"Seiten: {self.selected} von {self.planned} ausgewählt – {self.executed} ausgeführt, "
            f"{self.cached} unverändert (aus dem Zwischenspeicher), {len(self.failed)} fehlgeschlagen"
            f" – {fmt.sekunden(self.seconds)}"
        ]
        if self.reasons:
            lines.append("Grund der Ausführung: " + ", ".join(
                f"{k} ({v})" for k, v in sorted(self.reasons.items(), key=lambda kv: -kv[1])))
        if self.removed:
            lines.append(f"Entfernt: {n(len(self.removed), 'veraltete Seite', 'veraltete Seiten')} "
                         "(nicht mehr im Datenbestand oder in den Parameterdateien).")
        if self.failed:
            lines.append("Fehlgeschlagene Seiten (Details im Protokoll):")
            lines += [f"  {label:<28} {log}\n      {err}" for label, log, err in self.failed]
        return "\n".join(lines)


def _kernel_name(root: Path, template: str) -> str:
    import json

    with open(root / template, encoding="utf-8") as f:
        md = json.load(f).get("metadata", {})
    return md.get("kernelspec", {}).get("name") or "python3"


def _rel_or_abs(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path.resolve())


def _parse_only(values: list[str], plan: Plan) -> set[str] | None:
    if not values:
        return None
    by_set: dict[str, set[str]] = {}
    for p in plan.pages:
        by_set.setdefault(p.set, set()).add(p.id)
    chosen: set[str] = set()
    for v in values:
        if "=" not in v:
            raise ConfigError(f"--only {v}: bitte als SATZ=ID angeben, z. B. --only jobcenter=05315.")
        s, i = v.split("=", 1)
        if s not in by_set:
            raise ConfigError(f"--only {v}: den Seitensatz '{s}' gibt es nicht "
                              f"(vorhanden: {', '.join(sorted(by_set))}).")
        if i not in by_set[s]:
            raise ConfigError(f"--only {v}: im Seitensatz '{s}' gibt es keine Seite '{i}'.")
        chosen.add(f"{s}={i}")
    return chosen


def _inside(path: Path, folder: Path) -> bool:
    """path (after resolving '..' and links) lies inside folder."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _remove_stale(root: Path, plan: Plan, manifest: cache.Manifest) -> list[str]:
    """Delete pages whose entity or declaration disappeared: only files the manifest says the
    runner wrote, and only inside book/seiten (logs inside logs/pages)."""
    planned = {p.output for p in plan.pages}
    pages_root, log_root = root / "book" / "seiten", root / LOG_ROOT
    removed: list[str] = []
    for out in [o for o in manifest.entries if o not in planned]:
        entry = manifest.entries[out]
        if _inside(root / out, pages_root) and str(out).endswith(".ipynb"):
            (root / out).unlink(missing_ok=True)
        if entry.get("set") and entry.get("id"):
            log = log_root / str(entry["set"]) / f"{entry['id']}.log"
            if _inside(log, log_root):
                log.unlink(missing_ok=True)
        manifest.forget(out)
        removed.append(out)
    return removed


def _progress(total: int):
    from tqdm import tqdm

    tty = sys.stderr.isatty()
    return tqdm(total=total, desc="Seiten", unit="Seite", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5 if tty else 15.0, disable=total == 0)


def execute(args: argparse.Namespace) -> int:
    from helpers import paths

    t_run = time.perf_counter()
    root = Path(args.root).resolve() if args.root else Path(paths.ROOT).resolve()
    if args.mart:
        mart_dir = Path(args.mart).resolve()
    elif args.root:
        mart_dir = root / "data" / "processed"
    else:
        mart_dir = Path(paths.MART_DIR).resolve()
    try:
        entities = entities_from_mart(mart_dir)
        plan = load_plan(root, entities, mart_param=_rel_or_abs(mart_dir, root))
        only = _parse_only(args.only or [], plan)
    except ConfigError as exc:
        print(f"Fehler in den Seitenparametern:\n{exc}", file=sys.stderr)
        print(abbruch("keine Seite wurde ausgeführt."), file=sys.stderr)
        return 2

    import helpers

    # the helpers code and the site's shape (links between pages follow pages.yml's outputs)
    source_sha = cache.with_site(cache.source_digest(Path(helpers.__file__).parent), plan.site)
    data_sha = cache.data_digest(mart_dir)
    tpl_sha = {t: cache.file_sha256(root / t) for t in {p.template for p in plan.pages}}
    manifest = cache.Manifest(root / cache.MANIFEST)
    summary = Summary(planned=len(plan.pages))
    cache.clean_dead_temps(root / "book" / "seiten")
    cache.clean_dead_temps(manifest.path.parent)
    summary.removed = _remove_stale(root, plan, manifest)

    selected = [p for p in plan.pages if only is None or p.label in only]
    summary.selected = len(selected)
    keys = {p.output: cache.page_key(template_sha=tpl_sha[p.template], source_sha=source_sha,
                                     data_sha=data_sha, parameters=p.parameters, title=p.title,
                                     output=p.output) for p in selected}
    parts = {p.output: {"template": tpl_sha[p.template], "source": source_sha, "data": data_sha}
             for p in selected}
    todo: list[Page] = []
    for p in selected:
        reason = "--force" if args.force else manifest.stale_reason(root, p.output, keys[p.output],
                                                                    parts[p.output])
        if reason is None:
            summary.cached += 1
        else:
            todo.append(p)
            summary.reasons[reason] = summary.reasons.get(reason, 0) + 1

    if todo:
        try:
            _run_pool(args, root, mart_dir, plan, todo, keys, parts, manifest, summary)
        finally:
            manifest.save()
    elif summary.removed:
        manifest.save()
    summary.seconds = time.perf_counter() - t_run
    print(summary.render(), file=sys.stderr if summary.failed else sys.stdout)
    return 1 if summary.failed else 0


def _run_pool(args, root: Path, mart_dir: Path, plan: Plan, todo: list[Page], keys: dict[str, str],
              parts: dict[str, dict[str, str]], manifest: cache.Manifest, summary: Summary) -> None:
    from helpers.pipeline.engine import kernel_env

    jobs = max(1, min(args.jobs or (os.cpu_count() or 1), len(todo)))
    settings = {
        "root": str(root),
        "env": kernel_env(mart_dir),
        "kernel_log": str(root / LOG_ROOT / "kernels.log"),
        "warmup": {"imports": plan.warmup.imports, "load_mart": plan.warmup.load_mart,
                   "mart_dir": str(mart_dir)},
        "start_timeout": args.start_timeout,
        "kernel_name": _kernel_name(root, todo[0].template),
    }
    tasks = [{
        "root": str(root), "set": p.set, "id": p.id, "template": p.template, "output": p.output,
        "title": p.title, "parameters": p.parameters, "log": p.log, "key": keys[p.output],
        "timeout": args.timeout, "start_timeout": args.start_timeout,
    } for p in todo]
    by_output = {p.output: p for p in todo}
    kernel_log = Path(settings["kernel_log"])
    kernel_log.parent.mkdir(parents=True, exist_ok=True)
    kernel_log.write_text("", encoding="utf-8")   # the kernels of this run append their own output
    ctx = multiprocessing.get_context("spawn")
    bar = _progress(len(tasks))
    done_since_save = 0
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=init_worker,
                             initargs=(settings,)) as pool:
        futures = {pool.submit(run_page, t): t for t in tasks}
        try:
            for fut in as_completed(futures):
                task = futures[fut]
                page = by_output[task["output"]]
                try:
                    res = fut.result()
                except Exception as exc:   # the worker process itself died
                    res = {"ok": False, "error": f"Arbeitsprozess abgebrochen: {type(exc).__name__}: {exc}",
                           "log": task["log"]}
                if res.get("ok"):
                    summary.executed += 1
                    summary.exec_seconds.append(res.get("exec_seconds", 0.0))
                    manifest.record(page.output, res["key"], res["sha256"], page.set, page.id,
                                    parts[page.output])
                else:
                    manifest.forget(page.output)   # run again next time
                    summary.failed.append((page.label, res.get("log", page.log), res.get("error", "")))
                    bar.write(f"Fehlgeschlagen: {page.label} – Protokoll: {res.get('log', page.log)}",
                              file=sys.stderr)
                bar.update(1)
                done_since_save += 1
                if done_since_save >= 50:
                    manifest.save()
                    done_since_save = 0
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            raise
        finally:
            bar.close()
