"""``python -m helpers <command>``: one sub-command per module that owns it.

Each module listed in COMMAND_MODULES exposes ``register(subparsers)``, which adds its
sub-command(s) and sets ``func`` to a callable taking the parsed args and returning an
exit status. User-facing messages are German.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "helpers.compute",   # compute
    "helpers.mart",      # mart
    "helpers.demo",      # demo
    "helpers.pipeline",  # run
    "helpers.book",      # toc
    "helpers.explorer",  # ring
    "helpers.publish",   # monthly, publish
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Kennzahlen-Handbuch SGB II: Berechnung, Seiten und Buch.",
    )
    sub = parser.add_subparsers(dest="command", metavar="BEFEHL")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a module not written yet
            if exc.name == name:
                continue
            raise
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130
