"""Writing files so that nothing is ever half-written (one atomic writer for every module)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path | str, write, *, sync: bool = False) -> None:
    """Call write(tmp_path) on a temporary file beside ``path`` and move it to ``path`` in one
    step (os.replace); on any error the temporary file is removed and ``path`` is untouched.
    sync: fsync the file before the move (files a running site serves)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        if sync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path | str, data: bytes, *, sync: bool = False) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data), sync=sync)


def atomic_write_text(path: Path | str, text: str, *, sync: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), sync=sync)
