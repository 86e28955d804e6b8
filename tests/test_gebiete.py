"""Territorial changes (gebietsaenderungen, rule of 2026-12): fiktive Gebietsstände."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from cli_lauf import helpers_cli
from kennzahlen_factory import grunddaten_table, jobcenter_table, months, value, write

P1, P2, S = "01001", "01002", "01003"
N = 25                                   # 2024-01 .. 2026-01; the merger takes effect 2025-01 (t = 12)
MS = months(N)


def _delivery(tmp_path, drop=()):
    gd = grunddaten_table({P1: {"elb": [1000] * N, "integrationen": [10] * N},
                           P2: {"elb": [3000] * N, "integrationen": [50] * N},
                           S: {"elb": [4000] * N, "integrationen": [70] * N}}, N)
    old = gd["monat"] < "2025-01"
    gd = gd[(gd["jobcenter_id"].isin([P1, P2]) & old) | ((gd["jobcenter_id"] == S) & ~old)]
    gd = gd[~gd.set_index(["jobcenter_id", "monat"]).index.isin(list(drop))]
    jc = jobcenter_table([(S, "01", "gE", "Ia")])       # today's directory: the successor only
    jp, gp = write(tmp_path, jc, gd)
    ch = tmp_path / "gebietsaenderungen.csv"
    ch.write_text(f"alt_id,neu_id,ab_monat\n{P1},{S},2025-01\n{P2},{S},2025-01\n", encoding="utf-8")
    return jp, gp, ch


def _compute(jp, gp, ch):
    from helpers.compute import compute
    from helpers.gebiete import load_inputs

    jc, gd, stand = load_inputs(jp, gp, ch)
    return compute(jc, gd), stand


def test_merger_sums_two_predecessors(tmp_path):
    res, stand = _compute(*_delivery(tmp_path))
    # 2025-01: Σ integrationen 2024-02..2025-01 = 11 * (10 + 50) + 70 = 730; mean elb 2024-01..2024-12
    # = 1000 + 3000 = 4000 -> 18.25 %
    assert value(res, "K2", "2025-01", S) == (pytest.approx(18.25), "")
    # 2024-12 (before the merger, on today's territory): Σ 2024-01..12 = 12 * 60 = 720 -> needs 2023-12: fenster
    assert value(res, "K2", "2024-12", S)[1] == "fenster"
    # K1E2 2025-01: elb 4000 / (1000 + 3000) -> 0 %
    assert value(res, "K1E2", "2025-01", S) == (pytest.approx(0.0), "")
    # predecessors get no page (no rows) and the successor's note names them
    assert set(res.loc[res.ebene == "jobcenter", "id"]) == {S}
    assert stand.hinweise == {S: f"Werte vor 01/2025: Summe aus {P1}, {P2} (fiktiver Gebietsstand)"}


def test_missing_predecessor_month_is_not_delivered_not_an_error(tmp_path):
    res, _ = _compute(*_delivery(tmp_path, drop=[(P2, "2024-06")]))
    # the window of 2025-01 contains 2024-06, where P2 has no row: the sum is not available
    assert value(res, "K2", "2025-01", S) == (pytest.approx(float("nan"), nan_ok=True), "nicht_geliefert")
    # 2025-06 onwards the window starts 2024-06 (stock) / 2024-07 (flows): still affected, 2025-07 not
    assert value(res, "K2", "2025-07", S)[1] == ""


def _late(tmp_path):
    """P1 delivered from 2024-01, P2 only from 2024-04 (no change record)."""
    gd = grunddaten_table({P1: {"elb": [1000] * N, "integrationen": [10] * N},
                           P2: {"elb": [3000] * N, "integrationen": [30] * N}}, N)
    gd = gd[(gd["jobcenter_id"] == P1) | (gd["monat"] >= "2024-04")]
    return write(tmp_path, jobcenter_table([(P1, "01", "gE", "Ia"), (P2, "01", "gE", "Ia")]), gd)


def test_jobcenter_appearing_later_without_change_record_warns(tmp_path, capsys):
    from helpers.gebiete import load_inputs

    load_inputs(*_late(tmp_path))
    err = capsys.readouterr().err
    assert f"Jobcenter {P2} erscheint erst ab 2024-04" in err and P1 + " erscheint" not in err


@pytest.mark.parametrize("command", ["compute", "mart"])
def test_late_jobcenter_warns_in_compute_and_mart_and_its_early_months_are_not_delivered(tmp_path, command):
    jp, gp = _late(tmp_path)
    out = tmp_path / ("out.csv" if command == "compute" else "mart")
    proc = helpers_cli(command, "--jobcenter", str(jp), "--grunddaten", str(gp), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (f"Warnung: Jobcenter {P2} erscheint erst ab 2024-04 und hat keinen Eintrag in gebietsaenderungen"
            in proc.stderr)
    if command == "compute":   # the contract's output has no reason column: empty wert, erfasst 0
        res = pd.read_csv(out, dtype={"id": str}).assign(grund="")
        res.loc[res.wert.isna(), "grund"] = "undefiniert"
        gone, too_few = "undefiniert", "undefiniert"
    else:
        res = pd.read_parquet(out / "ergebnisse.parquet")
        gone, too_few = "nicht_geliefert", "zu_wenige"
    # P2's K2 at 2025-03 needs 2024-03 (not delivered); 2025-04 needs 2024-04..2025-04: 360 / 3000 = 12 %
    assert value(res, "K2", "2025-03", P2)[1] == gone
    assert value(res, "K2", "2025-04", P2) == (pytest.approx(12.0), "")
    # the Bund at 2025-03: 1 of 2 members counts (50 % < 90 %)
    assert value(res, "K2", "2025-03", "DE", "bund")[1] == too_few
    bund = res[(res.ebene == "bund") & (res.kennzahl == "K2") & (res.monat == "2025-03")].iloc[0]
    assert (bund.erfasst, bund.mitglieder) == (1, 2)


@pytest.mark.parametrize("lines,col,line", [
    ([f"{P1},09999,2025-01", f"{P2},{S},2025-01"], "neu_id", 2),                   # not a Jobcenter of today
    ([f"{P1},{S},2025-01", f"{P2},{S},2025-01", f"07777,{S},2025-01"], "alt_id", 4),  # not in the grunddaten
])
def test_change_record_naming_an_unknown_id_is_an_input_error(tmp_path, lines, col, line):
    jp, gp, ch = _delivery(tmp_path)
    ch.write_text("alt_id,neu_id,ab_monat\n" + "\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    proc = helpers_cli("compute", "--jobcenter", str(jp), "--grunddaten", str(gp), "--gebietsaenderungen", str(ch),
                       "--out", str(out))
    assert proc.returncode == 2
    assert "gebietsaenderungen.csv" in proc.stderr and f"Zeile {line}" in proc.stderr and f"Spalte '{col}'" in proc.stderr
    assert not out.exists()


def test_compute_cli_with_changes_writes_the_successor_only(tmp_path):
    jp, gp, ch = _delivery(tmp_path)
    out = tmp_path / "out.csv"
    proc = helpers_cli("compute", "--jobcenter", str(jp), "--grunddaten", str(gp), "--gebietsaenderungen", str(ch),
                       "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    res = pd.read_csv(out, dtype={"id": str})
    assert set(res.loc[res.ebene == "jobcenter", "id"]) == {S}
    row = res[(res.id == S) & (res.kennzahl == "K2") & (res.monat == "2025-01")].iloc[0]
    assert (row.wert, row.zaehler, row.nenner) == pytest.approx((18.25, 730.0, 4000.0))


def test_mart_keeps_the_note_and_the_successor_page_shows_it(tmp_path):
    from helpers import mart, pages

    jp, gp, ch = _delivery(tmp_path)
    meta = mart.build(jp, gp, tmp_path / "mart", ch)
    assert meta["gebietsstand"]["hinweise"] == {S: f"Werte vor 01/2025: Summe aus {P1}, {P2} (fiktiver Gebietsstand)"}
    m = mart.load(tmp_path / "mart")
    assert list(m.jobcenter["jobcenter_id"]) == [S]
    kopf = pages.JobcenterSeite(m, S).kopf().data
    assert f"Werte vor 01/2025: Summe aus {P1}, {P2} (fiktiver Gebietsstand)" in kopf


def test_page_shows_the_sign_and_reason_of_a_month_not_delivered(tmp_path):
    from helpers import mart, pages
    from helpers.kennzahlen import GRUENDE

    jp, gp = _late(tmp_path)
    mart.build(jp, gp, tmp_path / "mart")
    m = mart.load(tmp_path / "mart")
    html_ = pages.JobcenterSeite(m, P2, monat="2025-03").tabelle().data
    grund = GRUENDE["nicht_geliefert"]
    # the K2 cell: the official sign "." (Zahlenwert unbekannt) with the reason, not "–"
    assert f'<span class="wert-fehlt" title="{grund}">.</span>' in html_
    assert f"{grund[0].upper() + grund[1:]}." in html_          # the footnote names the reason
    # the same month of P1 (delivered throughout) has no such cell
    assert grund not in pages.JobcenterSeite(m, P1, monat="2025-03").tabelle().data


def test_mart_reads_a_delivery_folder_with_changes_and_the_change_report_lists_them(tmp_path):
    """`make mart DATA=…` / `monthly` read gebietsaenderungen.* from the delivery folder; the change
    report of the next edition lists the new, the merged and the vanished Jobcenter."""
    from helpers.publish import changes

    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    X, Y = "01004", "01005"
    # previous edition (data month 2024-12): P1, P2 and X
    prev = tmp_path / "vorher"
    prev.mkdir()
    gd = grunddaten_table({P1: {"elb": [1000] * 12}, P2: {"elb": [3000] * 12}, X: {"elb": [500] * 12}}, 12)
    write(prev, jobcenter_table([(P1, "01", "gE", "Ia"), (P2, "01", "gE", "Ia"), (X, "01", "gE", "Ia")]), gd)
    # new edition (2026-01): S replaces P1 + P2 from 2025-01, X is gone, Y is new (with a change record
    # naming no predecessor it would be unknown; Y simply starts in 2024-01 like the others)
    new = tmp_path / "neu"
    new.mkdir()
    jp, gp, ch = _delivery(new)
    gd_new = pd.concat([pd.read_csv(gp, dtype=str, keep_default_na=False),
                        grunddaten_table({Y: {"elb": [700] * N}}, N)], ignore_index=True)
    gd_new.to_csv(gp, index=False)
    jobcenter_table([(S, "01", "gE", "Ia"), (Y, "01", "gE", "Ia")]).to_csv(jp, index=False)
    # make passes the folder on (dry run: no rebuild of anything)
    dry = subprocess.run(["make", "-n", "--no-print-directory", "mart", f"DATA={new}", f"MART={tmp_path / 'm'}"],
                         cwd=root, capture_output=True, text=True)
    assert dry.returncode == 0 and f"mart --data '{new}'" in dry.stdout, dry.stdout + dry.stderr
    for folder, out in ((prev, tmp_path / "m_prev"), (new, tmp_path / "m_new")):
        proc = helpers_cli("mart", "--data", str(folder), "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    assert "gebietsaenderungen.csv gelesen als" in proc.stderr
    r = changes.compare(tmp_path / "m_prev", tmp_path / "m_new", edition="2026-01", previous_edition="2024-12")
    assert [j["jobcenter_id"] for j in r["jobcenter_neu"]] == [S, Y]
    assert r["jobcenter_entfallen"] == [{"jobcenter_id": X, "name": f"Jobcenter {X}"}]
    assert r["jobcenter_zusammengelegt"] == [{"jobcenter_id": S, "name": f"Jobcenter {S}", "vorgaenger": [
        {"jobcenter_id": P1, "name": f"Jobcenter {P1}"}, {"jobcenter_id": P2, "name": f"Jobcenter {P2}"}]}]
    md = changes.markdown(r)
    assert f"- Entfallen: Jobcenter {X} ({X})" in md
    assert f"- Zusammengelegt: Jobcenter {S} ({S}) aus Jobcenter {P1} ({P1}), Jobcenter {P2} ({P2})" in md


def test_mart_data_folder_without_grunddaten_is_refused(tmp_path):
    (tmp_path / "jobcenter.csv").write_text("jobcenter_id,name,land,traegerart,vergleichstyp\n", encoding="utf-8")
    out = tmp_path / "m"
    proc = subprocess.run([sys.executable, "-m", "helpers", "mart", "--data", str(tmp_path), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "fehlt die Datei grunddaten.csv" in proc.stderr and not out.exists()
