"""The explorer's user interface: ipywidgets wired to the pure functions of ``helpers.explorer``.

``ExplorerApp(m, start)`` builds an ``AppLayout``: the controls in a left sidebar, the views
(Zeitreihe, Vergleich, Rangliste, Profil, Tabelle) beside them, and an export bar. The figure
list holds the Kennzahlen and the Steuerungsgrößen of the Zielsteuerung (JFW_*, neutral; with
``ziele`` the status line names Soll, Ist and the verdict). The notebook
(notebooks/explorer.ipynb) only creates the app and displays it; the same notebook runs in
JupyterLab (`make lab`) and as a web app without code cells in Voilà (`make explorer`).

Speed: a change redraws only the visible view (the others are redrawn when their tab is
opened); charts are updated in place (the ``spec`` of one JupyterChart per view) and their
specs are built without schema validation.
Invalid input never redraws: the views are greyed with "veraltet – Auswahl ungültig" and the
reason stands at the control that caused it.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import pandas as pd

from helpers import explorer as ex
from helpers import fmt
from helpers.vorlagen import BR, Markup, element, lauf
from helpers.kennzahlen import GESCHLECHT_LABEL, GESCHLECHTER

VERALTET = "veraltet – Auswahl ungültig"
ANSICHTEN = {"zeit": "Zeitreihe", "vergleich": "Vergleich", "rang": "Rangliste", "profil": "Profil",
             "tabelle": "Tabelle"}
SIDEBAR = "430px"   # the longest figure name fits its dropdown

CSS = """
<style>
.explorer-app { font-size: 14px; }
.explorer-app .widget-label, .explorer-app .widget-html-content { line-height: 1.35; }
.explorer-sidebar { padding-right: 10px; overflow-y: auto; }
.explorer-sidebar .widget-html-content { white-space: normal; }
.explorer-feld { font-weight: 600; margin-top: 6px; }
.explorer-meldung { color: #b2182b; }
.explorer-meldung:empty { display: none; }
.explorer-ansichten { position: relative; }
.explorer-veraltet .widget-tab-contents { filter: grayscale(1); opacity: 0.35; pointer-events: none; }
.explorer-marker { background: #b2182b; color: #fff; font-weight: 700; padding: 2px 10px; border-radius: 3px; }
.explorer-app button { white-space: normal; height: auto; min-height: 28px; }
.explorer-app .widget-toggle-buttons .widget-toggle-button { width: 104px; }
.explorer-app table { border-collapse: collapse; }
.explorer-app td, .explorer-app th { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
</style>
"""


def _fehler(was: str, grund: str) -> str:
    """A message "<b>was</b> grund" (the reason is text)."""
    return lauf(element("b", was), " ", grund)


def _feld(text: str) -> w.HTML:
    h = w.HTML(html.escape(text))
    h.add_class("explorer-feld")
    return h


def _tabelle_html(df: pd.DataFrame) -> str:
    return df.to_html(index=False, na_rep=fmt.OHNE_WERT, escape=True)


_VEGA_JS = r"""
// One chart of the explorer. The kernel sends the chart's structure (spec, without rows) and its
// rows (daten) as two traits and counts every redraw (zaehler). The chart always draws the
// model's current spec with the model's current daten: embedded anew when the structure
// changed, the named datasets swapped in the running view when only the rows changed. Draws run
// one after the other; a draw reads the model once at its start, so the last message always
// wins and the stamps data-gezeichnet (the redraw number drawn) / data-zeit (when) never claim a
// newer redraw than the one on screen (tests, benchmark); data-fehler holds a failed draw's error.
async function render({ model, el }) {
  let api = null, spec = null, daten = null, kette = Promise.resolve();
  const zeichne = async () => {
    const nr = model.get("zaehler"), neu = model.get("spec"), rows = model.get("daten");
    try {
      if (neu !== spec) {
        spec = neu;
        daten = rows;
        if (api) { api.finalize(); api = null; }
        if (spec) {
          api = await vegaEmbed(el, { ...structuredClone(spec), datasets: structuredClone(daten ?? {}) },
                                structuredClone(model.get("embed_options") ?? {}));
        } else el.replaceChildren();
      } else if (api && rows !== daten) {
        daten = rows;
        // (view.data, not vega.changeset: the bundle has no global "vega", it reads as null)
        for (const [name, werte] of Object.entries(daten ?? {})) api.view.data(name, structuredClone(werte));
        await api.view.runAsync();
      }
      delete el.dataset.fehler;
    } catch (error) {
      el.textContent = "Das Diagramm konnte nicht gezeichnet werden: " + error.message;
      el.dataset.fehler = error.message;
      if (api) { api.finalize(); api = null; }
      spec = null;   // the next draw embeds anew
    }
    el.dataset.zeit = String(performance.now());
    el.dataset.gezeichnet = String(nr);
  };
  model.on("change:zaehler", () => { kette = kette.then(zeichne); });
  kette = kette.then(zeichne);
  return () => { if (api) api.finalize(); };
}
export default { render };
"""

_VEGA_WIDGET = None


def _vega_widget():
    """The chart widget class (anywidget; vega-embed bundled offline by vl-convert), made once."""
    global _VEGA_WIDGET
    if _VEGA_WIDGET is None:
        import anywidget
        import traitlets
        import vl_convert as vlc
        from altair.utils._importers import vl_version_for_vl_convert

        class VegaDiagramm(anywidget.AnyWidget):
            _esm = vlc.javascript_bundle(_VEGA_JS, vl_version=vl_version_for_vl_convert())
            _css = ".vega-embed { overflow: visible; }"
            spec = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
            daten = traitlets.Dict(default_value={}).tag(sync=True)
            embed_options = traitlets.Dict(default_value={}).tag(sync=True)
            zaehler = traitlets.Int(0).tag(sync=True)

        _VEGA_WIDGET = VegaDiagramm
    return _VEGA_WIDGET


class _Diagramm:
    """One view's chart: a vega-embed widget updated in place (Lab, Voilà) – only the data is
    sent when the chart's structure is unchanged –, or a table with the vega-lite bundle where
    anywidget is missing (CI env, nbval)."""

    def __init__(self, modus: str):
        self.modus, self.spec = modus, None
        if modus == "widget":
            self.widget = _vega_widget()(embed_options=ex.EMBED_OPTIONEN)
        else:
            self.widget = w.Output()

    def zeige(self, spec: dict, daten: pd.DataFrame | None = None) -> None:
        self.spec = spec
        if self.modus == "widget":
            # structure and rows are separate traits and the front end draws the pair it holds:
            # traitlets sends a trait only when its value changed, so an unsent value is already
            # the one drawn (with the rows inside the spec, rows equal to an older trait value were
            # never sent after a new structure, and the chart kept the structure's rows)
            with self.widget.hold_sync():
                self.widget.spec = {k: v for k, v in spec.items() if k != "datasets"}
                self.widget.daten = spec["datasets"]
                self.widget.zaehler += 1
        else:
            from IPython.display import display

            self.widget.clear_output(wait=True)
            with self.widget:
                display(ex._Ersatz(spec, daten))


class ExplorerApp:
    """The explorer: ``ExplorerApp(m, start).widget`` is what the notebook displays."""

    def __init__(self, m, start: ex.Auswahl, export_ordner: Path | None = None,
                 eigene_ordner: Path | None = None, ringe_ordner: Path | None = None, modus: str | None = None):
        self.m = m
        self.ordner_export = Path(export_ordner or ex.EXPORTE)
        self.ordner_eigene = Path(eigene_ordner or ex.EIGENE)
        self.ordner_ringe = Path(ringe_ordner or ex.RINGE)
        self.modus = modus or ex.diagramm_modus()
        self.ringe = ex.ringe(self.ordner_ringe)
        self.auswahl = ex.vervollstaendigt(m, start)
        self.gueltig = True
        self._still = False
        self._veraltet_ansichten: set[str] = set(ANSICHTEN)
        self.vergleich_ids: list[str] = [self.auswahl.jobcenter_id]
        self._baue()
        self._verdrahte()
        self.setze(self.auswahl)

    # ------------------------------------------------------------------ widgets

    def _baue(self) -> None:
        m, a = self.m, self.auswahl
        self.jc_label = {jid: label for label, jid in ex.jobcenter_optionen(m)}
        self.w_jc = w.Combobox(options=list(self.jc_label.values()), ensure_option=False, continuous_update=False,
                               placeholder="Name oder Kennung, dann Eingabetaste", layout=w.Layout(width="98%"))
        self.w_jc_meldung = w.HTML()
        self.w_jc_meldung.add_class("explorer-meldung")
        self.w_kandidaten = w.Select(options=[], rows=5, layout=w.Layout(width="98%", display="none"))
        self.w_kz = w.Dropdown(options=ex.kennzahl_optionen(), layout=w.Layout(width="98%"))
        self.w_erklaerung = w.HTML()
        self.w_g = w.ToggleButtons(options=[(GESCHLECHT_LABEL[g], g) for g in GESCHLECHTER])
        alle = ex.monate(m)
        self.w_zeit = w.SelectionRangeSlider(options=[(ex.monat_kurz(x), x) for x in alle], index=(0, len(alle) - 1),
                                             readout=False, continuous_update=False, layout=w.Layout(width="98%"))
        self.w_zeit_text = w.HTML()
        self.w_gruppe = w.Dropdown(options=ex.gruppe_optionen(m, a.jobcenter_id), layout=w.Layout(width="98%"))
        self.w_k = w.IntSlider(value=a.k, min=1, max=50, continuous_update=False, description="Anzahl",
                               layout=w.Layout(width="98%"), style={"description_width": "60px"})
        self.w_ring = w.Dropdown(options=self._ring_optionen(), layout=w.Layout(width="98%"))
        self.w_liste = w.Textarea(placeholder="Kennungen oder Namen, getrennt durch Komma oder Zeilen",
                                  continuous_update=False, layout=w.Layout(width="98%", height="60px"))
        self.w_ringname = w.Text(placeholder="Name des Rings", layout=w.Layout(width="60%"))
        self.w_ring_speichern = w.Button(description="Ring speichern", layout=w.Layout(width="38%"))
        self.w_ring_meldung = w.HTML()
        self.w_ring_meldung.add_class("explorer-meldung")
        self.ring_box = w.VBox([self.w_ring, self.w_liste, w.HBox([self.w_ringname, self.w_ring_speichern]),
                                self.w_ring_meldung])
        self.w_vergleich = w.Textarea(placeholder=f"bis zu {ex.MAX_VERGLEICH} Jobcenter: Kennungen oder Namen, "
                                                  "getrennt durch Komma oder Zeilen", continuous_update=False,
                                      layout=w.Layout(width="98%", height="76px"))
        self.w_vergleich_meldung = w.HTML()
        self.w_vergleich_meldung.add_class("explorer-meldung")
        self.w_speichern = w.Button(description="Auswahl speichern", layout=w.Layout(width="48%"),
                                    tooltip="Schreibt die Auswahl als Parameterdatei für eine eigene Handbuchseite")
        self.w_oeffnen_datei = w.Dropdown(options=self._auswahl_optionen(), layout=w.Layout(width="60%"))
        self.w_oeffnen = w.Button(description="Öffnen", layout=w.Layout(width="36%"))
        self.w_datei_meldung = w.HTML()

        seite = w.VBox([
            _feld("Jobcenter"), self.w_jc, self.w_jc_meldung, self.w_kandidaten,
            _feld("Kennzahl"), self.w_kz, self.w_erklaerung,
            _feld("Geschlecht"), self.w_g,
            _feld("Zeitraum"), self.w_zeit_text, self.w_zeit,
            _feld("Vergleichsgruppe"), self.w_gruppe, self.w_k, self.ring_box,
            _feld("Jobcenter im Vergleich (Ansicht „Vergleich“)"), self.w_vergleich, self.w_vergleich_meldung,
            _feld("Auswahl weitergeben"), self.w_speichern,
            w.HBox([self.w_oeffnen_datei, self.w_oeffnen]), self.w_datei_meldung,
        ], layout=w.Layout(width="100%"))
        seite.add_class("explorer-sidebar")

        self.diagramme = {k: _Diagramm(self.modus) for k in ("zeit", "vergleich", "rang", "profil")}
        self.w_sortierung = w.Dropdown(options=[(t, k) for k, t in ex.RANGLISTE_SORTIERUNG.items()],
                                       description="Sortierung", style={"description_width": "80px"})
        self.w_rang_tabelle = w.HTML()
        self.w_tabelle = w.HTML()
        kinder = {"zeit": self.diagramme["zeit"].widget, "vergleich": self.diagramme["vergleich"].widget,
                  "rang": w.VBox([self.diagramme["rang"].widget, self.w_sortierung, self.w_rang_tabelle]),
                  "profil": self.diagramme["profil"].widget, "tabelle": self.w_tabelle}
        self.ansichten = w.Tab(children=[kinder[k] for k in ANSICHTEN], titles=list(ANSICHTEN.values()))
        self.w_status = w.HTML()
        self.w_marker = w.HTML(VERALTET, layout=w.Layout(display="none"))
        self.w_marker.add_class("explorer-marker")
        self.w_gezeichnet = w.HTML("0", layout=w.Layout(display="none"))   # redraws sent (benchmark)
        self.w_gezeichnet.add_class("explorer-gezeichnet")
        self.w_png = w.Button(description="Diagramm als PNG")
        self.w_svg = w.Button(description="Diagramm als SVG")
        self.w_csv = w.Button(description="Daten als CSV")
        self.w_xlsx = w.Button(description="Daten als XLSX")
        self.w_export = w.HTML()
        export = w.VBox([w.HBox([self.w_png, self.w_svg, self.w_csv, self.w_xlsx]), self.w_export])
        mitte = w.VBox([w.HBox([self.w_status]), self.w_marker, self.ansichten, export, self.w_gezeichnet],
                       layout=w.Layout(overflow="auto"))
        mitte.add_class("explorer-ansichten")
        self.mitte = mitte
        herkunft = ("Demodaten (synthetisch, keine amtlichen Werte)" if self.m.demo else "Statistik der BA")
        kopf = w.HTML(CSS + lauf(element("b", "Explorer: Kennzahlen nach § 48a SGB II"),
                                 f" · Datenbestand: {herkunft}, Datenstand {fmt.monat(self.m.datenstand)}, "
                                 f"{len(self.m.jobcenter)} Jobcenter"))
        self.widget = w.AppLayout(header=kopf, left_sidebar=seite, center=mitte, right_sidebar=None, footer=None,
                                  pane_widths=[SIDEBAR, 1, 0], pane_heights=["30px", 1, 0], grid_gap="8px",
                                  height="auto")
        self.widget.add_class("explorer-app")

    def _ring_optionen(self):
        return [(r.name, stem) for stem, r in self.ringe.items()] + [("Freie Liste", "")]

    def _auswahl_optionen(self):
        dateien = ex.gespeicherte_auswahlen(self.ordner_eigene)
        return [("Gespeicherte Auswahl …", "")] + [(name, name) for name in dateien]

    def _verdrahte(self) -> None:
        self.w_jc.observe(self._jc_geaendert, names="value")
        self.w_kandidaten.observe(self._kandidat_gewaehlt, names="value")
        for widget in (self.w_kz, self.w_g, self.w_zeit, self.w_gruppe, self.w_k, self.w_ring, self.w_liste):
            widget.observe(self.aktualisiere, names="value")
        self.w_vergleich.observe(self._vergleich_geaendert, names="value")
        self.w_sortierung.observe(lambda _: self._zeichne("rang"), names="value")
        self.ansichten.observe(self._tab_gewechselt, names="selected_index")
        self.w_ring_speichern.on_click(self.ring_speichern)
        self.w_speichern.on_click(self.auswahl_speichern)
        self.w_oeffnen.on_click(self.auswahl_oeffnen)
        self.w_png.on_click(lambda _: self.bild_export("png"))
        self.w_svg.on_click(lambda _: self.bild_export("svg"))
        self.w_csv.on_click(lambda _: self.daten_export("csv"))
        self.w_xlsx.on_click(lambda _: self.daten_export("xlsx"))

    # ------------------------------------------------------------------ state

    @property
    def aktive_ansicht(self) -> str:
        return list(ANSICHTEN)[self.ansichten.selected_index or 0]

    def zeige_ansicht(self, ansicht: str) -> None:
        self.ansichten.selected_index = list(ANSICHTEN).index(ansicht)

    def setze(self, a: ex.Auswahl) -> None:
        """Put a selection into the controls (without intermediate redraws), then redraw."""
        a = ex.vervollstaendigt(self.m, a)
        self._still = True
        try:
            self.w_jc.value = self.jc_label[a.jobcenter_id]
            self.w_jc_meldung.value = ""
            self.w_kandidaten.layout.display = "none"
            self.w_kz.value = a.kennzahl
            self.w_g.value = a.geschlecht
            self.w_zeit.value = (a.von, a.bis)
            self.w_gruppe.options = ex.gruppe_optionen(self.m, a.jobcenter_id)
            self.w_gruppe.value = a.gruppe_art
            self.w_k.value = a.k
            if a.ring is not None:
                stem = next((s for s, r in self.ringe.items() if r == a.ring), "")
                self.w_ring.value = stem
                if not stem:
                    self.w_liste.value = "\n".join(self.jc_label.get(j, j) for j in a.ring.mitglieder)
                    self.w_ringname.value = a.ring.name
            if self.auswahl.jobcenter_id in self.vergleich_ids and len(self.vergleich_ids) == 1:
                self.vergleich_ids = [a.jobcenter_id]
            self.w_vergleich.value = "\n".join(self.jc_label[j] for j in self.vergleich_ids)
        finally:
            self._still = False
        self.aktualisiere()

    def _lies_auswahl(self) -> ex.Auswahl:
        t = ex.jobcenter_suchen(self.m, self.w_jc.value)
        if t.jobcenter_id is None:
            raise LookupError(t.meldung)
        ring = None
        if self.w_gruppe.value == "ring":
            if self.w_ring.value:
                ring = self.ringe[self.w_ring.value]
            else:
                ids, probleme = ex.jobcenter_liste(self.m, self.w_liste.value, maximal=len(self.m.jobcenter))
                if probleme:
                    raise ValueError(" ".join(probleme))
                ring = ex.Ring(self.w_ringname.value.strip() or "Freie Liste", tuple(ids))
        von, bis = self.w_zeit.value
        return ex.vervollstaendigt(self.m, ex.Auswahl(t.jobcenter_id, self.w_kz.value, self.w_g.value, von, bis,
                                                      self.w_gruppe.value, self.w_k.value, ring))

    def _veraltet(self, an: bool) -> None:
        self.gueltig = not an
        # the grey first, then the marker: the front end applies the messages in this order,
        # so a visible marker always means greyed views
        if an:
            self.mitte.add_class("explorer-veraltet")
        else:
            self.mitte.remove_class("explorer-veraltet")
        self.w_marker.layout.display = "" if an else "none"

    # ------------------------------------------------------------------ events

    def _jc_geaendert(self, change=None) -> None:
        if self._still:
            return
        t = ex.jobcenter_suchen(self.m, self.w_jc.value)
        if t.jobcenter_id is None:
            self.w_jc_meldung.value = html.escape(t.meldung)
            self._still = True
            self.w_kandidaten.options = list(t.kandidaten)
            self.w_kandidaten.value = None
            self._still = False
            self.w_kandidaten.layout.display = "" if t.kandidaten else "none"
            self._veraltet(True)
            return
        self.w_jc_meldung.value = ""
        self.w_kandidaten.layout.display = "none"
        if self.w_jc.value != self.jc_label[t.jobcenter_id]:
            self._still = True
            self.w_jc.value = self.jc_label[t.jobcenter_id]   # show what was understood
            self._still = False
        self.aktualisiere()

    def _kandidat_gewaehlt(self, change) -> None:
        if self._still or not change["new"]:
            return
        self.w_jc.value = self.jc_label[change["new"]]

    def _vergleich_geaendert(self, change=None) -> None:
        if self._still:
            return
        ids, probleme = ex.jobcenter_liste(self.m, self.w_vergleich.value)
        self.w_vergleich_meldung.value = html.escape(" ".join(probleme))
        if probleme or not ids:
            if not ids and not probleme:
                self.w_vergleich_meldung.value = "Bitte mindestens ein Jobcenter angeben."
            self._veraltet(True)
            return
        self.vergleich_ids = ids
        self.aktualisiere(ansicht="vergleich")

    def _tab_gewechselt(self, change) -> None:
        if self.gueltig and self.aktive_ansicht in self._veraltet_ansichten:
            self._zeichne(self.aktive_ansicht)

    def aktualisiere(self, change=None, ansicht: str | None = None) -> None:
        """Read the controls; if valid, redraw the visible view (others when opened)."""
        if self._still:
            return
        self.w_ring_meldung.value = ""
        try:
            a = self._lies_auswahl()
        except LookupError as exc:
            self.w_jc_meldung.value = html.escape(str(exc))
            self._veraltet(True)
            return
        except (KeyError, ValueError) as exc:
            self.w_ring_meldung.value = html.escape(str(exc).strip("'\""))
            self._veraltet(True)
            return
        if self.w_vergleich_meldung.value:
            ids, probleme = ex.jobcenter_liste(self.m, self.w_vergleich.value)
            if probleme or not ids:
                self._veraltet(True)
                return
            self.w_vergleich_meldung.value = ""
            self.vergleich_ids = ids
        if a.jobcenter_id != self.auswahl.jobcenter_id:   # group labels name the Jobcenter's groups
            self._still = True
            wert = self.w_gruppe.value
            self.w_gruppe.options = ex.gruppe_optionen(self.m, a.jobcenter_id)
            self.w_gruppe.value = wert
            self._still = False
        self.auswahl = a
        self._veraltet(False)
        self.w_k.layout.display = "" if a.gruppe_art == "nachbarn" else "none"
        self.ring_box.layout.display = "" if a.gruppe_art == "ring" else "none"
        self.w_erklaerung.value = lauf(element("small", ex.erklaerung(a.kennzahl)))
        self.w_zeit_text.value = html.escape(ex.zeitraum_text(a.von, a.bis))
        status = [element("b", ex.vergleich_text(self.m, a))]
        for h in ex.hinweise(self.m, a):
            status += [BR, element("small", h)]
        self.w_status.value = lauf(*status)
        if ansicht is None:
            self._veraltet_ansichten = set(ANSICHTEN)
        else:
            self._veraltet_ansichten.add(ansicht)
        self._zeichne(self.aktive_ansicht)

    def _zeichne(self, ansicht: str) -> None:
        m, a = self.m, self.auswahl
        if ansicht == "zeit":
            zr = ex.zeitreihe(m, a)
            name = m.jobcenter_info(a.jobcenter_id)["name"]
            self.diagramme["zeit"].zeige(ex.spec_zeitreihe(zr, name, ex.gruppe_name(m, a), a.kennzahl),
                                         ex.deutsch(zr, ex.ZEITREIHE_SPALTEN))
        elif ansicht == "vergleich":
            df = ex.vergleich_reihen(m, self.vergleich_ids, a.kennzahl, a.geschlecht, a.von, a.bis)
            self.diagramme["vergleich"].zeige(ex.spec_vergleich(df, a.kennzahl),
                                              ex.deutsch(df, {"monat": "Monat", "name": "Jobcenter", "wert": "Wert"},
                                                         a.kennzahl))
        elif ansicht == "rang":
            rl = ex.rangliste(m, a)
            self.diagramme["rang"].zeige(ex.spec_rangliste(rl, a.kennzahl, a.bis),
                                         ex.deutsch(rl, ex.RANGLISTE_SPALTEN, a.kennzahl))
            tab = ex.rangliste_tabelle(m, a, self.w_sortierung.value)
            self.w_rang_tabelle.value = _tabelle_html(ex._gerundet(tab.drop(columns=["Datenbasis"]), als_text=True))
        elif ansicht == "profil":
            pr = ex.profil(m, a)
            self.diagramme["profil"].zeige(ex.spec_profil(pr), ex.deutsch(pr, ex.PROFIL_SPALTEN))
        else:
            self.w_tabelle.value = _tabelle_html(ex.tabelle(m, a))
        self._veraltet_ansichten.discard(ansicht)
        self.w_gezeichnet.value = str(int(self.w_gezeichnet.value) + 1)

    # ------------------------------------------------------------------ files

    def _melde(self, text: str, *links: Path) -> None:
        self.w_export.value = text + "".join(lauf(BR, Markup(ex.download_link(p))) for p in links)

    def bild_export(self, format: str) -> Path | None:
        ansicht = self.aktive_ansicht
        if not self.gueltig:
            self._melde(_fehler("Kein Export:", f"{VERALTET}."))
            return None
        d = self.diagramme.get(ansicht)
        if d is None or d.spec is None:
            self._melde(_fehler("Kein Export:", "die Ansicht „Tabelle“ hat kein Diagramm – bitte „Daten als CSV“ "
                                "oder „Daten als XLSX“ wählen."))
            return None
        a = self.auswahl
        name = ex.export_dateiname(a, ansicht, format)
        try:
            pfad = ex.speichere_diagramm(d.spec, self.ordner_export / name, format)
        except (ImportError, OSError, ValueError) as exc:
            self._melde(_fehler("Bildexport nicht möglich:", str(exc)))
            return None
        self._melde(lauf("Diagramm gespeichert: ", element("code", str(pfad))), pfad)
        return pfad

    def daten_export(self, format: str) -> list[Path]:
        if not self.gueltig:
            self._melde(_fehler("Kein Export:", f"{VERALTET}."))
            return []
        a, ansicht = self.auswahl, self.aktive_ansicht
        try:
            if ansicht == "vergleich":
                dateien = self._vergleich_export(format)
            else:
                dateien = ex.exportiere(self.m, a, self.ordner_export, format,
                                        "rangliste" if ansicht == "rang" else "werte")
        except (KeyError, ValueError, OSError) as exc:
            self._melde(_fehler("Export nicht möglich:", str(exc)))
            return []
        namen = [t for i, p in enumerate(dateien) for t in ([", "] if i else []) + [element("code", str(p))]]
        self._melde(lauf("Gespeichert: ", *namen), *dateien)
        return dateien

    def _vergleich_export(self, format: str) -> list[Path]:
        a = self.auswahl
        df = ex.vergleich_reihen(self.m, self.vergleich_ids, a.kennzahl, a.geschlecht, a.von, a.bis)
        tab = pd.DataFrame({"Kennung": df["jobcenter_id"], "Jobcenter": df["name"], "Kennzahl": a.kennzahl,
                            "Geschlecht": GESCHLECHT_LABEL[a.geschlecht], "Monat": df["monat"].map(fmt.monat),
                            f"{a.kennzahl} {ex.einheit(a.kennzahl)}": df["wert"],
                            "Hinweis": [ex._grund_text(g) if pd.isna(v) else "" for v, g in zip(df["wert"], df["grund"])]})
        tab.attrs["kennzahl"] = a.kennzahl
        tab = ex.mit_zeichen(tab, {f"{a.kennzahl} {ex.einheit(a.kennzahl)}": df["grund"]})
        ziel = ex.freier_pfad(self.ordner_export / ex.export_dateiname(a, "vergleich", format))
        if format == "xlsx":
            return [ex.schreibe_xlsx({"Vergleich": tab}, ziel)]
        return [ex.schreibe_csv(tab, ziel)]

    def auswahl_speichern(self, _=None) -> Path | None:
        if not self.gueltig:
            self.w_datei_meldung.value = _fehler("Nicht gespeichert:", f"{VERALTET}.")
            return None
        try:
            daten = ex.parameterdatei(self.m, self.auswahl)
            pfad = ex.schreibe_parameterdatei(daten, self.ordner_eigene, auswahl=self.auswahl)
        except (KeyError, ValueError, OSError) as exc:
            self.w_datei_meldung.value = _fehler("Nicht gespeichert:", str(exc))
            return None
        self.w_oeffnen_datei.options = self._auswahl_optionen()
        self.w_datei_meldung.value = lauf("Gespeichert als ", element("code", pfad.name), " in ",
                                          element("code", str(pfad.parent)), "; die Handbuchseite entsteht "
                                          "beim nächsten ", element("code", "make book"), ".")
        return pfad

    def auswahl_oeffnen(self, _=None) -> None:
        name = self.w_oeffnen_datei.value
        if not name:
            self.w_datei_meldung.value = "Bitte zuerst eine gespeicherte Auswahl wählen."
            return
        try:
            a = ex.auswahl_aus_parameterdatei(self.m, self.ordner_eigene / name)
        except (KeyError, ValueError, OSError) as exc:
            self.w_datei_meldung.value = _fehler("Nicht geöffnet:", str(exc).strip(chr(39)))
            return
        if a.ring is not None and a.ring not in self.ringe.values():
            self.ringe_setzen()
        self.setze(a)
        self.w_datei_meldung.value = lauf("Geöffnet: ", element("code", name))

    def ringe_setzen(self) -> None:
        self._still = True
        self.w_ring.options = self._ring_optionen()
        self.w_ring.value = ""
        self._still = False

    def ring_speichern(self, _=None) -> Path | None:
        ids, probleme = ex.jobcenter_liste(self.m, self.w_liste.value, maximal=len(self.m.jobcenter))
        try:
            if probleme:
                raise ValueError(" ".join(probleme))
            ring = ex.Ring(self.w_ringname.value.strip() or "Eigener Ring", tuple(ids))
        except ValueError as exc:
            self.w_ring_meldung.value = _fehler("Ring nicht gespeichert:", str(exc))
            return None
        pfad = ex.speichere_ring(ring, self.ordner_ringe)
        self.ringe[pfad.stem] = ring
        self._still = True
        self.w_ring.options = self._ring_optionen()
        self._still = False
        self.w_ring.value = pfad.stem
        self.w_ring_meldung.value = ""
        self._melde(lauf("Ring gespeichert: ", element("code", str(pfad))))
        return pfad


def starte(m=None, jobcenter_id: str = "05315", **kw) -> ExplorerApp:
    """The app with a default selection (used by the notebook)."""
    from helpers import mart

    m = m or mart.load()
    ids = set(m.jobcenter["jobcenter_id"])
    jid = jobcenter_id if jobcenter_id in ids else sorted(ids)[0]
    ordner = {k: kw.pop(k) for k in ("export_ordner", "eigene_ordner", "ringe_ordner") if k in kw}
    ringe_ordner = ordner.get("ringe_ordner")
    if kw.get("gruppe_art") == "ring" and "ring" not in kw:
        erster = next(iter(ex.ringe(Path(ringe_ordner) if ringe_ordner else ex.RINGE).values()), None)
        if erster is None:
            kw["gruppe_art"] = "vergleichstyp"
        else:
            kw["ring"] = erster
    return ExplorerApp(m, ex.standard_auswahl(m, jid, **kw), **ordner)


__all__ = ["ExplorerApp", "VERALTET", "ANSICHTEN", "starte"]
