"""The site model: which page sets exist, where their pages live (→ URL) and where the table of
contents places them. One source: ``parameters/pages.yml`` (keys ``sets`` and
``inhaltsverzeichnis``), read and schema-checked here; ``book`` (TOC, overview pages),
``pages`` (links between pages), ``downloads`` and the pipeline (``pipeline.config``) all ask
this model instead of spelling ``book/seiten/...`` themselves.

Shape rules (checked on load, German message with file, key and line, ``ConfigError``):

* every page of a set lies one folder below ``book/seiten/`` (``book/seiten/<ordner>/<datei>.ipynb``),
  so a page reaches any other page as ``../<ordner>/<datei>.html``, the book as ``../../`` and the
  site's root as ``../../../``;
* the first set of an entity kind (``entities``) in ``pages.yml`` is the page a link to that
  Jobcenter, Vergleichstyp, Land or the Bund goes to; its file name may only use ``{id}``;
* ``inhaltsverzeichnis`` lists the TOC parts in order; every set of ``pages.yml`` stands in
  exactly one part; a part with two sets nests the second set's pages under the first's
  (Land under Bund, Jobcenter under their Vergleichstyp); names of sets that ``sets`` does not
  declare (a trimmed pages.yml) are left out.

Pages not declared here (user page sets of ``parameters/eigene/``, Vergleichsringe) live in
their own folders (``EIGENE``, ``RING``) and appear under the TOC part with ``inhalt: eigene``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

PAGES_FILE = Path("parameters/pages.yml")
PAGES_ROOT = "book/seiten/"
EIGENE = "eigene"        # folder of single pages from parameters/eigene/ (the explorer writes them)
RING = "ring"            # folder (and reserved set name) of the Vergleichsring pages
ZUM_BUCH = "../../"      # from a page (book/seiten/<ordner>/) to the book folder
ZUR_SITE = "../../../"   # from a page to the site's root (downloads/)
DOWNLOADS = "downloads"  # folder of the download files in the built site (helpers.downloads)
ENTITY_KINDS = ("jobcenter", "vergleichstyp", "land", "traegerart", "bund")
# TOC parts that hold no page set: what they show is fixed by the book (book.build_toc)
INHALTE = ("lesehilfe", "verzeichnisse", "eigene", "hilfe", "ausgabe")


class ConfigError(Exception):
    """A parameter file (or what it refers to) is not usable. The message is German."""


# --------------------------------------------------------------------------- YAML


class _TextNumberLoader(yaml.SafeLoader):
    """SafeLoader without implicit int/float/timestamp: ``01001`` stays ``"01001"``."""


_TextNumberLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                           "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# Bounds for parameter files: a "billion laughs" or a 5,000-level nesting is refused before
# anything is built from it (the event scan below is linear and does not recurse).
MAX_YAML_BYTES = 1_000_000
MAX_YAML_ALIASES = 20
MAX_YAML_DEPTH = 20


def _check_bounds(text: str, shown: str) -> None:
    aliases = depth = 0
    for event in yaml.parse(text, Loader=_TextNumberLoader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise ConfigError(f"{shown}: mehr als {MAX_YAML_ALIASES} YAML-Verweise (*Alias) – "
                                  "bitte die Werte ausschreiben.")
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise ConfigError(f"{shown}: mehr als {MAX_YAML_DEPTH} Ebenen verschachtelt.")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def read_text(path: Path, shown: str) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(f"{shown}: nicht lesbar ({exc.strerror}).") from None
    if size > MAX_YAML_BYTES:
        raise ConfigError(f"{shown}: die Datei ist zu groß ({size} Bytes, erlaubt {MAX_YAML_BYTES}).")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: die Datei ist nicht UTF-8-kodiert.") from None


def parse_yaml(text: str, shown: str) -> Any:
    try:
        _check_bounds(text, shown)
        return yaml.load(text, Loader=_TextNumberLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (Zeile {mark.line + 1}, Spalte {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{shown}{where}: kein gültiges YAML – {problem}.") from None


def read_yaml(path: Path, shown: str) -> Any:
    return parse_yaml(read_text(path, shown), shown)


def zeile(text: str, loc: tuple) -> int | None:
    """The 1-based line of the node at ``loc`` (keys and list indices) in the YAML text; for a
    missing key the line of its parent. None if the text cannot be composed."""
    try:
        node = yaml.compose(text, Loader=_TextNumberLoader)
    except yaml.YAMLError:
        return None
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if nxt is None:
                break
            line, node = nxt[0].start_mark.line + 1, nxt[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def bei(text: str | None, loc: tuple) -> str:
    """' (Zeile N)' for a message, or '' without a line."""
    n = zeile(text, loc) if text is not None else None
    return f" (Zeile {n})" if n else ""


# --------------------------------------------------------------------------- schema


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


def check_template(v: str) -> str:
    if not v.endswith(".ipynb"):
        raise ValueError("muss auf eine Notebook-Vorlage (.ipynb) zeigen")
    if Path(v).is_absolute() or ".." in Path(v).parts:
        raise ValueError("muss ein Pfad relativ zum Projektordner sein (ohne '..')")
    return v


_ORDNER_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def check_output(v: str) -> str:
    """A page's output: book/seiten/<ordner>/<datei>.ipynb, one folder below book/seiten."""
    if not v.startswith(PAGES_ROOT) or not v.endswith(".ipynb") or ".." in Path(v).parts:
        raise ValueError(f"muss die Form '{PAGES_ROOT}<ordner>/<datei>.ipynb' haben")
    teile = v[len(PAGES_ROOT):].split("/")
    if len(teile) != 2:
        raise ValueError(f"muss genau einen Ordner unter {PAGES_ROOT} haben ('{PAGES_ROOT}<ordner>/<datei>.ipynb'), "
                         "damit die Verweise zwischen den Seiten stimmen")
    if not _ORDNER_RE.match(teile[0]):
        raise ValueError("der Ordner besteht nur aus Kleinbuchstaben, Ziffern, '-' und '_' (ohne Platzhalter)")
    return v


