"""Finishing an executed page: title heading, hidden parameter cells, deterministic JSON.

Jupyter Book takes a page's title from its first Markdown heading, and papermill does not
template Markdown, so the page title is set here with nbformat: if the template starts
with a Markdown cell whose first line is a level-1 heading, that line is replaced;
otherwise a heading cell is inserted. The cells tagged ``parameters`` and
``injected-parameters`` get myst-nb's ``remove-cell`` tag. Everything that differs
between two runs of the same inputs is removed: papermill's start/end times and
durations, nbclient's execution timings, random cell ids of inserted cells.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from helpers.mdsafe import md_text

TITLE_CELL_ID = "seitentitel"
INJECTED_CELL_ID = "injected-parameters"
HIDE_TAG = "remove-cell"
_TIMES = ("start_time", "end_time", "duration")


def template_cell_ids(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return [c["id"] for c in raw.get("cells", []) if isinstance(c, dict) and "id" in c]


def finalize(nb: nbformat.NotebookNode, title: str, *, input_path: str, output_path: str,
             template_ids: list[str]) -> bytes:
    heading = f"# {md_text(title)}"
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.cell_type == "markdown" and first.source.lstrip().startswith("# "):
        rest = first.source.lstrip().split("\n", 1)
        first.source = heading + ("\n" + rest[1] if len(rest) > 1 else "")
    else:
        cell = nbformat.v4.new_markdown_cell(heading)
        nb.cells.insert(0, cell)
        cell.id = TITLE_CELL_ID

    keep = set(template_ids)
    used: set[str] = set()
    for i, cell in enumerate(nb.cells):
        md = cell.setdefault("metadata", {})
        tags = list(md.get("tags", []))
        if ("parameters" in tags or "injected-parameters" in tags) and HIDE_TAG not in tags:
            tags.append(HIDE_TAG)
            md["tags"] = tags
        if "injected-parameters" in tags:
            cell.id = INJECTED_CELL_ID
        elif cell.get("id") == TITLE_CELL_ID and i == 0:
            pass
        elif cell.get("id") not in keep or cell.get("id") in used:
            cell.id = f"zelle-{i}"
        used.add(cell.id)
        pm = md.get("papermill")
        if isinstance(pm, dict):
            for k in _TIMES:
                pm.pop(k, None)
        md.pop("execution", None)

    pm = nb.metadata.setdefault("papermill", {})
    for k in _TIMES:
        pm.pop(k, None)
    pm["input_path"] = input_path
    pm["output_path"] = output_path
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8")
