"""Small, explicit input tables for unit tests (written as CSV, read through helpers.io)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.kennzahlen import COUNT_COLUMNS, GESCHLECHTER, VALUE_COLUMNS

BASE = {c: 0 for c in VALUE_COLUMNS}


def months(n: int, first: str = "2024-01") -> list[str]:
    return [str(p) for p in pd.period_range(first, periods=n, freq="M")]


def jobcenter_table(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """rows: (jobcenter_id, land, traegerart, vergleichstyp)."""
    return pd.DataFrame(
        [{"jobcenter_id": i, "name": f"Jobcenter {i}", "land": l, "traegerart": t, "vergleichstyp": v}
         for i, l, t, v in rows]
    )


def grunddaten_table(series: dict[str, dict[str, list]], n_months: int, genders=("insgesamt",),
                     first: str = "2024-01") -> pd.DataFrame:
    """series: jobcenter_id -> {column: list of n_months cell values (int, float, "" or "*")}.

    Columns not given are 0. For genders other than insgesamt, money columns are empty and
    counts are the same as given (tests that need a split build it explicitly).
    """
    rows = []
    ms = months(n_months, first)
    for jc_id, cols in series.items():
        for g in genders:
            for t, m in enumerate(ms):
                row = {"jobcenter_id": jc_id, "monat": m, "geschlecht": g}
                for c in VALUE_COLUMNS:
                    if c in ("llu", "kdu") and g != "insgesamt":
                        row[c] = ""
                        continue
                    val = cols.get(c, [BASE[c]] * n_months)[t]
                    row[c] = val if isinstance(val, str) else (f"{val:.2f}" if c in ("llu", "kdu") else str(int(val)))
                rows.append(row)
    return pd.DataFrame(rows, columns=["jobcenter_id", "monat", "geschlecht", *VALUE_COLUMNS])


def write(tmp: Path, jc: pd.DataFrame, gd: pd.DataFrame) -> tuple[Path, Path]:
    jp, gp = tmp / "jobcenter.csv", tmp / "grunddaten.csv"
    jc.to_csv(jp, index=False)
    gd.to_csv(gp, index=False)
    return jp, gp


def compute_from(tmp: Path, jc: pd.DataFrame, gd: pd.DataFrame) -> pd.DataFrame:
    from helpers.compute import compute
    from helpers.io import load_inputs

    jp, gp = write(tmp, jc, gd)
    return compute(*load_inputs(jp, gp))


def value(res: pd.DataFrame, kennzahl: str, monat: str, id: str = "01001", ebene: str = "jobcenter",
          geschlecht: str = "insgesamt") -> tuple[float, str]:
    row = res[(res.ebene == ebene) & (res.id == id) & (res.kennzahl == kennzahl) & (res.monat == monat)
              & (res.geschlecht == geschlecht)]
    assert len(row) == 1, f"expected one row for {ebene}/{id}/{kennzahl}/{monat}/{geschlecht}, got {len(row)}"
    return float(row["wert"].iloc[0]), str(row["grund"].iloc[0])


__all__ = ["COUNT_COLUMNS", "GESCHLECHTER", "months", "jobcenter_table", "grunddaten_table", "write",
           "compute_from", "value"]
