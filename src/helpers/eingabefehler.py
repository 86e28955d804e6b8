"""Input errors of a delivery: every problem with file, line and column (German messages).

Below ``formats`` and ``io`` (both raise them); ``io`` re-exports the names."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MAX_PROBLEMS = 25

# Set by the monthly run for its steps: a failing step then ends with "Fehler: …", and the
# monthly run adds the one "Abbruch: …" line of the whole run.
SCHRITT_ENV = "HANDBUCH_SCHRITT"


def abbruch(grund: str) -> str:
    """The last line of a failed command: "Abbruch: <grund>" (inside a monthly run's step:
    "Fehler: <grund>", the run itself says "Abbruch")."""
    return f"{'Fehler' if os.environ.get(SCHRITT_ENV) else 'Abbruch'}: {grund}"


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: str | None
    message: str


class InputError(Exception):
    """Bad input: carries every problem found (up to MAX_PROBLEMS) with file, line, column."""

    def __init__(self, path: Path | str, problems: list[Problem], total: int | None = None):
        self.path = Path(path)
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__(self.render())

    def render(self) -> str:
        head = f"Fehler in der Eingabedatei {self.path}:"
        lines = [head]
        for p in self.problems:
            where = []
            if p.line is not None:
                where.append(f"Zeile {p.line}")
            if p.column is not None:
                where.append(f"Spalte '{p.column}'")
            lines.append(f"  {self.path.name}, {', '.join(where) or 'Datei'}: {p.message}")
        if self.total > len(self.problems):
            lines.append(f"  … und {self.total - len(self.problems)} weitere Fehler.")
        return "\n".join(lines)