class SetSpec(Strict):
    """One page set: one template, one page per entity."""

    template: str
    output: str
    title: str
    entities: Literal["jobcenter", "vergleichstyp", "land", "traegerart", "bund"]
    ids: list[str] | None = Field(default=None, min_length=1)
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("template")
    @classmethod
    def _template(cls, v: str) -> str:
        return check_template(v)

    @field_validator("output")
    @classmethod
    def _output(cls, v: str) -> str:
        check_output(v)
        if "{id}" not in v:
            raise ValueError("muss den Platzhalter {id} enthalten")
        return v


class TeilSpec(Strict):
    """One part of the table of contents: page sets (the second nested under the first) or one
    of the book's own contents (``INHALTE``)."""

    teil: str = Field(min_length=1, max_length=80)
    saetze: list[str] | None = Field(default=None, min_length=1, max_length=2)
    inhalt: Literal["lesehilfe", "verzeichnisse", "eigene", "hilfe", "ausgabe"] | None = None

    @field_validator("teil")
    @classmethod
    def _teil(cls, v: str) -> str:
        if re.search(r"[\x00-\x1f\x7f]", v):
            raise ValueError("keine Steuerzeichen (Zeilenumbruch, Tabulator o. ä.)")
        return v


_TYPE_TEXT = {
    "string_type": "muss ein Text sein (Kennungen in Anführungszeichen, z. B. \"01001\")",
    "list_type": "muss eine Liste sein",
    "dict_type": "muss eine Zuordnung (Schlüssel: Wert) sein",
    "bool_type": "muss true oder false sein",
    "bool_parsing": "muss true oder false sein",
    "model_type": "muss eine Zuordnung (Schlüssel: Wert) sein",
}


