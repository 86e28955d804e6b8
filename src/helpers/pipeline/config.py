"""Page-set declarations: parameters/pages.yml plus the user's parameters/eigene/*.yml.

Every file is validated on load (pydantic v2); a bad file raises ``ConfigError`` whose
message is German and names the file and the key. The entity lists (which Jobcenter,
Vergleichstypen, Länder exist) are never written by hand: they come from the mart.

YAML is read with a loader that keeps numbers as the text they were written as, so an
unquoted ``01001`` stays the string ``"01001"`` (plain YAML would read it as the octal
number 513) and ``2024-01`` stays a string.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator

from helpers.mdsafe import CONTROL
from helpers import sitemodel
from helpers.sitemodel import (EIGENE, MAX_YAML_BYTES, PAGES_FILE, PAGES_ROOT, RING, ConfigError, SetSpec,  # noqa: F401
                               Strict as _Strict, TeilSpec, check_output, eigene_output, parse_yaml, read_text,
                               read_yaml, validation_message)
from helpers.sitemodel import check_template as _check_template

RING_SET = RING
EIGENE_DIR = Path("parameters/eigene")
GESCHLECHTER = ("insgesamt", "frauen", "maenner")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_MONAT_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class RingSpec(_Strict):
    """A user-defined comparison group (Vergleichsring) with its own page."""

    name: str = Field(min_length=1)
    jobcenter_ids: list[str] = Field(min_length=2)
    template: str = "notebooks/ring.ipynb"
    jobcenter_id: str | None = None   # the Jobcenter the page is about; default: the first member
    title: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("template")
    @classmethod
    def _template(cls, v: str) -> str:
        return _check_template(v)

    @field_validator("name", "title")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        if v is not None and (len(v) > 200 or CONTROL.search(v)):
            raise ValueError("höchstens 200 Zeichen, keine Steuerzeichen (Zeilenumbruch, Tabulator o. ä.)")
        return v

    @field_validator("jobcenter_ids")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        dup = sorted(x for x, n in Counter(v).items() if n > 1)
        if dup:
            raise ValueError(f"enthält doppelte Einträge: {', '.join(dup)}")
        return v


class SinglePage(_Strict):
    """One page in a file of its own (the form the explorer writes into parameters/eigene/)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    set: str
    template: str
    id: str
    title: str = Field(alias="titel")
    parameters: dict[str, Any] = Field(default_factory=dict)
    output: str | None = None

    @field_validator("template")
    @classmethod
    def _template(cls, v: str) -> str:
        return _check_template(v)

    @field_validator("set", "id")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError("besteht nur aus Kleinbuchstaben, Ziffern, '-' und '_'")
        return v

    @field_validator("output")
    @classmethod
    def _output(cls, v: str | None) -> str | None:
        return v if v is None else check_output(v)


class WarmupSpec(_Strict):
    imports: list[str] = Field(default_factory=lambda: ["pandas", "altair", "helpers"])
    load_mart: bool = True


class ParameterFile(_Strict):
    sets: dict[str, SetSpec] = Field(default_factory=dict)
    vergleichsringe: list[RingSpec] = Field(default_factory=list)
    warmup: WarmupSpec | None = None
    inhaltsverzeichnis: list[TeilSpec] | None = None   # only in pages.yml (helpers.sitemodel)
    _text: str | None = None                            # the file's text (line numbers in messages)


def parse_file(path: Path, shown: str) -> ParameterFile | SinglePage:
    text = read_text(path, shown)
    data = parse_yaml(text, shown)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}: die Datei muss eine Zuordnung mit den Schlüsseln "
                          "'sets' und/oder 'vergleichsringe' sein (oder eine Einzelseite mit 'set').")
    model = SinglePage if "set" in data else ParameterFile
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, shown, text)) from None
    if isinstance(spec, SinglePage):
        return spec
    spec._text = text
    for name in spec.sets:
        if not _NAME_RE.match(name):
            raise ConfigError(f"{shown}: Schlüssel 'sets.{name}': Satznamen bestehen aus Kleinbuchstaben, "
                              "Ziffern, '-' und '_'.")
    return spec


# --------------------------------------------------------------------------- entities


@dataclass(frozen=True)
class Entities:
    """What the mart contains: one record (dict of text fields) per entity and kind."""

    kinds: dict[str, dict[str, dict[str, str]]]
    months: tuple[str, str] | None = None   # (erster_monat, datenstand)

    def get(self, kind: str) -> dict[str, dict[str, str]]:
        return self.kinds.get(kind, {})


