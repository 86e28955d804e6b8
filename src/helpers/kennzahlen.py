"""Metadata of the 15 figures of the Verordnung zu § 48a SGB II and of the input columns.

The formulas themselves live in ``compute``; this module says what each figure is called,
which goal it belongs to, how it is read, and which inputs it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

GESCHLECHTER = ("insgesamt", "frauen", "maenner")
GESCHLECHT_LABEL = {"insgesamt": "Insgesamt", "frauen": "Frauen", "maenner": "Männer"}

EBENE_LABEL = {
    "jobcenter": "Jobcenter",
    "vergleichstyp": "Vergleichstyp",
    "land": "Land",
    "traegerart": "Trägerart",
    "land_traegerart": "Land × Trägerart",
    "bund": "Bund",
}

# Input columns of `grunddaten` (data contract), in contract order.
MONEY_COLUMNS = ("llu", "kdu")
COUNT_COLUMNS = (
    "elb", "elb_zugang", "elb_abgang", "integrationen", "integrationen_svb", "kontinuierlich",
    "eintritte_minijob", "eintritte_oefb", "ae", "integrationen_ae", "lzb", "lzb_zugang",
    "lzb_abgang", "lzb_massnahme", "integrationen_lzb",
)
VALUE_COLUMNS = MONEY_COLUMNS + COUNT_COLUMNS
KEY_COLUMNS = ("jobcenter_id", "monat", "geschlecht")
JOBCENTER_COLUMNS = ("jobcenter_id", "name", "land", "traegerart", "vergleichstyp")

LAENDER = {
    "01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
    "05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg", "09": "Bayern", "10": "Saarland", "11": "Berlin",
    "12": "Brandenburg", "13": "Mecklenburg-Vorpommern", "14": "Sachsen",
    "15": "Sachsen-Anhalt", "16": "Thüringen",
}
TRAEGERART_LABEL = {
    "gE": "gemeinsame Einrichtung (gE)",
    "zkT": "zugelassener kommunaler Träger (zkT)",
}

ZIELE = {
    1: "Verringerung der Hilfebedürftigkeit",
    2: "Verbesserung der Integration in Erwerbstätigkeit",
    3: "Vermeidung von langfristigem Leistungsbezug",
}

# Undefined-value reasons, in priority order (the first that applies is reported).
GRUENDE = {
    "fenster": "Zeitfenster unvollständig: benötigte Monate liegen vor dem Beginn der Datenreihe",
    "nicht_geliefert": "nicht geliefert: die Lieferung enthält für mindestens einen benötigten Monat keine "
                       "Daten dieses Jobcenters",
    "gesperrt": "Eingangswert aus Datenschutzgründen gesperrt (*)",
    "fehlt": "Eingangswert nicht verfügbar",
    "nenner_null": "Nenner ist 0",
    "zu_wenige": "zu wenige Jobcenter mit vollständigen Eingangswerten (weniger als 90 % der Mitglieder)",
}
GRUENDE_GRUPPE = {
    "nicht_geliefert": "nicht geliefert: die Lieferung enthält für mindestens einen benötigten Monat keine "
                       "Daten mindestens eines Mitglieds",
    "gesperrt": "Eingangswert bei mindestens einem Mitglied gesperrt (*)",
    "fehlt": "Eingangswert bei mindestens einem Mitglied nicht verfügbar",
}


# Coverage of a group value (rule of 2026-12, kennzahlen.md): defined when at least this share of
# the group's members count (erfasst >= MINDESTANTEIL * mitglieder), exact, no float rounding.
MINDESTANTEIL = Fraction(9, 10)

# Reading rules (spec kennzahlen.md, "Reading directions"): a movement is "deutlich" only from
# these thresholds on: percentage points for quotas, rates and shares, points for changes.
SCHWELLE_PP = 0.5
SCHWELLE_PUNKTE = 1.0


@dataclass(frozen=True)
class Kennzahl:
    code: str
    ziel: int
    name: str
    kurz: str          # short label for charts and tables
    art: str           # veraenderung | quote12 | anteil12 | rate12 | stichtag
    richtung: int      # +1 higher is better, -1 lower is better, 0 context
    inputs: tuple[str, ...]
    nur_insgesamt: bool = False
    einheit: str = "%"     # every figure is a percentage (§ 3 of the Verordnung)
    stellen: int = 1       # decimals shown everywhere (tables, sentences, charts, maps, explorer): fmt.kennzahl

    @property
    def ist_kennzahl(self) -> bool:
        """True for the three Kennzahlen K1, K2, K3; False for Ergänzungsgrößen."""
        return "E" not in self.code

    @property
    def wertend(self) -> bool:
        """True only for K1, K2, K3: read as günstiger / ungünstiger (Ergänzungsgrößen: neutral)."""
        return self.ist_kennzahl and self.richtung != 0

    @property
    def schwelle(self) -> float:
        """Smallest movement called "deutlich" (points for changes, Pp. otherwise)."""
        return SCHWELLE_PUNKTE if self.art == "veraenderung" else SCHWELLE_PP

    def deutlich(self, alt, neu) -> bool:
        """True if the value moved by at least the threshold (undefined values: False)."""
        try:
            d = float(neu) - float(alt)
        except (TypeError, ValueError):
            return False
        return d == d and abs(d) >= self.schwelle - 1e-9

    @property
    def anker(self) -> str:
        """Label of its section in the Hilfe chapter (MyST target)."""
        return f"hilfe-{self.code.lower()}"

    @property
    def lesart(self) -> str:
        if not self.wertend:
            return "Ergänzungsgröße (keine Wertung)" if not self.ist_kennzahl else "Kontextgröße (keine Wertung)"
        return {1: "höher ist besser", -1: "niedriger ist besser"}[self.richtung]


KENNZAHLEN: dict[str, Kennzahl] = {
    k.code: k
    for k in [
        Kennzahl("K1", 1, "Veränderung der Summe der Leistungen zum Lebensunterhalt "
                 "(ohne Leistungen für Unterkunft und Heizung)", "Veränderung Leistungen zum Lebensunterhalt",
                 "veraenderung", -1, ("llu",), nur_insgesamt=True),
        Kennzahl("K1E1", 1, "Veränderung der Summe der Leistungen für Unterkunft und Heizung",
                 "Veränderung Leistungen für Unterkunft und Heizung", "veraenderung", -1, ("kdu",),
                 nur_insgesamt=True),
        Kennzahl("K1E2", 1, "Veränderung der Zahl der erwerbsfähigen Leistungsberechtigten",
                 "Veränderung Zahl der eLb", "veraenderung", -1, ("elb",)),
        Kennzahl("K1E3", 1, "Durchschnittliche Zugangsrate der erwerbsfähigen Leistungsberechtigten",
                 "Zugangsrate eLb", "rate12", 0, ("elb_zugang", "elb")),
        Kennzahl("K1E4", 1, "Durchschnittliche Abgangsrate der erwerbsfähigen Leistungsberechtigten",
                 "Abgangsrate eLb", "rate12", 1, ("elb_abgang", "elb")),
        Kennzahl("K2", 2, "Integrationsquote", "Integrationsquote", "quote12", 1,
                 ("integrationen", "elb")),
        Kennzahl("K2E1", 2, "Quote der Eintritte in geringfügige Beschäftigung",
                 "Eintritte geringfügige Beschäftigung", "quote12", 0, ("eintritte_minijob", "elb")),
        Kennzahl("K2E2", 2, "Quote der Eintritte in öffentlich geförderte Beschäftigung",
                 "Eintritte öffentlich geförderte Beschäftigung", "quote12", 0, ("eintritte_oefb", "elb")),
        Kennzahl("K2E3", 2, "Kontinuierliche Beschäftigung nach Integration",
                 "Kontinuierliche Beschäftigung", "anteil12", 1, ("kontinuierlich", "integrationen_svb")),
        Kennzahl("K2E4", 2, "Integrationsquote der Alleinerziehenden",
                 "Integrationsquote Alleinerziehende", "quote12", 1, ("integrationen_ae", "ae")),
        Kennzahl("K3", 3, "Veränderung des Bestands an Langzeitleistungsbeziehenden",
                 "Veränderung Bestand LZB", "veraenderung", -1, ("lzb",)),
        Kennzahl("K3E1", 3, "Integrationsquote der Langzeitleistungsbeziehenden",
                 "Integrationsquote LZB", "quote12", 1, ("integrationen_lzb", "lzb")),
        Kennzahl("K3E2", 3, "Aktivierungsquote der Langzeitleistungsbeziehenden",
                 "Aktivierungsquote LZB", "stichtag", 1, ("lzb_massnahme", "lzb")),
        Kennzahl("K3E3", 3, "Durchschnittliche Zugangsrate der Langzeitleistungsbeziehenden",
                 "Zugangsrate LZB", "rate12", -1, ("lzb_zugang", "lzb")),
        Kennzahl("K3E4", 3, "Durchschnittliche Abgangsrate der Langzeitleistungsbeziehenden",
                 "Abgangsrate LZB", "rate12", 1, ("lzb_abgang", "lzb")),
    ]
}
CODES = tuple(KENNZAHLEN)


def codes_for(geschlecht: str) -> tuple[str, ...]:
    """The figures defined for a gender (K1 and K1E1 only for insgesamt)."""
    return tuple(c for c, k in KENNZAHLEN.items() if geschlecht == "insgesamt" or not k.nur_insgesamt)