def german(err: dict) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "fehlt (Pflichtangabe)"
    if kind == "extra_forbidden":
        return "ist kein bekannter Schlüssel (Tippfehler?)"
    if kind == "literal_error":
        return f"muss einer dieser Werte sein: {ctx.get('expected', '')}"
    if kind == "too_short":
        return f"braucht mindestens {ctx.get('min_length')} Eintrag/Einträge"
    if kind == "too_long":
        return f"hat höchstens {ctx.get('max_length')} Einträge/Zeichen"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in _TYPE_TEXT:
        return _TYPE_TEXT[kind]
    return err["msg"]


def key_text(loc: tuple) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def validation_message(exc: ValidationError, shown: str, text: str | None, prefix: tuple = ()) -> str:
    return "\n".join(f"{shown}: Schlüssel '{key_text(prefix + tuple(e['loc']))}' {german(e)}"
                     f"{bei(text, prefix + tuple(e['loc']))}" for e in exc.errors())


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Satz:
    """A page set as the site sees it: where its pages are."""

    name: str
    entities: str
    output: str            # pattern, e.g. book/seiten/jobcenter/{id}.ipynb

    @property
    def ordner(self) -> str:
        return self.output[len(PAGES_ROOT):].split("/")[0]

    def datei(self, uid: str) -> str:
        """The page's file name without suffix."""
        return PurePosixPath(self.output.format(id=uid)).stem

    def doc(self, uid: str) -> str:
        """The page's document name (TOC entry, without suffix), e.g. book/seiten/land/01."""
        return f"{PAGES_ROOT}{self.ordner}/{self.datei(uid)}"

    def url(self, uid: str) -> str:
        """The link to the built page from any page (all pages lie one folder below book/seiten)."""
        return f"../{self.ordner}/{self.datei(uid)}.html"

    def id_von(self, datei: str) -> str | None:
        """The id of a page from its file name without suffix (None: not a page of this set);
        for link targets, whose file name uses only {id}."""
        vor, _, nach = PurePosixPath(self.output).stem.partition("{id}")
        if len(datei) > len(vor) + len(nach) and datei.startswith(vor) and datei.endswith(nach):
            return datei[len(vor):len(datei) - len(nach)]
        return None


@dataclass(frozen=True)
class Teil:
    caption: str
    saetze: tuple[str, ...] = ()
    inhalt: str | None = None


@dataclass(frozen=True)
class SiteModel:
    saetze: dict[str, Satz]           # in the order of pages.yml
    teile: tuple[Teil, ...]

    def satz(self, kind: str) -> Satz:
        """The set a link to an entity of this kind goes to (the first of that kind)."""
        for s in self.saetze.values():
            if s.entities == kind:
                return s
        raise ConfigError(f"{PAGES_FILE}: kein Seitensatz für '{kind}' (Schlüssel 'sets', 'entities: {kind}').")

    def hat(self, kind: str) -> bool:
        return any(s.entities == kind for s in self.saetze.values())

    def url(self, kind: str, uid: str) -> str:
        return self.satz(kind).url(uid)

    def doc(self, kind: str, uid: str) -> str:
        return self.satz(kind).doc(uid)

    def ordner(self) -> set[str]:
        """The folders of the declared sets (others under book/seiten are user page sets)."""
        return {s.ordner for s in self.saetze.values()}

    def teil(self, inhalt: str) -> Teil | None:
        return next((t for t in self.teile if t.inhalt == inhalt), None)

    def fingerprint(self) -> str:
        """A hash of what links and the TOC depend on (pages re-run when it changes)."""
        data = {"saetze": {n: [s.entities, s.output] for n, s in self.saetze.items()},
                "teile": [[t.caption, list(t.saetze), t.inhalt] for t in self.teile]}
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def eigene_output(ordner: str, uid: str) -> str:
    """Output of a page outside the declared sets (parameters/eigene/, Vergleichsringe)."""
    return f"{PAGES_ROOT}{ordner}/{uid}.ipynb"


