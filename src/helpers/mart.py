"""The processed mart: results, comparison measures, master data and metadata.

Written by ``python -m helpers mart`` into one folder (default data/processed/), atomically:
the new folder is complete before it replaces the old one. Same inputs give byte-identical
files (no timestamps inside). Notebooks read small slices through ``load()``.

Files:
    meta.json            datenstand, erster_monat, demo, vergleichstypen_synthetisch, quellen, software
    jobcenter.parquet    jobcenter_id, name, land, land_name, traegerart, vergleichstyp, kreis_ags, ort
    ergebnisse.parquet   ebene, id, monat, geschlecht, kennzahl, wert, grund, erfasst, mitglieder,
                         zaehler, nenner (coverage rule of 2026-12; ebene incl. land_traegerart)
    vergleich.parquet    per Jobcenter: value beside type distribution, Land, Bund, rank, reading
    grundlagen.parquet   summed inputs per ebene, id, monat, geschlecht (+ status_<input>: 0 ok,
                         2 fehlt, 3 gesperrt, 4 nicht geliefert) — the basis for user-defined groups
    steuerung.parquet    Jahresfortschrittswerte (JFW_*, helpers.steuerung) per ebene, id, monat,
                         geschlecht with grund, erfasst, mitglieder, zaehler, nenner
    ziele.parquet        the optional input `ziele` (empty without it)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers import paths
from helpers.eingabefehler import abbruch
from helpers.kennzahlen import LAENDER

FILES = ("meta.json", "jobcenter.parquet", "ergebnisse.parquet", "vergleich.parquet", "grundlagen.parquet")


# --------------------------------------------------------------------------- building


def _reference_jobcenter() -> pd.DataFrame:
    ref = paths.REFERENCE / "jobcenter_list.csv"
    if not ref.exists():
        return pd.DataFrame(columns=["jobcenter_id", "kreis_ags", "ort"])
    df = pd.read_csv(ref, dtype=str, keep_default_na=False)
    return df.rename(columns={"jc_id": "jobcenter_id"})[["jobcenter_id", "kreis_ags", "ort"]]


def master_data(jc: pd.DataFrame) -> pd.DataFrame:
    """Master data for pages: the input columns plus Land name and, where known, Kreise and place."""
    out = jc[["jobcenter_id", "name", "land", "traegerart", "vergleichstyp"]].copy()
    out["land_name"] = out["land"].map(LAENDER)
    out = out.merge(_reference_jobcenter(), on="jobcenter_id", how="left")
    out[["kreis_ags", "ort"]] = out[["kreis_ags", "ort"]].fillna("")
    return out[["jobcenter_id", "name", "land", "land_name", "traegerart", "vergleichstyp", "kreis_ags", "ort"]]


def _software() -> dict:
    import importlib.metadata as md

    versions = {}
    for dist in ("pandas", "numpy", "pyarrow", "pandera"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    from helpers import __version__

    versions["helpers"] = __version__
    return versions


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd", row_group_size=256_000)


def ziele_file_beside(grunddaten_file: Path) -> Path | None:
    """The optional `ziele` table of a delivery: ziele.csv/.parquet/.xlsx beside grunddaten."""
    for suffix in (".csv", ".parquet", ".xlsx"):
        p = Path(grunddaten_file).parent / f"ziele{suffix}"
        if p.is_file():
            return p
    return None


def build(jobcenter_file: Path, grunddaten_file: Path, out: Path, gebietsaenderungen_file: Path | None = None,
          ziele_file: Path | None = None) -> dict:
    """Validate inputs, compute everything and write the mart atomically. Returns meta.

    ziele_file: the optional input `ziele`; None = ziele.* beside the grunddaten file, if any."""
    from helpers import steuerung
    from helpers.compare import comparison
    from helpers.compute import build_cube, cube_figures, group_inputs, results_frame
    from helpers.gebiete import load_inputs
    from helpers.io import file_sha256

    # on today's territory; warns about Jobcenter that appear late without a change record
    jc, gd, stand = load_inputs(jobcenter_file, grunddaten_file, gebietsaenderungen_file)
    ziele_file = Path(ziele_file) if ziele_file else ziele_file_beside(grunddaten_file)
    ziele = (steuerung.load_ziele(ziele_file, jc["jobcenter_id"]) if ziele_file
             else pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                                zip(steuerung.ZIELE_COLUMNS, ("str", "int64", "str", "float64"))}))
    jfw = steuerung.compute(jc, gd)
    cube = build_cube(jc, gd)
    results = results_frame(cube, cube_figures(cube))
    vergleich = comparison(results, jc)
    demo_marker = Path(grunddaten_file).parent / "demo.json"
    demo = demo_marker.exists()
    demo_info = json.loads(demo_marker.read_text(encoding="utf-8")) if demo else {}
    meta = {
        "datenstand": cube.months[-1],
        "erster_monat": cube.months[0],
        "demo": demo,
        "vergleichstypen_synthetisch": bool(demo_info.get("vergleichstypen") == "synthetisch"),
        "anzahl": {"jobcenter": int(len(jc)), "vergleichstypen": int(jc["vergleichstyp"].nunique()),
                   "laender": int(jc["land"].nunique())},
        "quellen": {
            "jobcenter": {"datei": Path(jobcenter_file).name, "sha256": file_sha256(jobcenter_file)},
            "grunddaten": {"datei": Path(grunddaten_file).name, "sha256": file_sha256(grunddaten_file)},
        },
        "software": _software(),
    }
    if gebietsaenderungen_file is not None:   # fiktive Gebietsstände: the successors' page notes and the change records
        meta["quellen"]["gebietsaenderungen"] = {"datei": Path(gebietsaenderungen_file).name,
                                                 "sha256": file_sha256(gebietsaenderungen_file)}
        meta["gebietsstand"] = {"hinweise": stand.hinweise,
                                "aenderungen": stand.aenderungen.to_dict(orient="records")}
    if ziele_file:
        meta["quellen"]["ziele"] = {"datei": ziele_file.name, "sha256": file_sha256(ziele_file)}
        meta["ziele_synthetisch"] = bool(demo_info.get("ziele") == "synthetisch")

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    try:
        _write_parquet(master_data(jc), tmp / "jobcenter.parquet")
        _write_parquet(results, tmp / "ergebnisse.parquet")
        _write_parquet(vergleich, tmp / "vergleich.parquet")
        _write_parquet(group_inputs(cube), tmp / "grundlagen.parquet")
        _write_parquet(jfw, tmp / "steuerung.parquet")
        _write_parquet(ziele, tmp / "ziele.parquet")
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(out: Path) -> list[Path]:
    """Remove work folders of killed mart writes (``.<name>.tmp-<pid>-*`` of a dead process)."""
    removed = []
    for p in sorted(Path(out).parent.glob(f".{Path(out).name}.tmp-*-*")):
        pid = p.name[len(f".{Path(out).name}.tmp-"):].split("-", 1)[0]
        if p.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _swap_in(new: Path, target: Path) -> None:
    """Replace target by new; the old folder is kept until the new one is in place."""
    os.chmod(new, 0o755)
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def cmd_mart(args: argparse.Namespace) -> int:
    from helpers.io import InputError

    if args.data is not None:    # a delivery folder: its files by the names of the data contract
        from helpers.publish.delivery import DeliveryError, find

        try:
            d = find(args.data)
        except DeliveryError as exc:
            print(abbruch(str(exc)), file=sys.stderr)
            return 2
        args.jobcenter, args.grunddaten = d.jobcenter, d.grunddaten
        args.gebietsaenderungen = args.gebietsaenderungen or d.gebietsaenderungen
    elif args.jobcenter is None or args.grunddaten is None:
        print(abbruch("bitte --data ORDNER oder --jobcenter und --grunddaten angeben."), file=sys.stderr)
        return 2
    try:
        meta = build(args.jobcenter, args.grunddaten, args.out, args.gebietsaenderungen, args.ziele)
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        print(abbruch("der Datenbestand wurde nicht verändert."), file=sys.stderr)
        return 2
    demo = " (Demodaten)" if meta["demo"] else ""
    print(f"Datenbestand {args.out} geschrieben: Datenstand {meta['datenstand']}, "
          f"{meta['anzahl']['jobcenter']} Jobcenter{demo}.")
    return 0


def register(sub) -> None:
    p = sub.add_parser("mart", help="Eingaben prüfen, alles berechnen, Datenbestand (Parquet) schreiben")
    p.add_argument("--data", type=Path, default=None,
                   help="Lieferordner mit jobcenter.*, grunddaten.* und optional gebietsaenderungen.*, ziele.* "
                        "(CSV, Parquet oder XLSX); statt --jobcenter/--grunddaten")
    p.add_argument("--jobcenter", type=Path, default=None)
    p.add_argument("--grunddaten", type=Path, default=None)
    p.add_argument("--gebietsaenderungen", type=Path, default=None,
                   help="optional: Gebietsänderungen (alt_id, neu_id, ab_monat)")
    p.add_argument("--ziele", type=Path, default=None,
                   help="Zielwerte (optional; ohne Angabe: ziele.* neben der Grunddaten-Datei, falls vorhanden)")
    p.add_argument("--out", type=Path, default=paths.MART_DIR)
    p.set_defaults(func=cmd_mart)


# --------------------------------------------------------------------------- reading


class Mart:
    """Read access to one mart folder; tables are loaded once, slices are cheap in-memory filters."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or paths.MART_DIR)
        missing = [f for f in FILES if not (self.path / f).exists()]
        if missing:
            raise FileNotFoundError(
                f"Datenbestand unvollständig in {self.path} (fehlt: {', '.join(missing)}). "
                "Bitte zuerst 'make mart' ausführen."
            )
        self.meta: dict = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        self.jobcenter: pd.DataFrame = pd.read_parquet(self.path / "jobcenter.parquet")
        self._tables: dict[str, pd.DataFrame] = {}

    def _table(self, name: str) -> pd.DataFrame:
        """A whole table, held in memory once (text columns as categoricals: fast to filter)."""
        if name not in self._tables:
            df = pd.read_parquet(self.path / name)
            for col in df.columns:
                if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
                    df[col] = df[col].astype("category")
            self._tables[name] = df
        return self._tables[name]

    def _read(self, name: str, columns=None, **kw) -> pd.DataFrame:
        df = self._table(name)
        mask = np.ones(len(df), dtype=bool)
        for col, val in kw.items():
            if val is None:
                continue
            if isinstance(val, (list, tuple, set)):
                mask &= df[col].isin([str(v) for v in val]).to_numpy()
            else:
                mask &= (df[col] == str(val)).to_numpy()
        out = df.loc[mask, columns or df.columns].reset_index(drop=True)
        for col in out.columns:
            if isinstance(out[col].dtype, pd.CategoricalDtype):
                out[col] = out[col].astype(str)
        return out

    def ergebnisse(self, ebene=None, id=None, kennzahl=None, geschlecht=None, monat=None, columns=None):
        return self._read("ergebnisse.parquet", columns, ebene=ebene, id=id, kennzahl=kennzahl,
                          geschlecht=geschlecht, monat=monat)

    def vergleich(self, jobcenter_id=None, vergleichstyp=None, land=None, monat=None, geschlecht=None,
                  kennzahl=None, columns=None):
        return self._read("vergleich.parquet", columns, jobcenter_id=jobcenter_id, vergleichstyp=vergleichstyp,
                          land=land, monat=monat, geschlecht=geschlecht, kennzahl=kennzahl)

    def grundlagen(self, ebene=None, id=None, geschlecht=None, monat=None, columns=None):
        return self._read("grundlagen.parquet", columns, ebene=ebene, id=id, geschlecht=geschlecht, monat=monat)

    def steuerung(self, ebene=None, id=None, kennzahl=None, geschlecht=None, monat=None, columns=None):
        """Jahresfortschrittswerte (helpers.steuerung); empty for a mart written before them."""
        if not (self.path / "steuerung.parquet").exists():
            return pd.DataFrame(columns=["ebene", "id", "monat", "geschlecht", "kennzahl", "wert", "grund",
                                         "erfasst", "mitglieder", "zaehler", "nenner"])
        return self._read("steuerung.parquet", columns, ebene=ebene, id=id, kennzahl=kennzahl,
                          geschlecht=geschlecht, monat=monat)

    def ziele(self, jobcenter_id=None) -> pd.DataFrame:
        """The Zielwerte (input `ziele`); empty without them."""
        if "ziele" not in self._tables:
            p = self.path / "ziele.parquet"
            self._tables["ziele"] = (pd.read_parquet(p) if p.exists()
                                     else pd.DataFrame(columns=["jobcenter_id", "jahr", "zielgroesse", "ziel"]))
        z = self._tables["ziele"]
        return z if jobcenter_id is None else z[z["jobcenter_id"] == str(jobcenter_id)].reset_index(drop=True)

    def preload(self) -> "Mart":
        """Load every table into memory now (a warm page kernel pays this once)."""
        for name in ("ergebnisse.parquet", "vergleich.parquet", "grundlagen.parquet"):
            self._table(name)
        for name in ("steuerung.parquet",):
            if (self.path / name).exists():
                self._table(name)
        self.ziele()
        return self

    def gruppe(self, members: list[str], name: str = "Vergleichsring") -> pd.DataFrame:
        """Figures of a user-defined group of Jobcenter (summed inputs), long results format."""
        from helpers.compute import group_results

        return group_results(self._table_plain("grundlagen.parquet", ebene="jobcenter"),
                             {name: [str(m) for m in members]})

    def gruppe_steuerung(self, members: list[str], name: str = "Vergleichsring") -> pd.DataFrame:
        """Jahresfortschrittswerte of a user-defined group (helpers.steuerung rules), long format."""
        from helpers.steuerung import group_results

        return group_results(self._table_plain("grundlagen.parquet", ebene="jobcenter"),
                             {name: [str(m) for m in members]})

    def gruppe_grundlagen(self, members: list[str], name: str = "Vergleichsring") -> pd.DataFrame:
        """Summed monthly inputs of a user-defined group (as ``grundlagen`` of the official levels)."""
        from helpers.compute import group_grundlagen

        return group_grundlagen(self._table_plain("grundlagen.parquet", ebene="jobcenter"),
                                {name: [str(m) for m in members]})

    def _table_plain(self, name: str, **kw) -> pd.DataFrame:
        key = (name, tuple(sorted(kw.items())))
        if key not in self._tables:
            self._tables[key] = self._read(name, **kw)
        return self._tables[key]

    @property
    def datenstand(self) -> str:
        return self.meta["datenstand"]

    @property
    def demo(self) -> bool:
        return bool(self.meta.get("demo"))

    def jobcenter_info(self, jobcenter_id: str) -> dict:
        row = self.jobcenter[self.jobcenter["jobcenter_id"] == str(jobcenter_id)]
        if row.empty:
            raise KeyError(f"Jobcenter '{jobcenter_id}' ist im Datenbestand nicht vorhanden.")
        return row.iloc[0].to_dict()


@lru_cache(maxsize=4)
def _load_cached(path: str, stamp: float) -> Mart:
    return Mart(path)


def load(path: Path | str | None = None) -> Mart:
    """The mart at path (default data/processed/), cached while its files are unchanged."""
    p = Path(path or paths.MART_DIR).resolve()
    meta = p / "meta.json"
    stamp = meta.stat().st_mtime_ns if meta.exists() else 0
    return _load_cached(str(p), stamp)
