"""Reading and validating the two input tables of the data contract (the `compute` command: helpers.compute).

Validation is declared as pandera schemas over the raw cells (read as text, so ids keep their
leading zeros and "*" survives). Every failure is turned into a `Problem` that names the file,
the line (as a person sees it: header = line 1 in CSV and XLSX), the column and what is wrong.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc

from helpers import formats
from helpers.dateien import atomic_write
from helpers.eingabefehler import MAX_PROBLEMS, InputError, Problem
from helpers.mdsafe import CONTROL
from helpers.kennzahlen import (
    COUNT_COLUMNS, GESCHLECHTER, JOBCENTER_COLUMNS, KEY_COLUMNS, LAENDER, MONEY_COLUMNS,
    VALUE_COLUMNS,
)



def _import_pandera():
    """pandera, without the hypothesis library it loads for data-synthesis strategies.

    pandera's built-in checks import hypothesis when it is installed (it is, for our tests):
    0.25 s CPU of every `compute` run for strategies the handbook never uses. Hidden while
    pandera loads unless a test already imported it; pandera then only lacks ``.strategy()``.
    """
    hide = "hypothesis" not in sys.modules
    if hide:
        sys.modules["hypothesis"] = None   # makes `import hypothesis` raise ImportError
    try:
        import pandera.pandas
        import pandera.backends.pandas.builtin_checks  # noqa: F401  (the module that asks for hypothesis)
    finally:
        if hide:
            del sys.modules["hypothesis"]
    return pandera.pandas


pa = _import_pandera()

# Status of an input cell (see compute: higher codes win when statuses are combined).
# NICHT_GELIEFERT: the delivery has no row for the Jobcenter, month and gender (data contract:
# "nicht geliefert" for those months, not an input error).
OK, FEHLT, GESPERRT, NICHT_GELIEFERT = 0, 2, 3, 4

_MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
_ID_RE = r"^\d{5}(-[0-9A-Za-z]{1,8})?$"
_VT_RE = r"[IVX]{1,4}[a-z]?"


# --------------------------------------------------------------------------- reading


def read_raw(path: Path | str, table: str | None = None) -> tuple[pd.DataFrame, int]:
    """Read a CSV, Parquet or XLSX table with every cell as text ("" for empty).

    Returns the frame and the offset that turns a 0-based row position into the line number a
    person sees (2 for CSV with a header line, 1 for Parquet rows; XLSX: after skipped title rows).
    """
    g = read_delivery(path, table)
    return g.frame, g.offset


def read_delivery(path: Path | str, table: str | None = None, log: bool = False):
    """Read one input table in any format of the data contract (``formats.Gelesen``)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, [Problem(None, None, "Datei nicht gefunden")])
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            g = formats.read_csv(path)
        elif suffix == ".parquet":
            g = formats.Gelesen(formats.stringify(pd.read_parquet(path)), 1, formats.PUNKT, "Parquet", {})
        elif suffix in (".xlsx", ".xlsm"):
            g = formats.read_xlsx(path, table)
        else:
            raise InputError(path, [Problem(None, None,
                                            f"unbekanntes Dateiformat '{suffix}' (erlaubt: .csv, .parquet, .xlsx)")])
    except InputError:
        raise
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(path, [Problem(int(m.group(2)), None,
                                            f"{m.group(3)} Felder statt {m.group(1)} (Trennzeichen/Anführungszeichen prüfen)")]) from None
        raise InputError(path, [Problem(None, None, f"Datei nicht lesbar: {exc}")]) from None
    except Exception as exc:  # unreadable Parquet/XLSX
        raise InputError(path, [Problem(None, None, f"Datei nicht lesbar: {exc}")]) from None
    g.frame.columns = [str(c).strip() for c in g.frame.columns]
    g.frame = g.frame.reset_index(drop=True)
    if log and suffix != ".parquet":
        formats.say(path, g)
    formats.check_ids(path, g)
    return g


# --------------------------------------------------------------------------- schemas

_NUMBER_RE = r"^-?\d+(\.\d+)?$"


