"""``python -m helpers <command>``: one sub-command per module that owns it.

Each module listed in COMMAND_MODULES exposes ``register(subparsers)``, which adds its
sub-command(s) and sets ``func`` to a callable taking the parsed args and returning an
exit status. User-facing messages are German.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import re
import sys

from helpers.eingabefehler import abbruch

# command -> the module that registers it; only that module is imported when the command runs
COMMANDS = {
    "compute": "helpers.berechnung",
    "mart": "helpers.mart",
    "demo": "helpers.demo",
    "run": "helpers.pipeline",
    "toc": "helpers.book",
    "build": "helpers.book",
    "downloads": "helpers.downloads",
    "monthly": "helpers.publish",
    "ausgaben": "helpers.publish.store",
}
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known ``command`` only its module is imported (else all, for the help)."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Kennzahlen-Handbuch SGB II: Berechnung, Seiten und Buch.",
    )
    sub = parser.add_subparsers(dest="command", metavar="BEFEHL")
    sub.required = True
    for name in [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


# errno -> German reason (the English strerror never reaches the user)
_ERRNO_DE = {
    errno.ENOSPC: "kein Platz mehr auf dem Datenträger",
    errno.EDQUOT: "Speicherkontingent (Quota) erschöpft",
    errno.EROFS: "der Datenträger ist schreibgeschützt (nur lesbar eingebunden)",
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "Vorgang nicht erlaubt",
    errno.ENOENT: "Datei oder Ordner nicht gefunden",
    errno.EEXIST: "Datei oder Ordner existiert bereits",
    errno.ENOTDIR: "ein Teil des Pfads ist kein Ordner",
    errno.EISDIR: "ist ein Ordner, keine Datei",
    errno.ENOTEMPTY: "der Ordner ist nicht leer",
    errno.EXDEV: "Verschieben über Datenträgergrenzen nicht möglich",
    errno.EMFILE: "zu viele offene Dateien",
    errno.ENFILE: "zu viele offene Dateien im System",
    errno.ENAMETOOLONG: "Dateiname zu lang",
    errno.EIO: "Ein-/Ausgabefehler des Datenträgers",
    errno.ENOMEM: "zu wenig Arbeitsspeicher",
    errno.EBUSY: "Datei oder Gerät ist belegt",
    errno.ETXTBSY: "Datei wird gerade ausgeführt",
    errno.EFBIG: "Datei zu groß",
    errno.ELOOP: "zu viele symbolische Verknüpfungen (Schleife?)",
    errno.EPIPE: "Verbindung zum Folgeprozess abgebrochen",
    errno.ETIMEDOUT: "Zeitüberschreitung",
}


def _os_reason(exc: OSError) -> str:
    """One German reason for an OSError: known errno -> German text, otherwise the errno name."""
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    code = exc.errno
    if not code:   # pyarrow and others put the errno only into the text: "[errno 28] No space …"
        m = re.search(r"\[errno (\d+)\]", str(exc), re.IGNORECASE)
        code = int(m.group(1)) if m else None
    if code in _ERRNO_DE:
        return f"{_ERRNO_DE[code]}{where}"
    if code:
        name = errno.errorcode.get(code, str(code))
        return f"Betriebssystemfehler {name} (Nr. {code}){where}"
    return f"Betriebssystemfehler ({exc.__class__.__name__}){where}"


def _take_descendants_down(signum, frame) -> None:  # noqa: ARG001
    """SIGTERM/SIGHUP (also PR_SET_PDEATHSIG when the monthly run was killed): kill every
    descendant first – pool workers, Jupyter kernels (own sessions, so a process group kill
    misses them), build workers – then exit. No orphan keeps writing after the lock is gone."""
    try:
        import psutil

        procs = psutil.Process().children(recursive=True)
        for p in procs:
            try:
                p.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(procs, timeout=10)
    finally:
        os._exit(128 + signum)


def guard_process_tree() -> None:
    """For ``python -m helpers``: become a child subreaper (orphaned grandchildren such as the
    kernel of a killed pool worker are re-parented here, not to init, so they stay findable)
    and take all descendants down on SIGTERM/SIGHUP. Linux; elsewhere a no-op."""
    import signal

    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _take_descendants_down)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:
        argv.remove("--debug")
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130
    except (OSError, MemoryError, RecursionError) as exc:
        # Environment failures (disk full, read-only folder, out of memory): one German line,
        # exit 1; the traceback only with --debug.
        if debug:
            raise
        reason = _os_reason(exc) if isinstance(exc, OSError) else "zu wenig Speicher oder zu tief verschachtelt"
        print(abbruch(f"{reason}. Details mit --debug."), file=sys.stderr)
        return 1
