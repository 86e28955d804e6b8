"""Where things live. Everything is relative to the project root (the folder with _config.yml)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    """The project root: $HANDBUCH_ROOT, or the nearest folder upwards holding _config.yml."""
    env = os.environ.get("HANDBUCH_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        if (p / "_config.yml").exists() and (p / "src" / "helpers").is_dir():
            return p
    # Fallback: the checkout this package was installed from (editable install).
    return Path(__file__).resolve().parents[2]


ROOT = project_root()
REFERENCE = ROOT / "data" / "reference"
DEMO_DIR = ROOT / "data" / "demo"
MART_DIR = Path(os.environ.get("HANDBUCH_MART", ROOT / "data" / "processed"))
NOTEBOOKS = ROOT / "notebooks"
PARAMETERS = ROOT / "parameters"
BOOK = ROOT / "book"
PAGES = BOOK / "seiten"          # executed notebooks (generated)