def _typ_key(code: str) -> tuple[int, str]:
    """Vergleichstypen in their natural order: Ia, Ib, IIa, ..., IIIb, IV, V (roman numeral, letter)."""
    m = re.match(r"^([IVX]+)(.*)$", code)
    if not m:
        return (99, code)
    values = {"I": 1, "V": 5, "X": 10}
    digits = [values[c] for c in m.group(1)]
    n = sum(-d if i + 1 < len(digits) and d < digits[i + 1] else d for i, d in enumerate(digits))
    return (n, m.group(2))


def _kurzname(name: str) -> str:
    return name[len("Jobcenter "):] if name.startswith("Jobcenter ") else name


def entities_from_mart(mart_dir: Path) -> Entities:
    """Derive the entity lists from the mart's jobcenter.parquet and meta.json."""
    import pyarrow.parquet as pq

    from helpers.kennzahlen import LAENDER, TRAEGERART_LABEL

    jc_file = mart_dir / "jobcenter.parquet"
    if not jc_file.exists():
        raise ConfigError(f"Datenbestand nicht gefunden: {jc_file} fehlt. Bitte zuerst 'make mart' "
                          "ausführen oder mit --mart den Ordner angeben.")
    rows = pq.read_table(jc_file).to_pylist()
    jobcenter: dict[str, dict[str, str]] = {}
    for r in rows:
        rec = {k: ("" if v is None else str(v)) for k, v in r.items()}
        jid = rec["jobcenter_id"]
        rec.update(id=jid, kurzname=_kurzname(rec.get("name", jid)))
        jobcenter[jid] = rec
    typen = sorted({r["vergleichstyp"] for r in jobcenter.values() if r.get("vergleichstyp")}, key=_typ_key)
    laender = sorted({r["land"] for r in jobcenter.values() if r.get("land")})
    land_names = {r["land"]: r.get("land_name") or LAENDER.get(r["land"], r["land"]) for r in jobcenter.values()}
    traeger = sorted({r["traegerart"] for r in jobcenter.values() if r.get("traegerart")})
    kinds = {
        "jobcenter": jobcenter,
        "vergleichstyp": {t: {"id": t, "name": t, "kurzname": t} for t in typen},
        "land": {c: {"id": c, "name": land_names[c], "kurzname": land_names[c]} for c in laender},
        "traegerart": {t: {"id": t, "name": TRAEGERART_LABEL.get(t, t), "kurzname": t} for t in traeger},
        "bund": {"DE": {"id": "DE", "name": "Deutschland", "kurzname": "Bund"}},
    }
    months = None
    meta = mart_dir / "meta.json"
    if meta.exists():
        m = json.loads(meta.read_text(encoding="utf-8"))
        if m.get("erster_monat") and m.get("datenstand"):
            months = (str(m["erster_monat"]), str(m["datenstand"]))
    return Entities(kinds=kinds, months=months)


# --------------------------------------------------------------------------- plan


@dataclass
class Page:
    """One page to produce: what to run, with which parameters, where to write it."""

    set: str
    id: str
    template: str          # relative to the project root
    output: str            # relative to the project root
    title: str
    parameters: dict[str, Any]
    source: str            # the parameter file that declared it (for messages)
    log: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.set}={self.id}"


@dataclass
class Plan:
    pages: list[Page]
    warmup: WarmupSpec
    files: list[str]       # the parameter files read (relative paths)
    site: str = ""         # hash of pages.yml's site shape (outputs, TOC): links on every page depend on it


def slug(text: str) -> str:
    """The page id of a Vergleichsring (the site model's ``ring_kennung``: its downloads share it)."""
    return sitemodel.ring_kennung(text)


def _err(shown: str, key: str, text: str) -> ConfigError:
    return ConfigError(f"{shown}: Schlüssel '{key}': {text}")


def _fmt(value: Any, fields: dict[str, str], shown: str, key: str) -> Any:
    if isinstance(value, str):
        try:
            return value.format_map(fields)
        except KeyError as exc:
            raise _err(shown, key, f"unbekannter Platzhalter {{{exc.args[0]}}} (verfügbar: "
                       f"{', '.join('{' + k + '}' for k in sorted(fields))}).") from None
        except (ValueError, IndexError) as exc:
            raise _err(shown, key, f"ungültiger Platzhalter ({exc}); geschweifte Klammern als Text "
                       "bitte verdoppeln: {{ }}.") from None
    if isinstance(value, list):
        return [_fmt(v, fields, shown, key) for v in value]
    if isinstance(value, dict):
        return {k: _fmt(v, fields, shown, f"{key}.{k}") for k, v in value.items()}
    return value