def _numeric(s: pd.Series) -> pd.Series:
    """Cells as numbers; NaN for "", "*" and anything that is not a plain decimal number.

    Parsed with Arrow compute kernels (fast on text columns): only cells matching the plain
    number pattern are cast, everything else becomes NaN.
    """
    arr = pa_arrow.array(s.array, type=pa_arrow.string())  # zero-copy for Arrow-backed text
    ok = pc.match_substring_regex(arr, _NUMBER_RE)
    num = pc.cast(pc.if_else(ok, arr, pa_arrow.scalar(None, pa_arrow.string())), pa_arrow.float64())
    return pd.Series(num.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")


def _value_checks(integer: bool) -> list[pa.Check]:
    not_available = lambda s: s.isin(["", "*"])  # noqa: E731
    checks = [
        pa.Check(lambda s: not_available(s) | _numeric(s).notna(), name="keine_zahl",
                 error="keine Zahl (erlaubt: Zahl mit Punkt als Dezimaltrenner, leer oder *)"),
        pa.Check(lambda s: ~(_numeric(s) < 0), name="negativ", error="negative Zahl (erlaubt sind Werte ≥ 0)"),
    ]
    if integer:
        checks.append(pa.Check(lambda s: ~((_numeric(s) % 1) > 0), name="keine_ganze_zahl", error="keine ganze Zahl"))
    return checks


def jobcenter_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "jobcenter_id": pa.Column(str, [pa.Check.str_matches(_ID_RE, name="id_format",
                                                                  error="ungültige jobcenter_id (erwartet fünf Ziffern, optional '-' und Zusatz, z. B. 13071-1)")],
                                      unique=True, report_duplicates="exclude_first"),
            "name": pa.Column(str, [pa.Check(lambda s: s.str.strip() != "", name="leer", error="Name fehlt"),
                                    pa.Check(lambda s: ~s.str.contains(CONTROL.pattern, regex=True), name="steuerzeichen",
                                             error="Name enthält Steuerzeichen (Zeilenumbruch, Tabulator o. ä.)")]),
            "land": pa.Column(str, pa.Check.isin(list(LAENDER), name="land",
                                                  error="ungültiges Land (erwartet '01' bis '16')")),
            "traegerart": pa.Column(str, pa.Check.isin(["gE", "zkT"], name="traegerart",
                                                        error="ungültige Trägerart (erwartet 'gE' oder 'zkT')")),
            "vergleichstyp": pa.Column(str, [pa.Check(lambda s: s.str.strip() != "", name="leer",
                                                      error="Vergleichstyp fehlt"),
                                             pa.Check(lambda s: (s.str.strip() == "") | s.str.fullmatch(_VT_RE),
                                                      name="vt_format",
                                                      error="ungültiger Vergleichstyp (erwartet römische Zahl und "
                                                            "optional ein Kleinbuchstabe, z. B. Ia, IIIc)")]),
        },
        strict=False,
        coerce=False,
    )


def grunddaten_schema(jobcenter_ids: list[str]) -> pa.DataFrameSchema:
    columns = {
        "jobcenter_id": pa.Column(str, pa.Check.isin(jobcenter_ids, name="unbekannt",
                                                      error="unbekannte jobcenter_id (nicht in der Jobcenter-Tabelle)")),
        "monat": pa.Column(str, pa.Check.str_matches(_MONTH_RE, name="monat",
                                                      error="ungültiger Monat (erwartet JJJJ-MM, z. B. 2025-08)")),
        "geschlecht": pa.Column(str, pa.Check.isin(list(GESCHLECHTER), name="geschlecht",
                                                    error="ungültiges Geschlecht (erwartet insgesamt, frauen oder maenner)")),
    }
    for col in MONEY_COLUMNS:
        columns[col] = pa.Column(str, _value_checks(integer=False))
    for col in COUNT_COLUMNS:
        columns[col] = pa.Column(str, _value_checks(integer=True))
    return pa.DataFrameSchema(
        columns,
        unique=list(KEY_COLUMNS),
        report_duplicates="exclude_first",
        strict=False,
        coerce=False,
    )


# --------------------------------------------------------------------------- validation


def _problems_from(errors: pa.errors.SchemaErrors, offset: int, schema: pa.DataFrameSchema,
                   df: pd.DataFrame) -> list[Problem]:
    fc = errors.failure_cases
    problems: list[Problem] = []
    key_dupes: set[int] = set()
    messages = {}
    for name, col in schema.columns.items():
        for chk in col.checks:
            messages[(name, chk.name)] = chk.error
    for row in fc.itertuples(index=False):
        check = str(row.check)
        column = None if pd.isna(row.column) else str(row.column)
        idx = row.index
        line = None if idx is None or pd.isna(idx) else int(idx) + offset
        value = row.failure_case
        if check == "column_in_dataframe":
            problems.append(Problem(None, str(value), "Pflichtspalte fehlt"))
        elif check == "multiple_fields_uniqueness" and line is not None:
            key_dupes.add(int(idx))
        elif check == "field_uniqueness":
            problems.append(Problem(line, column, f"doppelter Wert '{value}'"))
        else:
            msg = messages.get((column, check), check)
            problems.append(Problem(line, column, f"'{value}': {msg}"))
    if key_dupes:
        keys = df[list(KEY_COLUMNS)].astype(str).agg("|".join, axis=1)
        first = keys.drop_duplicates(keep="first")
        first_line = pd.Series(first.index + offset, index=first.to_numpy())
        for i in sorted(key_dupes):
            k = keys.iat[i]
            problems.append(Problem(i + offset, ", ".join(KEY_COLUMNS),
                                    f"doppelter Schlüssel ({k.replace('|', ', ')}); zuerst in Zeile {first_line[k]}"))
    problems.sort(key=lambda p: (p.line is not None, p.line or 0, p.column or ""))
    return problems


