"""The file formats of a delivery (data contract, rule of 2026-12): plain or German CSV, XLSX.

Everything is read as text. What convention a file was read with is detected, not guessed:

- encoding: UTF-8 (with or without BOM) or Windows-1252; a file that is neither, or that mixes
  both (valid UTF-8 umlauts beside single Windows-1252 bytes), is an input error;
- separator from the header line: ``;`` means the German export (decimal comma, optional
  thousands dots ``1.234.567,89``), ``,`` the plain form (decimal point, no thousands separator);
- XLSX: the sheet named like the table, else the first sheet; rows above the header row (title,
  notes) are skipped. Library: python-calamine (measured, see README "Messwerte").

``normalize_numbers`` turns the number cells of a German file into the plain form, so that one
schema validates every format; a cell of the other convention is an error with line and column.
"""

from __future__ import annotations

import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.eingabefehler import MAX_PROBLEMS, InputError, Problem

KOMMA, PUNKT = "dezimalkomma", "dezimalpunkt"
ID_COLUMNS = ("jobcenter_id", "alt_id", "neu_id")
HEADER_FIRST = {"gebietsaenderungen": "alt_id"}

_GERMAN_THOUSANDS = r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$"
_GERMAN_PLAIN = r"^-?\d+(?:,\d+)?$"
_POINT_DECIMAL = r"^-?\d+\.\d+$"
_THOUSANDS_ONLY = r"^-?\d{1,3}(?:\.\d{3})+$"
_FLOAT_ID = r"^\d+\.0+$"


@dataclass
class Gelesen:
    frame: pd.DataFrame        # every cell text, "" for empty
    offset: int                # 0-based data row + offset = line (CSV) or row (XLSX) a person sees
    konvention: str            # KOMMA or PUNKT: how number cells are written
    beschreibung: str          # for the log: "Semikolon, Dezimalkomma, Windows-1252"
    numeric_ids: dict          # XLSX: column -> bool mask of id cells stored as numbers


def _problem(path, line, column, message):
    return InputError(path, [Problem(line, column, message)])