RING_KENNUNG_MAX = 80


def ring_kennung(name: str) -> str:
    """The file-name id of a Vergleichsring from its (user-given, untrusted) name: lower case,
    umlauts transliterated, every other character outside a-z0-9 a single "-", at most
    RING_KENNUNG_MAX characters; "ring" when nothing is left. Page (book/seiten/ring/<id>) and
    download files (downloads/ring/<id>.*) of a ring are named by it."""
    s = str(name).lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        s = s.replace(a, b)
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")[:RING_KENNUNG_MAX].strip("-")
    return s or "ring"


DOWNLOAD_ARTEN = (*ENTITY_KINDS, RING)      # folders of downloads/ (one per kind of unit)
DOWNLOAD_ENDUNGEN = ("csv", "xlsx")
_KENNUNG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,%d}$" % (RING_KENNUNG_MAX - 1))
_MONAT_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def download_datei(art: str, kennung: str, endung: str = "csv", monat: str | None = None) -> str:
    """Path (relative to the site's downloads folder) of a unit's download file: the full time
    series ``<art>/<kennung>.<endung>`` or, with ``monat``, the page's one-month CSV
    ``<art>/<kennung>_<monat>.csv``. Kind, id, month and extension are validated (ids: letters,
    digits and "-" only, as Jobcenter-IDs, Vergleichstyp codes, Landesschlüssel, DE and
    ``ring_kennung``), so no value can leave the folder or break a link; else ValueError."""
    if art not in DOWNLOAD_ARTEN:
        raise ValueError(f"unbekannte Art einer Download-Datei: {art!r}")
    if not isinstance(kennung, str) or not _KENNUNG_RE.fullmatch(kennung):
        raise ValueError(f"unzulässige Kennung für einen Dateinamen: {kennung!r}")
    if endung not in DOWNLOAD_ENDUNGEN or (monat is not None and endung != "csv"):
        raise ValueError(f"unzulässige Dateiendung: {endung!r}")
    if monat is not None:
        if not isinstance(monat, str) or not _MONAT_RE.fullmatch(monat):
            raise ValueError(f"unzulässiger Monat: {monat!r}")
        return f"{art}/{kennung}_{monat}.csv"
    return f"{art}/{kennung}.{endung}"


def download_href(art: str, kennung: str, endung: str = "csv", monat: str | None = None) -> str:
    """The link from a page (one folder below book/seiten) to a download file."""
    return f"{ZUR_SITE}{DOWNLOADS}/{download_datei(art, kennung, endung, monat)}"


