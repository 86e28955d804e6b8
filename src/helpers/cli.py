"""``python -m helpers <command>``: one sub-command per module that owns it.

Each module listed in COMMAND_MODULES exposes ``register(subparsers)``, which adds its
sub-command(s) and sets ``func`` to a callable taking the parsed args and returning an
exit status. User-facing messages are German.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

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


def _os_reason(exc: OSError) -> str:
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    if exc.errno == errno.ENOSPC:
        return f"kein Platz mehr auf dem Datenträger{where}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"keine Schreib- oder Leseberechtigung{where}"
    return f"{exc.strerror or exc.__class__.__name__}{where}"


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
        print(f"Abbruch: {reason}. Details mit --debug.", file=sys.stderr)
        return 1
