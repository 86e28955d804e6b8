"""Shared pytest fixtures (fixtures only).

Built-site fixtures: ``site_dir`` (the built handbook, _build/html), ``site_url`` (served on
127.0.0.1 in a thread), ``browser`` (Debian chromium via Playwright) and ``browser_page``
(a fresh page that records requests to other hosts and console errors), ``axe`` (runs
axe-core from node_modules on a loaded page: the WCAG 2.1 A/AA violations).
Page fixture: ``seiten_dir`` (the executed page notebooks, book/seiten).
Data fixture: ``fake_mart`` (writes a small mart: meta.json + jobcenter.parquet).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from helpers import paths

# Charts shown in notebooks are checked against the Vega-Lite schema in tests (pages run by the
# tests' page runs inherit this); production page runs skip that check (helpers.mystnb_vega).
os.environ.setdefault("HANDBUCH_DIAGRAMME_PRUEFEN", "1")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
LOCAL_PREFIXES = ("http://127.0.0.1", "data:", "blob:", "about:")


def _missing(reason: str):
    """In CI a missing prerequisite is a failure, elsewhere a skip with the reason."""
    if os.environ.get("CI"):
        pytest.fail(reason + " (in CI erforderlich)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_mart():
    """The project's mart (data/processed, built by `make mart`), loaded once."""
    from helpers import mart, paths

    if not (paths.MART_DIR / "meta.json").exists():
        _missing(f"Datenbestand fehlt ({paths.MART_DIR}); zuerst `make mart` ausführen")
    return mart.load()


@pytest.fixture(scope="session")
def seiten_dir() -> Path:
    """The executed page notebooks (book/seiten, written by `make pages` / `make book`)."""
    if not (paths.PAGES / "jobcenter").is_dir():
        _missing(f"Ausgeführte Seiten fehlen ({paths.PAGES}); zuerst `make pages` ausführen")
    return paths.PAGES


@pytest.fixture(scope="session")
def site_dir() -> Path:
    site = Path(os.environ.get("HANDBUCH_SITE", paths.ROOT / "_build" / "html"))
    if not (site / "index.html").is_file():
        _missing(f"Gebautes Handbuch fehlt ({site}); zuerst `make book` ausführen")
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def site_url(site_dir):
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} fehlt (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class BrowserPage:
    page: object
    external: list = field(default_factory=list)   # URLs to other hosts (aborted)
    errors: list = field(default_factory=list)     # console errors and page errors
    responses: list = field(default_factory=list)  # (url, body bytes) of local responses


@pytest.fixture
def browser_page(browser):
    ctx = browser.new_context()
    bp = BrowserPage(page=None)

    def route(r):
        url = r.request.url
        if url.startswith(LOCAL_PREFIXES):
            r.continue_()
        else:
            bp.external.append(url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("console", lambda m: bp.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: bp.errors.append(str(e)))

    def on_response(resp):
        try:
            bp.responses.append((resp.url, len(resp.body())))
        except Exception:  # redirects and aborted requests have no body
            bp.responses.append((resp.url, 0))

    page.on("response", on_response)
    bp.page = page
    yield bp
    ctx.close()


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe():
    """axe(page) -> [(rule id, number of nodes, first target)] of the page as loaded (axe-core
    from npm, `make setup`; no CDN)."""
    p = paths.ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not p.is_file():
        _missing("axe-core fehlt: `make setup` (npm ci) ausführen")
    source = p.read_text(encoding="utf-8")

    def run(page) -> list:
        page.add_script_tag(content=source)
        res = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        assert res["passes"], "axe hat nichts geprüft"
        return [(v["id"], len(v["nodes"]), v["nodes"][0]["target"]) for v in res["violations"]]

    return run


@pytest.fixture
def fake_mart(tmp_path):
    """A small mart (meta.json, jobcenter.parquet) with the real ids of a few Jobcenter.

    Covers: Berlin 11000 shared by two Jobcenter, one Jobcenter for two Kreise (09278;09263),
    two Vergleichstypen, two Länder, both Trägerarten.
    """

    def make(meta: dict | None = None, rows: list[dict] | None = None) -> Path:
        mart = tmp_path / "mart"
        mart.mkdir(exist_ok=True)
        m = {"datenstand": "2026-08", "erster_monat": "2024-01", "demo": True,
             "vergleichstypen_synthetisch": True}
        m.update(meta or {})
        (mart / "meta.json").write_text(json.dumps(m), encoding="utf-8")
        data = rows or [
            dict(jobcenter_id="01001", name="Jobcenter Flensburg", land="01", traegerart="gE",
                 vergleichstyp="Ia", kreis_ags="01001", ort="Flensburg"),
            dict(jobcenter_id="01002", name="Jobcenter Kiel", land="01", traegerart="gE",
                 vergleichstyp="IIa", kreis_ags="01002", ort="Kiel"),
            dict(jobcenter_id="01051", name="Kommunales Jobcenter Kreis Dithmarschen", land="01",
                 traegerart="zkT", vergleichstyp="Ia", kreis_ags="01051", ort="Heide"),
            dict(jobcenter_id="11001", name="Jobcenter Berlin Mitte", land="11", traegerart="gE",
                 vergleichstyp="IIa", kreis_ags="11000", ort="Berlin"),
            dict(jobcenter_id="11002", name="Jobcenter Berlin Pankow", land="11", traegerart="gE",
                 vergleichstyp="IIa", kreis_ags="11000", ort="Berlin"),
            dict(jobcenter_id="09278", name="Jobcenter Straubing-Bogen", land="09", traegerart="gE",
                 vergleichstyp="Ia", kreis_ags="09278;09263", ort="Straubing"),
        ]
        jc = pd.DataFrame(data)
        if "land_name" not in jc.columns:
            from helpers.kennzahlen import LAENDER

            jc["land_name"] = jc["land"].map(LAENDER)
        jc.to_parquet(mart / "jobcenter.parquet")
        return mart

    return make
