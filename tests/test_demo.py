"""Tests of the synthetic demo data generator (helpers.demo).

All checks are computed here directly from the generated frames, independent of the
figure computation in helpers.compute.
"""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pandas as pd
import pytest

from helpers import cli, demo, paths

# Column order as written in /work/shared/spec/data-contract.md.
JOBCENTER_COLS = ["jobcenter_id", "name", "land", "traegerart", "vergleichstyp"]
GRUNDDATEN_COLS = [
    "jobcenter_id", "monat", "geschlecht", "llu", "kdu", "elb", "elb_zugang", "elb_abgang",
    "integrationen", "integrationen_svb", "kontinuierlich", "eintritte_minijob",
    "eintritte_oefb", "ae", "integrationen_ae", "lzb", "lzb_zugang", "lzb_abgang",
    "lzb_massnahme", "integrationen_lzb",
]
COUNTS = GRUNDDATEN_COLS[5:]
VALUES = GRUNDDATEN_COLS[3:]
TYPE_CODES = [f"{t}{s}" for t in ("I", "II", "III") for s in "abcde"]


@pytest.fixture(scope="module")
def frames():
    start = time.perf_counter()
    jobcenter, grunddaten = demo.generate()
    return jobcenter, grunddaten, time.perf_counter() - start


@pytest.fixture(scope="module")
def num(frames):
    """grunddaten with numeric value columns ('*' and empty → NaN), wide by gender."""
    g = frames[1].copy()
    for c in VALUES:
        g[c] = pd.to_numeric(g[c], errors="coerce")
    return g


def by_gender(num: pd.DataFrame, geschlecht: str) -> pd.DataFrame:
    return num[num["geschlecht"] == geschlecht].set_index(["jobcenter_id", "monat"]).sort_index()


def national(num: pd.DataFrame, geschlecht: str = "insgesamt") -> pd.DataFrame:
    return by_gender(num, geschlecht).groupby(level="monat")[COUNTS + ["llu", "kdu"]].sum(min_count=1)


def quota12(nat: pd.DataFrame, flow: str, stock: str) -> float:
    """12-month flow sum over the mean stock of the 12 months before each flow month."""
    return nat[flow].iloc[-12:].sum() / nat[stock].iloc[-13:-1].mean() * 100


# --- determinism and files ---------------------------------------------------------------

