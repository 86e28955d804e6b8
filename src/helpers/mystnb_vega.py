"""Vega-Lite charts on the static site without any CDN.

Two halves:

* In notebooks, :func:`enable_renderer` registers the altair renderer ``"vl6json"``, which
  emits the plain JSON mime bundle ``application/vnd.vegalite.v6+json`` (deterministic, valid
  for nbformat; altair's own ``"mimetype"`` renderer writes ``.v6.json`` with a dot, which
  nbformat rejects).
* At build time, myst-nb finds :class:`VegaLiteMimeRenderer` through the entry point group
  ``myst_nb.mime_renderers`` (declared in pyproject.toml) and turns such outputs into
  ``<div class="vega-chart" id="vl-c<cell>-o<output>">`` plus a
  ``<script type="application/vnd.vegalite+json">`` payload, which ``book/_vendor/vega-init.js``
  renders with the vendored vega libraries. The chart's ``description`` becomes the div's
  aria-label and a visually hidden paragraph (text alternative).
"""

from __future__ import annotations

import html
import json
import os
from typing import Any

VEGALITE_MIMES = tuple(f"application/vnd.vegalite.v{v}+json" for v in (6, 5, 4))
PAYLOAD_TYPE = "application/vnd.vegalite+json"
RENDERER_NAME = "vl6json"
PLAIN_TEXT = "<Altair-Diagramm>"


OHNE_SKRIPT = ("Die Zeilen dieser Tabelle werden aus den Daten des Diagramms aufgebaut; dafür ist "
               "JavaScript nötig.")
# Without JavaScript the monthly values are one link away: the page's section of download files
# (the whole series as CSV and XLSX, helpers.downloads.links); every page with such a chart has
# that section (tests/test_a11y.py checks the built site).
OHNE_SKRIPT_ZIEL = "#zahlen-herunterladen"
OHNE_SKRIPT_LINK = ("Alle Monatswerte stehen in der ganzen Zeitreihe als CSV- und Excel-Datei unter",
                    "Zahlen herunterladen")


def tabelle_html(tabelle: dict[str, Any], *, aus_daten: bool = False) -> str:
    """"Daten als Tabelle" disclosure from ``usermeta.tabelle`` ({"spalten": [...], "zeilen":
    [[...], ...]}, cells already formatted with helpers.fmt); every cell is escaped. The value cells
    carry no class (handbuch.css aligns them): long time series keep the page small.
    ``aus_daten``: the body stays empty – vega-init.js builds the rows from the chart's own data
    when the page loads (the same strings, see tests), so the numbers are on the page once;
    without JavaScript a note links to the page's download files (the whole series as CSV/XLSX)."""
    e = lambda v: html.escape(str(v), quote=True)  # noqa: E731
    kopf = "".join(f'<th scope="col">{e(c)}</th>' for c in tabelle["spalten"])
    zeilen = "".join(
        "<tr>" + "".join((f'<th scope="row">{e(c)}</th>' if i == 0 else f'<td>{e(c)}</td>')
                         for i, c in enumerate(z)) + "</tr>"
        for z in ([] if aus_daten else tabelle["zeilen"]))
    vor, link = OHNE_SKRIPT_LINK
    hinweis = (f'<noscript><p>{e(OHNE_SKRIPT)} {e(vor)} <a href="{e(OHNE_SKRIPT_ZIEL)}">{e(link)}</a>.</p></noscript>'
               if aus_daten else "")
    titel = f"<caption>{e(tabelle['titel'])}</caption>" if tabelle.get("titel") else ""
    return (f'<details class="hb-daten"><summary>Daten als Tabelle</summary><div class="hb-tabelle-scroll">'
            f'<table class="kennzahlen-tabelle hb-daten-tabelle">{titel}<thead><tr>{kopf}</tr></thead>'
            f'<tbody>{zeilen}</tbody></table>{hinweis}</div></details>')


