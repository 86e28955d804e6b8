"""File formats of a delivery (data contract, rule of 2026-12): German CSV, XLSX with title rows,
and one test per bad-input class (exit 2, pointed message, nothing written)."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

from cli_lauf import helpers_cli
from kennzahlen_factory import grunddaten_table, jobcenter_table

JC = jobcenter_table([("01001", "01", "gE", "Ia"), ("05315", "05", "zkT", "IIb"), ("13071-1", "13", "gE", "IIb")])
JC["name"] = ["Jobcenter Flensburg, Stadt", "Jobcenter Köln", "Jobcenter Müritz"]
N = 14


def _gd():
    lin = lambda a, b=7: [a + b * t for t in range(N)]  # noqa: E731
    series = {i: {"elb": lin(1900 + 100 * k, 37), "integrationen": [12 + k] * N,
                  "llu": [1234567.89 + 1000.25 * t for t in range(N)], "kdu": [987.5] * N,
                  "lzb": lin(1600), "ae": lin(100), "kontinuierlich": [5] * (N - 6) + [""] * 6,
                  "integrationen_svb": [9] * N}
              for k, i in enumerate(JC.jobcenter_id)}
    gd = grunddaten_table(series, N, genders=("insgesamt", "frauen", "maenner"))
    gd.loc[5, "lzb"] = "*"
    return gd


def _german_number(cell: str) -> str:
    """'1234567.89' -> '1.234.567,89'; '1900' -> '1.900' (thousands dots), '' and '*' unchanged."""
    if cell in ("", "*"):
        return cell
    whole, _, frac = cell.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    out = ".".join([whole] + groups)
    return f"{out},{frac}" if frac else out


def write_plain(d, jc, gd):
    jc.to_csv(d / "jobcenter.csv", index=False)
    gd.to_csv(d / "grunddaten.csv", index=False)
    return d / "jobcenter.csv", d / "grunddaten.csv"


def write_german(d, jc, gd, encoding="cp1252"):
    from helpers.kennzahlen import VALUE_COLUMNS

    g = gd.copy()
    for c in VALUE_COLUMNS:
        g[c] = g[c].map(_german_number)
    jc.to_csv(d / "jobcenter.csv", index=False, sep=";", encoding=encoding)
    g.to_csv(d / "grunddaten.csv", index=False, sep=";", encoding=encoding)
    return d / "jobcenter.csv", d / "grunddaten.csv"


def write_xlsx_with_title(d, jc, gd):
    paths = []
    for name, df in (("jobcenter", jc), ("grunddaten", gd)):
        wb = openpyxl.Workbook()
        first = wb.active
        first.title = "Hinweise"            # not the table's sheet: the named sheet must be found
        first.append(["Bitte Blatt '" + name + "' beachten"])
        ws = wb.create_sheet(name)
        ws.append([f"Lieferung {name}, Stand 2025-02"])
        ws.append(["Quelle: Demodaten"])
        ws.append([])
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            cells = []
            for col, v in zip(df.columns, row):
                if col in ("jobcenter_id", "land") or v in ("", "*") or not _is_number(v):
                    cells.append(None if v == "" else v)   # ids stay text cells
                else:
                    cells.append(float(v) if "." in v else int(v))
            ws.append(cells)
        wb.save(p := d / f"{name}.xlsx")
        paths.append(p)
    return paths


def _is_number(v) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def _mart(jp, gp, out):
    from helpers.mart import build

    build(jp, gp, out)
    return {f: (out / f).read_bytes() for f in ("jobcenter.parquet", "ergebnisse.parquet", "vergleich.parquet",
                                                  "grundlagen.parquet", "steuerung.parquet", "ziele.parquet")}


@pytest.mark.parametrize("variant", ["german_cp1252", "german_utf8_bom", "xlsx_title_rows"])
def test_variants_give_byte_identical_mart_files(tmp_path, variant, capsys):
    gd = _gd()
    (a := tmp_path / "plain").mkdir()
    (b := tmp_path / "variant").mkdir()
    ref = _mart(*write_plain(a, JC, gd), tmp_path / "mart_plain")
    if variant == "german_cp1252":
        files = write_german(b, JC, gd)
        said = "Semikolon, Dezimalkomma, Windows-1252"
    elif variant == "german_utf8_bom":
        files = write_german(b, JC, gd, encoding="utf-8-sig")
        said = "Semikolon, Dezimalkomma, UTF-8 mit BOM"
    else:
        files = write_xlsx_with_title(b, JC, gd)
        said = "XLSX, Blatt 'grunddaten', Kopfzeile in Zeile 4"
    if variant.startswith("german"):
        text = files[1].read_bytes()
        assert b"1.234.567,89" in text and b";" in text      # the fixture really is German
    got = _mart(*files, tmp_path / "mart_variant")
    assert got == ref
    # the jobcenter file carries the umlauts (grunddaten is plain ASCII, hence valid UTF-8)
    table = "grunddaten" if variant.startswith("xlsx") else "jobcenter"
    assert f"{table}.{files[1].suffix[1:]} gelesen als: {said}" in capsys.readouterr().err


def _compute(d, jp, gp):
    out = d / "out" / "kennzahlen.csv"
    proc = helpers_cli("compute", "--jobcenter", str(jp), "--grunddaten", str(gp), "--out", str(out))
    return proc, out


def _bad(tmp_path, jp, gp, *fragments):
    proc, out = _compute(tmp_path, jp, gp)
    assert proc.returncode == 2, proc.stderr
    for frag in fragments:
        assert frag in proc.stderr, f"{frag!r} not in:\n{proc.stderr}"
    assert not out.exists() and not out.parent.exists()


def test_mixed_conventions_is_an_error_with_line_and_column(tmp_path):
    jp, gp = write_german(tmp_path, JC, _gd())
    lines = gp.read_text(encoding="cp1252").splitlines()
    head = lines[0].split(";")
    cells = lines[3].split(";")
    cells[head.index("kdu")] = "987.5"                 # point decimal in a decimal-comma file
    lines[3] = ";".join(cells)
    gp.write_text("\n".join(lines) + "\n", encoding="cp1252")
    _bad(tmp_path, jp, gp, "grunddaten.csv, Zeile 4, Spalte 'kdu'", "'987.5'", "gemischte Konventionen")


@pytest.mark.parametrize("column,value,fragment", [
    ("elb", "1.000", "Tausenderpunkt"),
    ("integrationen", "12.345.678", "Tausenderpunkt"),
    ("elb", "-2.000", "Tausenderpunkt"),
    ("elb", "1,000", "'1,000'"),            # quoted in the file: a comma inside a comma CSV
    ("elb", "1 000", "'1 000'"),
])
def test_thousands_separator_in_a_plain_csv_is_an_error_not_one(tmp_path, column, value, fragment):
    gd = _gd()
    gd[column] = gd[column].astype(object)
    gd.loc[2, column] = value                           # line 4
    jp, gp = write_plain(tmp_path, JC, gd)
    assert f'"{value}"' in gp.read_text() or value in gp.read_text()
    _bad(tmp_path, jp, gp, f"Zeile 4, Spalte '{column}'", fragment)


def test_mixed_encoding_is_an_error_with_line_and_column(tmp_path):
    jc = JC.copy()
    jp, gp = write_plain(tmp_path, jc, _gd())
    raw = jp.read_bytes()                               # UTF-8 'ö' in Köln (line 3) …
    raw = raw.replace(b"Jobcenter M\xc3\xbcritz", b"Jobcenter M\xfcritz")   # … and cp1252 'ü' in line 4
    jp.write_bytes(raw)
    _bad(tmp_path, jp, gp, "jobcenter.csv, Zeile 4, Spalte 'name'", "Kodierung nicht eindeutig")


def test_undecidable_encoding_is_an_error(tmp_path):
    jp, gp = write_plain(tmp_path, JC, _gd())
    raw = jp.read_bytes().replace(b"Jobcenter K\xc3\xb6ln", b"Jobcenter K\x81ln")  # 0x81: not cp1252 either
    jp.write_bytes(raw)
    _bad(tmp_path, jp, gp, "jobcenter.csv, Zeile 3, Spalte 'name'", "Kodierung nicht erkennbar")


def test_float_looking_id_names_the_fix(tmp_path):
    jc = JC.copy()
    jc.loc[1, "jobcenter_id"] = "5315.0"
    gd = _gd()
    gd.loc[gd.jobcenter_id == "05315", "jobcenter_id"] = "5315.0"
    jp, gp = write_plain(tmp_path, jc, gd)
    _bad(tmp_path, jp, gp, "jobcenter.csv, Zeile 3, Spalte 'jobcenter_id'", "'5315.0'", "vermutlich '05315'")


def test_xlsx_number_id_that_lost_its_leading_zero_names_the_fix(tmp_path):
    jp, gp = write_xlsx_with_title(tmp_path, JC, _gd())
    wb = openpyxl.load_workbook(jp)
    ws = wb["jobcenter"]
    ws.cell(row=6, column=1).value = 5315               # header in row 4; 05315 is row 6
    wb.save(jp)
    _bad(tmp_path, jp, gp, "jobcenter.xlsx, Zeile 6, Spalte 'jobcenter_id'", "'5315'", "vermutlich '05315'")