# --------------------------------------------------------------------------- CSV


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """(text, encoding label); an undecidable or mixed encoding is an InputError with line/column."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "UTF-8 mit BOM"
        except UnicodeDecodeError as exc:
            raise _where(path, raw, exc.start + 3, "Kodierung nicht eindeutig: UTF-8 (BOM) mit Bytes, "
                         "die kein UTF-8 sind (gemischte Kodierung); Datei einheitlich als UTF-8 speichern")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        if re.search(rb"[\xc2-\xf4][\x80-\xbf]", raw[: exc.start]):
            raise _where(path, raw, exc.start, "Kodierung nicht eindeutig: UTF-8-Zeichen und Windows-1252-Bytes "
                         "gemischt; Datei einheitlich als UTF-8 oder Windows-1252 speichern")
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise _where(path, raw, exc.start, "Kodierung nicht erkennbar (weder UTF-8 noch Windows-1252)")


def _where(path: Path, raw: bytes, pos: int, message: str):
    """An error at byte ``pos``: line number and the header name of the field it lies in."""
    line_no = raw[:pos].count(b"\n") + 1
    start = raw.rfind(b"\n", 0, pos) + 1
    header = raw.split(b"\n", 1)[0].decode("latin-1").rstrip("\r")
    sep = ";" if header.count(";") > header.count(",") else ","
    names = [h.strip().strip('"') for h in header.split(sep)]
    field = raw[start:pos].count(sep.encode())
    column = names[field] if field < len(names) else None
    return _problem(path, line_no, column, f"{message} (Byte 0x{raw[pos]:02X})")


def read_csv(path: Path) -> Gelesen:
    raw = path.read_bytes()
    text, encoding = _decode(path, raw)
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                     skip_blank_lines=False)
    if sep == ";":
        return Gelesen(df, 2, KOMMA, f"Semikolon, Dezimalkomma, {encoding}", {})
    return Gelesen(df, 2, PUNKT, f"Komma, Dezimalpunkt, {encoding}", {})


# --------------------------------------------------------------------------- XLSX


def read_xlsx(path: Path, table: str | None) -> Gelesen:
    book = pd.ExcelFile(path, engine="calamine")
    names = book.sheet_names
    sheet = table if table in names else names[0]
    cells = book.parse(sheet, header=None, dtype=object)
    first = HEADER_FIRST.get(table or "", "jobcenter_id")
    h = _header_row(cells, first)
    if h is None:
        raise _problem(path, None, None, f"Kopfzeile nicht gefunden: keine Zeile mit der Spalte '{first}' "
                       f"im Blatt '{sheet}'")
    columns = [("" if pd.isna(c) else str(c)).strip() for c in cells.iloc[h]]
    body = cells.iloc[h + 1:].reset_index(drop=True)
    body.columns = columns
    body = body.loc[:, [c != "" for c in columns]]
    # drop trailing empty rows (Excel's used range often reaches below the data)
    filled = body.notna().any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    body = body.iloc[:last]
    numeric_ids = {c: body[c].map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                                  and not pd.isna(v)).to_numpy()
                   for c in body.columns if c in ID_COLUMNS}
    note = f", Kopfzeile in Zeile {h + 1}" if h else ""
    return Gelesen(stringify(body), h + 2, PUNKT, f"XLSX, Blatt '{sheet}'{note}", numeric_ids)


def _header_row(cells: pd.DataFrame, first: str) -> int | None:
    for i in range(min(len(cells), 50)):
        if any(isinstance(v, str) and v.strip() == first for v in cells.iloc[i]):
            return i
    return None


# --------------------------------------------------------------------------- checks


def say(path: Path, gelesen: Gelesen) -> None:
    """The log line naming the detected convention."""
    print(f"{Path(path).name} gelesen als: {gelesen.beschreibung}", file=sys.stderr)


def check_ids(path: Path, gelesen: Gelesen) -> None:
    """Ids stay strings: ``5315.0`` (CSV) or a number cell that lost its leading zero (XLSX) is an
    error naming the likely fix."""
    df, problems = gelesen.frame, []
    for col in ID_COLUMNS:
        if col not in df.columns:
            continue
        s = df[col].astype(str).str.strip()
        floaty = s.str.match(_FLOAT_ID).to_numpy()
        short = np.zeros(len(s), dtype=bool)
        if col in gelesen.numeric_ids:
            short = gelesen.numeric_ids[col] & (s.str.len() < 5).to_numpy()
        for i in np.flatnonzero(floaty | short):
            digits = s.iat[i].split(".")[0]
            fix = digits.zfill(5)
            problems.append(Problem(int(i) + gelesen.offset, col,
                                    f"'{s.iat[i]}': Kennung als Zahl gespeichert (führende Null verloren?); "
                                    f"vermutlich '{fix}' gemeint — die Spalte als Text speichern"))
    if problems:
        raise InputError(path, problems[:MAX_PROBLEMS], total=len(problems))


def normalize_numbers(path: Path, gelesen: Gelesen, columns, integer_columns=()) -> pd.DataFrame:
    """Number cells in the plain form ('.' decimal, no thousands separator).

    German files: ``1.234,5`` -> ``1234.5``; a point-decimal cell there mixes conventions.
    Plain files: a count written with a point (``1.000``) is an error, not silently 1."""
    df = gelesen.frame.copy()
    problems = []
    for col in columns:
        if col not in df.columns:
            continue
        s = df[col].astype(str).str.strip()
        if gelesen.konvention == KOMMA:
            thousands = s.str.match(_GERMAN_THOUSANDS)
            plain = s.str.match(_GERMAN_PLAIN)
            mixed = s.str.match(_POINT_DECIMAL) & ~thousands
            out = s.where(~thousands, s.str.replace(".", "", regex=False))
            out = out.where(~(thousands | plain), out.str.replace(",", ".", regex=False))
            for i in np.flatnonzero(mixed.to_numpy()):
                problems.append(Problem(int(i) + gelesen.offset, col,
                                        f"'{s.iat[i]}': Dezimalpunkt in einer Datei mit Semikolon und Dezimalkomma "
                                        "(gemischte Konventionen); einheitlich '1.234,5' schreiben"))
            df[col] = out
        elif col in integer_columns:
            bad = s.str.match(_THOUSANDS_ONLY).to_numpy()
            for i in np.flatnonzero(bad):
                problems.append(Problem(int(i) + gelesen.offset, col,
                                        f"'{s.iat[i]}': Tausenderpunkt? In einer Datei mit Komma als Trennzeichen ist '.' "
                                        "der Dezimaltrenner; ganze Zahl ohne Trennzeichen schreiben"))
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    if problems:
        raise InputError(path, problems[:MAX_PROBLEMS], total=len(problems))
    return df


def stringify(df: pd.DataFrame) -> pd.DataFrame:
    """Typed cells (Parquet, XLSX) to the text form a CSV would have."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_float_dtype(s):
            integral = s.notna() & np.isfinite(s) & (s == np.floor(s))
            text = s.map(lambda v: "" if pd.isna(v) else repr(float(v)))
            text[integral] = s[integral].map(lambda v: str(int(v)))
            out[col] = text
        else:
            out[col] = s.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                             else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip())
    return pd.DataFrame(out, index=df.index).astype(str)