def spec_to_html(spec: dict[str, Any], div_id: str) -> str:
    """The deterministic HTML for one chart: container, text alternative, JSON payload and,
    when the chart carries ``usermeta.tabelle``, its values as a table (taken out of the payload)."""
    tabelle = ""
    meta = spec.get("usermeta")
    if isinstance(meta, dict) and isinstance(meta.get("tabelle"), dict):
        spec = dict(spec, usermeta={k: v for k, v in meta.items() if k != "tabelle"})
        # A time series with a gender choice: the page script builds the rows from the data.
        tabelle = tabelle_html(meta["tabelle"], aus_daten=isinstance(meta.get("tabelle_param"), dict))
    # "<" only occurs inside JSON strings, where \u003c is the same character: no "</script>"
    # or "<!--" can end or confuse the script element.
    payload = json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    description = spec.get("description")
    if isinstance(description, str) and description.strip():
        text = html.escape(description.strip(), quote=True)
        container = (
            f'<div class="vega-chart" id="{div_id}" role="figure" aria-label="{text}"></div>'
            f'<p class="hb-visually-hidden">{text}</p>'
        )
    else:
        container = f'<div class="vega-chart" id="{div_id}"></div>'
    return f'{container}<script type="{PAYLOAD_TYPE}" data-target="{div_id}">{payload}</script>{tabelle}'


class VegaLiteMimeRenderer:
    """myst-nb mime render plugin for Vega-Lite v4–v6 JSON outputs."""

    # Lower number = higher priority; myst-nb's html table puts text/html at 30.
    mime_priority_overrides = [
        (builder, mime, 5) for builder in ("html", "dirhtml", "singlehtml") for mime in VEGALITE_MIMES
    ]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list | None:
        if inline or data.mime_type not in VEGALITE_MIMES:
            return None
        from docutils import nodes

        content = data.content
        if isinstance(content, bytes):
            content = content.decode("utf-8")
        spec = content if isinstance(content, dict) else json.loads(content)
        div_id = f"vl-c{data.cell_index}-o{data.output_index}"
        return [nodes.raw("", spec_to_html(spec, div_id), format="html")]


def mimebundle(spec: dict[str, Any], **_: Any) -> dict[str, Any]:
    """The altair renderer: a JSON mime bundle nbformat accepts (and JupyterLab ≤ v5 shows)."""
    return {VEGALITE_MIMES[0]: spec, "text/plain": PLAIN_TEXT}


def enable_renderer(name: str | None = None) -> str:
    """Register ``vl6json`` with altair and enable a renderer; returns the enabled name.

    ``name`` defaults to $HANDBUCH_ALTAIR_RENDERER, else ``vl6json`` (what the published pages
    must use). In JupyterLab, pass e.g. ``"jupyter"`` (offline JupyterChart) instead.
    """
    import altair as alt

    alt.renderers.register(RENDERER_NAME, mimebundle)
    chosen = name or os.environ.get("HANDBUCH_ALTAIR_RENDERER") or RENDERER_NAME
    if chosen == "jupyter":
        alt.renderers.enable("jupyter", offline=True)
    else:
        alt.renderers.enable(chosen)
    _register_display()
    return chosen


VALIDATE_ENV = "HANDBUCH_DIAGRAMME_PRUEFEN"


def validate_on_display() -> bool:
    """Whether displayed charts are checked against the Vega-Lite schema: only when
    $HANDBUCH_DIAGRAMME_PRUEFEN is set (the tests set it). The published pages skip altair's
    jsonschema validation (about 40 % of a chart's cost); the spec is the same either way."""
    return os.environ.get(VALIDATE_ENV, "") not in ("", "0")


def display_bundle(chart: Any) -> dict[str, Any] | None:
    """What IPython shows for an altair chart while ``vl6json`` is active: the same bundle as
    altair's own ``_repr_mimebundle_``, with schema validation only if validate_on_display()."""
    import altair as alt

    if alt.renderers.active != RENDERER_NAME:
        return chart._repr_mimebundle_()
    spec = chart.to_dict(validate=validate_on_display(), context={"pre_transform": False})
    return alt.renderers.get()(spec)


def _register_display() -> None:
    """Route the display of altair charts in this IPython kernel through display_bundle."""
    from IPython import get_ipython

    ip = get_ipython()
    if ip is None:
        return
    import altair as alt

    ip.display_formatter.mimebundle_formatter.for_type(alt.TopLevelMixin, display_bundle)