def modell(sets: dict[str, SetSpec], teile: list[TeilSpec] | None, shown: str, text: str | None) -> SiteModel:
    """Cross-check sets and TOC parts (each set in one part; nesting possible; link targets
    named by {id} alone; one folder per set) and build the model."""

    def err(loc: tuple, msg: str) -> ConfigError:
        return ConfigError(f"{shown}: Schlüssel '{key_text(loc)}': {msg}{bei(text, loc)}")

    saetze = {n: Satz(n, s.entities, s.output) for n, s in sets.items()}
    ordner: dict[str, str] = {}
    for n, s in saetze.items():
        if s.ordner in (EIGENE, RING):
            raise err(("sets", n, "output"), f"der Ordner '{s.ordner}' ist für eigene Seiten und Vergleichsringe reserviert.")
        if s.ordner in ordner:
            raise err(("sets", n, "output"), f"den Ordner '{s.ordner}' nutzt schon der Seitensatz '{ordner[s.ordner]}'.")
        ordner[s.ordner] = n
    erste: set[str] = set()
    for n, s in saetze.items():
        if s.entities not in erste:
            erste.add(s.entities)
            datei = s.output[len(PAGES_ROOT) + len(s.ordner) + 1:]
            if set(re.findall(r"\{([^{}]*)\}", datei)) != {"id"}:
                raise err(("sets", n, "output"), "der Dateiname darf nur den Platzhalter {id} enthalten "
                          "(auf diese Seiten verweisen die anderen Seiten über ihre Kennung).")
    if teile is None:
        raise ConfigError(f"{shown}: Schlüssel 'inhaltsverzeichnis' fehlt (die Teile des Inhaltsverzeichnisses "
                          "und welche Seitensätze darin stehen).")
    gesehen: dict[str, int] = {}
    inhalte: set[str] = set()
    out: list[Teil] = []
    for i, t in enumerate(teile):
        loc = ("inhaltsverzeichnis", i)
        if (t.saetze is None) == (t.inhalt is None):
            raise err(loc, "braucht genau eines von 'saetze' (Seitensätze) und 'inhalt' "
                      f"({', '.join(INHALTE)}).")
        if t.inhalt:
            if t.inhalt in inhalte:
                raise err(loc + ("inhalt",), f"'{t.inhalt}' steht schon in einem anderen Teil.")
            inhalte.add(t.inhalt)
        for j, n in enumerate(t.saetze or []):
            if n in gesehen:
                raise err(loc + ("saetze", j), f"der Seitensatz '{n}' steht schon im Teil {gesehen[n] + 1}.")
            gesehen[n] = i
        # a name without a set (pages.yml trimmed to fewer sets) is left out; a misspelt name
        # shows as the declared set that stands in no part (below)
        namen = tuple(n for n in t.saetze or () if n in saetze)
        if t.saetze is not None and not namen:
            continue
        if len(namen) == 2:
            oben, unten = (saetze[n] for n in namen)
            if not (oben.entities == "bund" or unten.entities == "jobcenter") or oben.entities == unten.entities:
                raise err(loc + ("saetze",), f"'{unten.name}' lässt sich nicht unter '{oben.name}' einordnen "
                          "(möglich: alles unter dem Bund, Jobcenter unter ihrem Vergleichstyp, Land oder ihrer Trägerart).")
        out.append(Teil(t.teil, namen, t.inhalt))
    fehlen = [n for n in saetze if n not in gesehen]
    if fehlen:
        raise err(("inhaltsverzeichnis",), f"der Seitensatz '{fehlen[0]}' steht in keinem Teil (jede Seite "
                  "muss im Inhaltsverzeichnis stehen, sonst baut das Buch sie nicht).")
    return SiteModel(saetze, tuple(out))


_SETS = TypeAdapter(dict[str, SetSpec])
_TEILE = TypeAdapter(list[TeilSpec] | None)


def aus_text(text: str, shown: str = PAGES_FILE.as_posix()) -> SiteModel:
    data = parse_yaml(text, shown)
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}: die Datei muss eine Zuordnung mit den Schlüsseln 'sets' und "
                          "'inhaltsverzeichnis' sein.")
    try:
        sets = _SETS.validate_python(data.get("sets") or {})
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, shown, text, ("sets",))) from None
    try:
        teile = _TEILE.validate_python(data.get("inhaltsverzeichnis"))
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, shown, text, ("inhaltsverzeichnis",))) from None
    return modell(sets, teile, shown, text)


def laden(root: Path | None = None) -> SiteModel:
    """The site model of the project (``root`` or paths.ROOT; a root without parameters/pages.yml,
    such as a scratch book, uses the one of the checkout this package lives in), read once per
    process and file state."""
    if root is None:
        from helpers import paths
        root = paths.ROOT
    p = Path(root) / PAGES_FILE
    if not p.is_file():   # a scratch book without parameters/: the site model of this checkout
        p = Path(__file__).resolve().parents[2] / PAGES_FILE
    try:
        st = p.stat()
    except OSError:
        raise ConfigError(f"{PAGES_FILE}: die Datei fehlt ({Path(root) / PAGES_FILE}).") from None
    return _laden(str(p), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _laden(path: str, _mtime: int, _size: int) -> SiteModel:
    return aus_text(read_text(Path(path), PAGES_FILE.as_posix()))