def template_parameters(path: Path) -> set[str] | None:
    """Names assigned in the template's cell tagged ``parameters`` (None: no such cell)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError as exc:
                raise ConfigError(f"{path}: die Parameter-Zelle ist kein gültiges Python ({exc.msg}).") from None
            names: set[str] = set()
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            names.add(n.id)
            return names
    return None


def _check_values(params: dict[str, Any], shown: str, key: str, entities: Entities) -> None:
    monat = params.get("monat")
    if monat is not None:
        if not isinstance(monat, str) or not _MONAT_RE.match(monat):
            raise _err(shown, f"{key}.monat", f"'{monat}' ist kein Monat der Form JJJJ-MM "
                       "(oder null = neuester Monat).")
        if entities.months and not (entities.months[0] <= monat <= entities.months[1]):
            raise _err(shown, f"{key}.monat", f"{monat} liegt nicht im Datenbestand "
                       f"({entities.months[0]} bis {entities.months[1]}).")
    g = params.get("geschlecht")
    if g is not None and g not in GESCHLECHTER:
        raise _err(shown, f"{key}.geschlecht", f"'{g}' – erlaubt sind {', '.join(GESCHLECHTER)}.")


def _jobcenter_ids(params: dict[str, Any]) -> list[str]:
    """Jobcenter ids named in parameters (jobcenter_id, mitglieder, vergleichsring members)."""
    ids: list[Any] = []
    if isinstance(params.get("jobcenter_id"), str):
        ids.append(params["jobcenter_id"])
    if isinstance(params.get("mitglieder"), list):
        ids += params["mitglieder"]
    ring = params.get("vergleichsring")
    if isinstance(ring, dict) and isinstance(ring.get("jobcenter_ids"), list):
        ids += ring["jobcenter_ids"]
    return [str(x) for x in ids]


def load_plan(root: Path, entities: Entities, mart_param: str | None = None) -> Plan:
    """Read pages.yml and eigene/*.yml, validate them against templates and mart, list the pages.

    ``mart_param`` is passed as parameter ``mart_dir`` to every template that declares one.
    """
    main = root / PAGES_FILE
    if not main.exists():
        raise ConfigError(f"{PAGES_FILE}: die Datei fehlt.")
    files = [(PAGES_FILE.as_posix(), main)]
    eigene = root / EIGENE_DIR
    if eigene.is_dir():
        found = sorted([*eigene.glob("*.yml"), *eigene.glob("*.yaml")])
        files += [((EIGENE_DIR / p.name).as_posix(), p) for p in found]

    warmup = WarmupSpec()
    site = ""
    pages: list[Page] = []
    seen_sets: dict[str, str] = {}
    seen_outputs: dict[str, str] = {}
    tpl_params: dict[str, set[str] | None] = {}

    def add(page: Page, shown: str, key: str) -> None:
        def k(sub: str) -> str:
            return f"{key}.{sub}" if key else sub

        if page.template not in tpl_params:
            p = root / page.template
            if not p.exists():
                raise _err(shown, k("template"), f"die Vorlage {page.template} gibt es nicht.")
            tpl_params[page.template] = template_parameters(p)
        names = tpl_params[page.template]
        if names is None:
            raise _err(shown, k("template"), f"{page.template} hat keine Zelle mit dem Tag 'parameters'.")
        unknown = sorted(set(page.parameters) - names)
        if unknown:
            raise _err(shown, k(f"parameters.{unknown[0]}"), f"die Vorlage {page.template} kennt diesen "
                       f"Parameter nicht (ihre Parameter: {', '.join(sorted(names))}).")
        if mart_param is not None and "mart_dir" in names and "mart_dir" not in page.parameters:
            page.parameters["mart_dir"] = mart_param
        _check_values(page.parameters, shown, k("parameters"), entities)
        for i, jid in enumerate(_jobcenter_ids(page.parameters)):
            if jid not in entities.get("jobcenter"):
                raise _err(shown, k("parameters"), f"Jobcenter '{jid}' gibt es im Datenbestand nicht.")
        if page.output in seen_outputs:
            raise _err(shown, key or "id", f"die Seite {page.output} wird schon von "
                       f"{seen_outputs[page.output]} erzeugt.")
        seen_outputs[page.output] = f"{shown} ({key or 'id'})"
        page.log = f"logs/pages/{page.set}/{page.id}.log"
        for what, rel, folder in (("output", page.output, PAGES_ROOT), ("id", page.log, "logs/pages/")):
            target, base = (root / rel).resolve(), (root / folder).resolve()
            if base not in target.parents:
                raise _err(shown, k(what), f"der Pfad {rel!r} läge außerhalb von {folder} (unzulässige "
                           "Zeichen in Kennung oder Namen?).")
        pages.append(page)

    for shown, path in files:
        spec = parse_file(path, shown)
        if isinstance(spec, SinglePage):
            if shown == PAGES_FILE.as_posix():
                raise _err(shown, "set", "Einzelseiten gehören nach parameters/eigene/.")
            folder = RING_SET if spec.set == RING_SET else EIGENE
            add(Page(
                set=spec.set, id=spec.id, template=spec.template,
                output=spec.output or eigene_output(folder, spec.id),
                title=spec.title, parameters=dict(spec.parameters), source=shown,
            ), shown, "")
            continue
        if spec.warmup is not None:
            if shown != PAGES_FILE.as_posix():
                raise _err(shown, "warmup", f"ist nur in {PAGES_FILE} erlaubt.")
            warmup = spec.warmup
        if shown == PAGES_FILE.as_posix():
            site = hashlib.sha256(json.dumps(
                [{n: [s.entities, s.output] for n, s in spec.sets.items()},
                 [t.model_dump() for t in spec.inhaltsverzeichnis or []]],
                sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            if spec.inhaltsverzeichnis is not None:
                sitemodel.modell(spec.sets, spec.inhaltsverzeichnis, shown, spec._text)   # the site's shape
        elif spec.inhaltsverzeichnis is not None:
            raise _err(shown, "inhaltsverzeichnis", f"ist nur in {PAGES_FILE} erlaubt.")
        for name, s in spec.sets.items():
            key = f"sets.{name}"
            if name == RING_SET:
                raise _err(shown, key, f"der Name '{RING_SET}' ist für Vergleichsringe reserviert.")
            if name in seen_sets:
                raise _err(shown, key, f"den Seitensatz gibt es schon in {seen_sets[name]}.")
            seen_sets[name] = shown
            known = entities.get(s.entities)
            ids = list(known) if s.ids is None else s.ids
            for i, eid in enumerate(ids):
                if eid not in known:
                    raise _err(shown, f"{key}.ids[{i}]", f"'{eid}' gibt es im Datenbestand nicht "
                               f"(Art: {s.entities}).")
            for eid in ids:
                fields = dict(known[eid])
                add(Page(
                    set=name, id=eid, template=s.template,
                    output=_fmt(s.output, fields, shown, f"{key}.output"),
                    title=_fmt(s.title, fields, shown, f"{key}.title"),
                    parameters=_fmt(dict(s.parameters), fields, shown, f"{key}.parameters"),
                    source=shown,
                ), shown, key)
        jc = entities.get("jobcenter")
        for i, ring in enumerate(spec.vergleichsringe):
            key = f"vergleichsringe[{i}]"
            for j, jid in enumerate(ring.jobcenter_ids):
                if jid not in jc:
                    raise _err(shown, f"{key}.jobcenter_ids[{j}]", f"Jobcenter '{jid}' gibt es im "
                               "Datenbestand nicht.")
            ref = ring.jobcenter_id or ring.jobcenter_ids[0]
            if ref not in jc:
                raise _err(shown, f"{key}.jobcenter_id", f"Jobcenter '{ref}' gibt es im Datenbestand nicht.")
            rid = slug(ring.name)
            params: dict[str, Any] = {"jobcenter_id": ref,
                                      "vergleichsring": {"name": ring.name,
                                                         "jobcenter_ids": list(ring.jobcenter_ids)}}
            params.update(ring.parameters)
            add(Page(
                set=RING_SET, id=rid, template=ring.template,
                output=eigene_output(RING_SET, rid),
                title=ring.title or f"Vergleichsring {ring.name}",
                parameters=params, source=shown,
            ), shown, key)
    return Plan(pages=pages, warmup=warmup, files=[f for f, _ in files], site=site)