def test_cli_same_seed_identical_bytes_other_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert cli.main(["demo", "--out", str(a), "--seed", "11"]) == 0
    assert cli.main(["demo", "--out", str(b), "--seed", "11"]) == 0
    assert cli.main(["demo", "--out", str(c), "--seed", "12"]) == 0
    for name in ("jobcenter.csv", "grunddaten.csv", "ziele.csv", "demo.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "grunddaten.csv").read_bytes() != (c / "grunddaten.csv").read_bytes()
    assert sorted(p.name for p in a.iterdir()) == ["demo.json", "grunddaten.csv", "jobcenter.csv", "ziele.csv"]
    meta = json.loads((a / "demo.json").read_text(encoding="utf-8"))
    assert meta == {"demo": True, "erzeugt_von": "helpers.demo", "seed": 11,
                    "hinweis": "Synthetische Demodaten – keine amtlichen Zahlen",
                    "vergleichstypen": "synthetisch", "ziele": "synthetisch"}


def test_written_csv_keeps_ids_and_reads_back(tmp_path, frames):
    jobcenter, grunddaten, _ = frames
    demo.write(tmp_path)
    lines = (tmp_path / "jobcenter.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(JOBCENTER_COLS)
    assert lines[1].startswith("01001,")
    head = (tmp_path / "grunddaten.csv").read_text(encoding="utf-8").split("\n", 2)
    assert head[0] == ",".join(GRUNDDATEN_COLS)
    back = pd.read_csv(tmp_path / "grunddaten.csv", dtype=str, keep_default_na=False)
    assert back["jobcenter_id"].tolist() == grunddaten["jobcenter_id"].tolist()
    assert (back["llu"] == grunddaten["llu"].fillna("")).all()
    assert not list(tmp_path.glob("*.tmp"))


def test_generate_is_deterministic_per_seed():
    j1, g1 = demo.generate(seed=3, bis="2024-12", monate=48)
    j2, g2 = demo.generate(seed=3, bis="2024-12", monate=48)
    j3, g3 = demo.generate(seed=4, bis="2024-12", monate=48)
    assert demo.to_csv_bytes(g1) == demo.to_csv_bytes(g2)
    assert demo.to_csv_bytes(g1) != demo.to_csv_bytes(g3)
    # The synthetic typing depends on the structural features only, not on the seed.
    assert j1["vergleichstyp"].tolist() == j3["vergleichstyp"].tolist()
    months = sorted(g1["monat"].unique())
    assert len(months) == 48 and months[0] == "2021-01" and months[-1] == "2024-12"


def test_rejects_too_few_months():
    with pytest.raises(ValueError):
        demo.generate(monate=47)


# --- contract shape ----------------------------------------------------------------------

def test_jobcenter_table(frames):
    jobcenter = frames[0]
    assert list(jobcenter.columns) == JOBCENTER_COLS
    ref = pd.read_csv(paths.REFERENCE / "jobcenter_list.csv", dtype=str)
    assert len(jobcenter) == 407 and jobcenter["jobcenter_id"].is_unique
    assert jobcenter["jobcenter_id"].tolist() == ref["jc_id"].tolist()
    assert jobcenter["name"].tolist() == ref["jc_name"].tolist()
    assert jobcenter["land"].tolist() == ref["bundesland_code"].tolist()
    assert jobcenter["land"].str.fullmatch(r"\d\d").all()
    assert jobcenter["traegerart"].value_counts().to_dict() == {"gE": 303, "zkT": 104}


def test_fifteen_types_with_sizes_12_to_44(frames):
    sizes = frames[0]["vergleichstyp"].value_counts()
    assert sorted(sizes.index) == sorted(TYPE_CODES)
    assert sizes.between(12, 44).all()
    assert sizes.sum() == 407


def test_types_are_meaningful(frames, num):
    """Tier I (highest structure score) integrates more and has fewer LZB than tier III."""
    ins = by_gender(num, "insgesamt").reset_index()
    last = sorted(ins["monat"].unique())[-12:]
    per_jc = ins[ins["monat"].isin(last)].groupby("jobcenter_id")[
        ["integrationen", "elb", "lzb"]].sum()
    per_jc["k2"] = per_jc["integrationen"] / (per_jc["elb"] / 12)
    per_jc["lzb_anteil"] = per_jc["lzb"] / per_jc["elb"]
    tier = frames[0].set_index("jobcenter_id")["vergleichstyp"].str.rstrip("abcde")
    means = per_jc.groupby(tier)[["k2", "lzb_anteil"]].mean()
    assert means.loc["I", "k2"] > means.loc["II", "k2"] > means.loc["III", "k2"]
    assert means.loc["I", "lzb_anteil"] < means.loc["III", "lzb_anteil"]


def test_grunddaten_keys(frames):
    grunddaten = frames[1]
    assert list(grunddaten.columns) == GRUNDDATEN_COLS
    assert not grunddaten.duplicated(["jobcenter_id", "monat", "geschlecht"]).any()
    months = sorted(grunddaten["monat"].unique())
    assert len(months) == 60 and months[-1] == "2026-08" and months[0] == "2021-09"
    assert all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m) for m in months)
    assert set(grunddaten["geschlecht"]) == {"insgesamt", "frauen", "maenner"}
    assert len(grunddaten) == 407 * 60 * 3
    assert set(grunddaten["jobcenter_id"]) == set(frames[0]["jobcenter_id"])


def test_cell_formats(frames):
    g = frames[1]
    fm = g["geschlecht"] != "insgesamt"
    for c in ("llu", "kdu"):
        assert g.loc[fm, c].isna().all()
        present = g.loc[~fm, c].dropna()
        assert present.str.fullmatch(r"\d+\.\d\d").all()
    for c in COUNTS:
        present = g[c].dropna()
        assert present[present != "*"].str.fullmatch(r"\d+").all(), c


# --- consistency -------------------------------------------------------------------------

def test_kontinuierlich_empty_for_exactly_the_last_six_months(num):
    months = sorted(num["monat"].unique())
    recent = num["monat"].isin(months[-6:])
    assert num.loc[recent, "kontinuierlich"].isna().all()
    assert num.loc[~recent, "kontinuierlich"].notna().mean() > 0.999
    assert num.loc[recent, "integrationen_svb"].notna().mean() > 0.999


def test_gender_additivity(num):
    num = num[num["monat"].isin(sorted(num["monat"].unique())[:-6])]   # kontinuierlich empty later
    ins, f, m = (by_gender(num, x)[COUNTS] for x in ("insgesamt", "frauen", "maenner"))
    total = f + m                      # NaN where a gender cell is withheld or missing
    ok = total.notna() & ins.notna()
    assert ok.to_numpy().mean() > 0.999
    assert (ins[ok] == total[ok]).to_numpy()[ok.to_numpy()].all()


@pytest.mark.parametrize("geschlecht", ["insgesamt", "frauen", "maenner"])
@pytest.mark.parametrize("stock", ["elb", "lzb"])
def test_stock_flow_identity(num, geschlecht, stock):
    d = by_gender(num, geschlecht)
    prev = d[stock].groupby(level="jobcenter_id").shift(1)
    expected = prev + d[f"{stock}_zugang"] - d[f"{stock}_abgang"]
    mask = expected.notna()
    assert mask.sum() == 407 * 59
    assert (d[stock][mask] == expected[mask]).all()


