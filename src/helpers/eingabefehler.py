"""Input errors of a delivery: every problem with file, line and column (German messages).

Below ``formats`` and ``io`` (both raise them); ``io`` re-exports the names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_PROBLEMS = 25


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