def _validate(df: pd.DataFrame, schema: pa.DataFrameSchema, path: Path, offset: int) -> None:
    missing = [c for c in schema.columns if c not in df.columns]
    if missing:
        raise InputError(path, [Problem(None, c, "Pflichtspalte fehlt") for c in missing])
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems = _problems_from(exc, offset, schema, df)
        raise InputError(path, problems[:MAX_PROBLEMS], total=len(problems)) from None


def load_jobcenter(path: Path | str) -> pd.DataFrame:
    """The validated `jobcenter` table (all columns text)."""
    path = Path(path)
    g = read_delivery(path, "jobcenter", log=True)
    df, offset = g.frame, g.offset
    df = df.apply(lambda s: s.str.strip())
    if len(df) == 0:
        raise InputError(path, [Problem(None, None, "Tabelle enthält keine Zeilen")])
    _validate(df, jobcenter_schema(), path, offset)
    extra = [c for c in df.columns if c not in JOBCENTER_COLUMNS]
    return df[list(JOBCENTER_COLUMNS) + extra].copy()


@dataclass
class Grunddaten:
    """Validated `grunddaten`: keys, numeric values (NaN = not available), cell status."""

    keys: pd.DataFrame          # jobcenter_id, monat, geschlecht (text)
    values: pd.DataFrame        # VALUE_COLUMNS as float64, NaN where "" or "*"
    status: pd.DataFrame        # VALUE_COLUMNS as int8: OK, FEHLT ("") or GESPERRT ("*")


def load_grunddaten(path: Path | str, jobcenter_ids) -> Grunddaten:
    from helpers.formats import normalize_numbers

    path = Path(path)
    g = read_delivery(path, "grunddaten", log=True)
    offset = g.offset
    df = normalize_numbers(path, g, VALUE_COLUMNS, integer_columns=COUNT_COLUMNS)
    df = df.apply(lambda s: s.str.strip())
    if len(df) == 0:
        raise InputError(path, [Problem(None, None, "Tabelle enthält keine Zeilen")])
    _validate(df, grunddaten_schema(sorted(set(jobcenter_ids))), path, offset)
    # Money sums exist only for `insgesamt` (data contract).
    problems = []
    not_total = df["geschlecht"] != "insgesamt"
    for col in MONEY_COLUMNS:
        bad = np.flatnonzero(not_total & (df[col] != ""))
        problems += [Problem(int(i) + offset, col, f"'{df[col].iat[i]}': nur für geschlecht 'insgesamt' erlaubt, "
                             "sonst leer lassen") for i in bad]
    if problems:
        raise InputError(path, problems[:MAX_PROBLEMS], total=len(problems))
    raw = df[list(VALUE_COLUMNS)]
    status = pd.DataFrame({c: np.where(raw[c] == "*", GESPERRT, np.where(raw[c] == "", FEHLT, OK)).astype(np.int8)
                           for c in VALUE_COLUMNS})
    values = pd.DataFrame({c: _numeric(raw[c]) for c in VALUE_COLUMNS})
    return Grunddaten(df[list(KEY_COLUMNS)].copy(), values, status)


def file_sha256(path: Path | str) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- writing


# The `kennzahlen` output columns, in contract order (erfasst … nenner: rule of 2026-12).
OUTPUT_COLUMNS = ("ebene", "id", "monat", "geschlecht", "kennzahl", "wert", "erfasst", "mitglieder",
                  "zaehler", "nenner")


def write_kennzahlen_csv(results: pd.DataFrame, out: Path | str) -> None:
    """The `kennzahlen` output table of the data contract (UTF-8, comma, '.' decimals)."""
    import pyarrow as pyarrow_mod
    import pyarrow.csv as pacsv

    # filtered in Arrow (the text columns are Arrow-backed): no row-by-row copy through pandas
    table = pyarrow_mod.Table.from_pandas(results[[*OUTPUT_COLUMNS, "grund"]], preserve_index=False)
    table = table.filter(pc.not_equal(table["grund"], "fenster")).drop_columns(["grund"])
    # Codes, ids and months need no quotes; quote only if a value could break the CSV.
    risky = any(pc.any(pc.match_substring_regex(pc.unique(table[c]), r'[,"\n\r]')).as_py()
                for c in ("ebene", "id", "monat", "geschlecht", "kennzahl"))
    options = pacsv.WriteOptions(quoting_style="needed" if risky else "none")
    atomic_write(out, lambda tmp: pacsv.write_csv(table, tmp, options))


# --------------------------------------------------------------------------- command


def load_inputs(jobcenter_file, grunddaten_file):
    jc = load_jobcenter(jobcenter_file)
    gd = load_grunddaten(grunddaten_file, jc["jobcenter_id"])
    return jc, gd