@pytest.mark.parametrize("small,big", [
    ("integrationen_svb", "integrationen"), ("kontinuierlich", "integrationen_svb"),
    ("integrationen_ae", "integrationen"), ("integrationen_lzb", "integrationen"),
    ("lzb", "elb"), ("ae", "elb"), ("lzb_massnahme", "lzb"),
])
def test_inequalities(num, small, big):
    num = num[num["monat"].isin(sorted(num["monat"].unique())[:-6])]   # kontinuierlich empty later
    both = num[[small, big]].dropna()
    assert len(both) > 0.99 * len(num)
    assert (both[small] <= both[big]).all()


def test_counts_non_negative(num):
    assert (num[VALUES].fillna(0) >= 0).all().all()


# --- calibration -------------------------------------------------------------------------

def test_national_calibration(num):
    ins, f, m = (national(num, x) for x in ("insgesamt", "frauen", "maenner"))
    k2 = quota12(ins, "integrationen", "elb")
    assert 17 <= k2 <= 24
    k3e1 = quota12(ins, "integrationen_lzb", "lzb")
    assert 0.65 <= k3e1 / k2 <= 0.85
    lzb_share = ins["lzb"].iloc[-12:].sum() / ins["elb"].iloc[-12:].sum() * 100
    assert 60 <= lzb_share <= 75
    ratio = quota12(f, "integrationen", "elb") / quota12(m, "integrationen", "elb")
    assert 0.5 <= ratio <= 0.85
    assert 3.8e6 <= ins["elb"].iloc[-12:].mean() <= 4.2e6
    ae_share = ins["ae"].iloc[-12:].sum() / ins["elb"].iloc[-12:].sum() * 100
    assert 10 <= ae_share <= 16
    assert f["ae"].iloc[-1] > 5 * m["ae"].iloc[-1]
    assert 5 <= quota12(ins, "eintritte_minijob", "elb") <= 12
    assert 0.5 <= quota12(ins, "eintritte_oefb", "elb") <= 3
    k2e3 = ins["kontinuierlich"].iloc[-18:-6].sum() / ins["integrationen_svb"].iloc[-18:-6].sum()
    assert 0.5 <= k2e3 <= 0.7
    k3e2 = ins["lzb_massnahme"].iloc[-1] / ins["lzb"].iloc[-1]
    assert 0.05 <= k3e2 <= 0.15
    zugang_rate = (ins["elb_zugang"] / ins["elb"]).iloc[-12:].mean()
    assert 0.03 <= zugang_rate <= 0.05
    lzb_abgang_rate = (ins["lzb_abgang"] / ins["lzb"].shift(1)).iloc[-12:].mean()
    assert 0.02 <= lzb_abgang_rate <= 0.04


def test_k2_spread_across_jobcenter(num):
    ins = by_gender(num, "insgesamt").reset_index()
    months = sorted(ins["monat"].unique())
    integ = ins[ins["monat"].isin(months[-12:])].groupby("jobcenter_id")["integrationen"].sum()
    stock = ins[ins["monat"].isin(months[-13:-1])].groupby("jobcenter_id")["elb"].mean()
    k2 = integ / stock * 100
    assert 10 <= k2.quantile(0.02) and k2.quantile(0.98) <= 40
    assert k2.quantile(0.95) - k2.quantile(0.05) > 8


def test_rise_of_elb_from_june_2022(num):
    elb = national(num)["elb"]
    assert elb["2022-10"] / elb["2022-05"] > 1.05
    assert elb["2022-05"] < elb["2021-09"]          # falling before


def test_regelbedarf_jumps_in_llu(num):
    llu = national(num)["llu"]
    for jan, dec in (("2023-01", "2022-12"), ("2024-01", "2023-12")):
        assert 1.08 <= llu[jan] / llu[dec] <= 1.16
    assert abs(llu["2025-01"] / llu["2024-12"] - 1) < 0.03


# --- irregular cells ---------------------------------------------------------------------

def test_withheld_and_missing_cells(frames):
    g = frames[1]
    values = g[VALUES]
    star = values == "*"
    n_star = int(star.to_numpy().sum())
    assert 5 <= n_star <= 60
    assert (g.loc[star.any(axis=1), "geschlecht"] != "insgesamt").all()
    structural = pd.DataFrame(False, index=g.index, columns=VALUES)
    structural.loc[g["geschlecht"] != "insgesamt", ["llu", "kdu"]] = True
    structural.loc[g["monat"].isin(sorted(g["monat"].unique())[-6:]), "kontinuierlich"] = True  # waiting time
    empty = values.isna() & ~structural
    n_empty = int(empty.to_numpy().sum())
    assert 3 <= n_empty <= 60
    assert n_star + n_empty <= 80
    # One zkT misses llu and kdu of one month (insgesamt).
    gone = g[(g["geschlecht"] == "insgesamt") & g["llu"].isna()]
    assert len(gone) >= 1 and gone["kdu"].isna().all()
    zkt = set(frames[0].loc[frames[0]["traegerart"] == "zkT", "jobcenter_id"])
    assert set(gone["jobcenter_id"]) <= zkt
    # Withheld cells lie where a computation would otherwise be possible: the last 12 months.
    last12 = sorted(g["monat"].unique())[-12:]
    assert g.loc[star.any(axis=1), "monat"].isin(last12).all()
