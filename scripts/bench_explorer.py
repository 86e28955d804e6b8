"""Explorer benchmark: time from a changed control to the redrawn view, in the browser.

Starts the app as `make explorer` does (Voilà from .venv-lab, own template) on a free port,
opens it in headless Chromium (1280x720) and changes every control five times. A change is
timed in the page: from just before the input event (performance.now()) to the moment a new
chart SVG (or, for the table, table HTML)
in the views stops changing (MutationObserver; the last change after which nothing moves for 250 ms).
Prints the median and the slowest of the five per control against the 300 ms target.

    make bench-explorer          (or: .venv-lab/bin/python scripts/bench_explorer.py)

A measurement, not a test: the figures depend on the machine's load.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZIEL_MS = 300
N = 5

OBSERVER = """() => {
  window.__t1 = null;
  if (!window.__obs) {
    window.__obs = new MutationObserver((records) => {
      const el = (r) => r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (records.some(r => el(r) && el(r).closest('.lm-TabPanel-stackedPanel, .widget-tab-contents')
                          && (el(r).closest('.vega-embed') || el(r).closest('.widget-html'))))
        window.__t1 = performance.now();
    });
    window.__obs.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true});
  }
  window.__t0 = performance.now();
}"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def messe(page, aktion) -> float:
    page.evaluate(OBSERVER)
    aktion()
    page.wait_for_function("() => window.__t1 !== null", timeout=90_000)
    # the view is drawn when its SVG/table has not changed for 250 ms: the last change counts
    page.wait_for_function("() => performance.now() - window.__t1 > 250", timeout=30_000)
    return page.evaluate("() => window.__t1 - window.__t0")


def main() -> int:
    from playwright.sync_api import sync_playwright

    voila = ROOT / ".venv-lab" / "bin" / "voila"
    if not voila.exists():
        print("Erst `make explorer` bzw. die Umgebung .venv-lab einrichten.", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    nb = tmp / "explorer.ipynb"
    shutil.copy(ROOT / "notebooks" / "explorer.ipynb", nb)
    port = _port()
    env = dict(os.environ, HANDBUCH_ROOT=str(ROOT), JUPYTER_PATH=str(ROOT / "notebooks" / "app"))
    proc = subprocess.Popen([str(voila), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}", "--theme=light",
                             "--template=explorer", str(nb)], cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    ergebnisse: dict[str, list[float]] = {}
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "voila/static/voila.js", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                  args=["--no-sandbox", "--disable-gpu"])
            page = b.new_page(viewport={"width": 1280, "height": 720})
            t0 = time.monotonic()
            page.goto(url, timeout=180_000)   # Voilà fires "load" once all cells ran
            page.locator(".vega-embed svg text", has_text="K2 Integrationsquote").first.wait_for(timeout=120_000)
            print(f"App geladen in {time.monotonic() - t0:.1f} s (Kernelstart, Datenbestand, erstes Diagramm)")
            side = page.locator(".explorer-sidebar")
            jc = side.locator(".widget-text input").first
            kz = side.locator(".widget-dropdown select").first
            gruppe = side.locator(".widget-dropdown select").nth(1)
            tabs = page.locator(".widget-tab .lm-TabBar-tab")

            def jobcenter(i):
                jc.fill(["05113", "dortmund", "5315"][i % 3])
                jc.press("Enter")

            def kennzahl(i):
                kz.select_option(index=[0, 4, 7, 10, 2][i % 5])

            def geschlecht(i):
                side.locator(".widget-toggle-button").nth([1, 2, 0][i % 3]).click()

            def zeitraum(i):
                side.locator(".noUi-handle").first.focus()
                side.locator(".noUi-handle").first.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")

            def vergleichsgruppe(i):
                gruppe.select_option(index=[1, 2, 3, 0][i % 4])

            steuerung = [("Jobcenter (Kennung/Name + Eingabe)", jobcenter), ("Kennzahl", kennzahl),
                         ("Geschlecht", geschlecht), ("Zeitraum (Schieber)", zeitraum),
                         ("Vergleichsgruppe", vergleichsgruppe)]
            for name, aktion in steuerung:
                print(f"… {name}", flush=True)
                ergebnisse[name] = [messe(page, lambda i=i: aktion(i)) for i in range(N)]
            # opening a view draws it with the current selection
            for name in ("Rangliste", "Profil", "Tabelle", "Vergleich"):
                werte = []
                for i in range(N):
                    tabs.filter(has_text="Zeitreihe").first.click()
                    kennzahl(i)   # makes the other views stale
                    page.wait_for_timeout(400)
                    werte.append(messe(page, lambda: tabs.filter(has_text=name).first.click()))
                ergebnisse[f"Ansicht {name} öffnen"] = werte
            b.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nNeuzeichnen je Bedienelement im Browser (Median von {N}, Ziel ≤ {ZIEL_MS} ms):")
    print(f"{'Bedienelement':42} {'Median':>8} {'max':>8}  Ziel")
    schlecht = 0
    for name, werte in ergebnisse.items():
        med = statistics.median(werte)
        ok = med <= ZIEL_MS
        schlecht += not ok
        print(f"{name:42} {med:7.0f}  {max(werte):7.0f}   {'ja' if ok else 'NEIN'}")
    return 0 if not schlecht else 1


if __name__ == "__main__":
    sys.exit(main())
