"""Explorer benchmark: time from a changed control to the redrawn view, in the browser.

Starts the app as `make explorer` does (Voilà from .venv-lab, own template) on a free port,
opens it in headless Chromium (1280x720) and changes every control five times. A change is
timed in the page: from just before the input event (performance.now()) until the app has sent
the redraw (its hidden redraw counter changes) and the visible chart has put it on screen (the
chart widget stamps data-gezeichnet/data-zeit once vega has rendered); the later of the two counts.
A chart that failed to draw (data-fehler) ends the run instead of counting as drawn.
Prints the median and the slowest of the five per control against the 300 ms target.

    make bench-explorer          (or: .venv-lab/bin/python scripts/bench_explorer.py)

A measurement, not a test: the figures depend on the machine's load.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZIEL_MS = 300
N = 5

VORHER = """() => {
  const zaehler = document.querySelector('.explorer-gezeichnet');
  window.__vorher = {zaehler: zaehler.textContent,
                     diagramme: Array.from(document.querySelectorAll('[data-gezeichnet]'), e => e.dataset.gezeichnet)};
  window.__tz = null;
  if (!window.__obs) {
    window.__obs = new MutationObserver(() => { window.__tz = performance.now(); });
    window.__obs.observe(zaehler, {childList: true, subtree: true, characterData: true});
  }
  window.__t0 = performance.now();
}"""

# Drawn: the app has sent the redraw (its counter changed) and the visible chart, if any, has
# put that redraw on screen (its data-gezeichnet changed). The time is the later of the two.
GEZEICHNET = """() => {
  if (document.querySelector('.explorer-gezeichnet').textContent === window.__vorher.zaehler) return false;
  const alle = Array.from(document.querySelectorAll('[data-gezeichnet]'));
  const i = alle.findIndex(e => e.offsetParent !== null);
  if (i < 0) return window.__tz - window.__t0;
  if (alle[i].dataset.gezeichnet === window.__vorher.diagramme[i]) return false;
  if (alle[i].dataset.fehler) throw new Error('Diagramm nicht gezeichnet: ' + alle[i].dataset.fehler);
  return Math.max(window.__tz, Number(alle[i].dataset.zeit)) - window.__t0;
}"""


def messe(page, aktion) -> float:
    page.evaluate(VORHER)
    aktion()
    try:
        return page.wait_for_function(GEZEICHNET, timeout=90_000, polling=10).json_value()
    except Exception:
        zustand = page.evaluate("() => [window.__vorher, document.querySelector('.explorer-gezeichnet').textContent,"
                                " Array.from(document.querySelectorAll('[data-gezeichnet]'),"
                                " e => [e.dataset.gezeichnet, e.offsetParent !== null]),"
                                " Array.from(document.querySelectorAll('.explorer-meldung'), e => e.textContent)]")
        print(f"Kein Neuzeichnen erkannt: {zustand}", *page.konsole, sep="\n", file=sys.stderr)
        raise


def main() -> int:
    from playwright.sync_api import sync_playwright

    from helpers import appserver

    if not (appserver.LAB_ENV / "bin" / "voila").exists():
        print("Erst `make explorer` bzw. die Umgebung .venv-lab einrichten.", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    nb = tmp / "explorer.ipynb"
    shutil.copy(ROOT / "notebooks" / "explorer.ipynb", nb)
    ergebnisse: dict[str, list[float]] = {}
    try:
        with appserver.voila(nb, cwd=tmp, log=tmp / "voila.log") as url, sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                  args=["--no-sandbox", "--disable-gpu"])
            page = b.new_page(viewport={"width": 1280, "height": 720})
            page.konsole = []
            page.on("console", lambda m: page.konsole.append(m.text[:200]) if m.type in ("error", "log") else None)
            t0 = time.monotonic()
            page.goto(url, wait_until="commit", timeout=180_000)
            appserver.warte_auf_app(page)
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
                    messe(page, lambda i=i: kennzahl(i))   # makes the other views stale
                    werte.append(messe(page, lambda: tabs.filter(has_text=name).first.click()))
                ergebnisse[f"Ansicht {name} öffnen"] = werte
            b.close()
    except appserver.ServerFehler as exc:
        print(f"Voilà: {exc}", file=sys.stderr)
        return 2
    finally:
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
