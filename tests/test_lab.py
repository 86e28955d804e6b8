"""The explorer notebook in real Jupyter kernels.

1. nbval (``pytest --nbval-lax``) in the CI env, where anywidget is not installed: the notebook
   must run with its default selection and fall back to tables instead of charts.
2. nbclient in the CI env: the widgets' saved state holds the expected options (407 Jobcenter,
   15 figures, 3 genders, all months), and changing widget values from the kernel updates the
   selection, the views, the CSV export, the parameter file and the saved ring.
3. JupyterLab itself (the .venv-lab env of `make lab`): a server on 127.0.0.1, the notebook run
   in headless Chromium; widgets and the offline altair JupyterChart must render, react to a
   changed figure and request nothing from outside. The env is created if missing (about 75 s,
   the Makefile's commands); HANDBUCH_LAB_TEST=aus skips this test instead.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers import appserver, paths
from helpers import explorer as ex

NOTEBOOK = paths.NOTEBOOKS / "explorer.ipynb"
LAB_ENV = appserver.LAB_ENV


@pytest.fixture(scope="module")
def mart_ready(demo_mart):
    return demo_mart


@pytest.mark.slow
def test_notebook_runs_under_nbval(mart_ready):
    t0 = time.monotonic()
    env = {k: v for k, v in os.environ.items() if k != "HANDBUCH_DIAGRAMME"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", str(NOTEBOOK), "-q", "-p", "no:cacheprovider"],
        cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout
    print(f"nbval: {time.monotonic() - t0:.1f} s")


INTERACTION = """
import json as _json
_log = {}
app.w_kz.value = "K3"
_log["kennzahl"] = app.auswahl.kennzahl
app.w_gruppe.value = "nachbarn"
app.w_k.value = 5
_log["gruppe_art"] = app.auswahl.gruppe_art
_log["n_mitglieder"] = len(ex.mitglieder(app.m, app.auswahl))
app.w_zeit.value = ("2024-01", "2025-12")
_log["zeitraum"] = [app.auswahl.von, app.auswahl.bis]
_log["zeit_text"] = app.w_zeit_text.value
app.w_jc.value = "5913"
_log["jobcenter"] = app.auswahl.jobcenter_id
_log["jc_box"] = app.w_jc.value
_log["gruppe_labels"] = [label for label, _ in app.w_gruppe.options]
app.daten_export("csv")
app.auswahl_speichern()
app.w_liste.value = "05315, Jobcenter Essen (05113)"
app.w_ringname.value = "Testring"
app.ring_speichern()
app.w_gruppe.value = "ring"
_log["ring"] = [app.auswahl.ring.name, list(app.auswahl.ring.mitglieder)]
_log["status"] = app.w_status.value
app.zeige_ansicht("rang")
app.zeige_ansicht("tabelle")
print("LOG" + _json.dumps(_log))
"""


def _execute(nb, cwd: Path):
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


@pytest.mark.slow
def test_widgets_in_kernel_with_saved_state(mart_ready, tmp_path):
    m = mart_ready
    assert {"05315", "05913", "05113"} <= set(m.jobcenter["jobcenter_id"]), "Demo-Kennungen fehlen"
    ringe = tmp_path / "ringe"
    shutil.copytree(paths.PARAMETERS / "ringe", ringe)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    pos = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(pos + 1, nbformat.v4.new_code_cell(
        f"export_ordner = {str(tmp_path / 'exports')!r}\neigene_ordner = {str(tmp_path / 'eigene')!r}\n"
        f"ringe_ordner = {str(ringe)!r}"))
    nb.cells.append(nbformat.v4.new_code_cell("from helpers import explorer as ex\n" + INTERACTION))
    t0 = time.monotonic()
    _execute(nb, paths.NOTEBOOKS)
    print(f"nbclient: {time.monotonic() - t0:.1f} s")

    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    log_line = next(line for o in nb.cells[-1].outputs if o.output_type == "stream"
                    for line in o.text.splitlines() if line.startswith("LOG"))
    log = json.loads(log_line[3:])

    # --- saved widget state: the models hold the expected options
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = {}
    for model in state.values():
        models.setdefault(model["model_name"], []).append(model["state"])
    (combo,) = models["ComboboxModel"]
    assert len(combo["options"]) == len(m.jobcenter) == 407
    assert "Jobcenter Köln (05315)" in combo["options"]
    assert combo["value"] == "Jobcenter Dortmund (05913)" and combo["ensure_option"] is False
    kz = next(d for d in models["DropdownModel"] if d["_options_labels"] == [lbl for lbl, _ in ex.kennzahl_optionen()])
    assert len(kz["_options_labels"]) == len(ex.kennzahl_optionen()) == 21 and kz["_options_labels"][kz["index"]].startswith("Ziel 3 · K3 ")
    assert any(len(d["_options_labels"]) == 5 for d in models["DropdownModel"])   # the comparison groups
    (g,) = models["ToggleButtonsModel"]
    assert g["_options_labels"] == ["Insgesamt", "Frauen", "Männer"]
    (slider,) = models["SelectionRangeSliderModel"]
    assert slider["_options_labels"] == [ex.monat_kurz(x) for x in ex.monate(m)] and slider["readout"] is False
    assert [slider["_options_labels"][i] for i in slider["index"]] == ["Jan. 2024", "Dez. 2025"]
    assert len(models["GridBoxModel"]) == 1   # AppLayout: controls in a sidebar beside the views
    html_values = [h["value"] for h in models["HTMLModel"]]
    ranking = next(v for v in html_values if "<th>Kennung</th>" in v)
    # the last selection: ring "Testring" (05315, 05113) and the chosen Jobcenter 05913 ranked beside it
    assert sorted(set(re.findall(r"<td>(\d{5})</td>", ranking))) == ["05113", "05315", "05913"]
    table = next(v for v in html_values if "<th>Einordnung</th>" in v)
    assert table.count("<tr") == 1 + 15 + 6 and "K3E4" in table and "JFW_LZB_VJ" in table   # header, 15 figures, 6 JFW

    # --- wiring: every change reached the selection and the views
    assert log["kennzahl"] == "K3" and log["gruppe_art"] == "nachbarn"
    assert log["n_mitglieder"] == 6 and log["zeitraum"] == ["2024-01", "2025-12"]
    assert log["jobcenter"] == "05913" and log["jc_box"] == "Jobcenter Dortmund (05913)"
    assert log["zeit_text"] == "Jan. 2024 – Dez. 2025"
    assert log["gruppe_labels"][0].startswith(f"Vergleichstyp {m.jobcenter_info('05913')['vergleichstyp']}")
    assert log["ring"] == ["Testring", ["05315", "05113"]]
    assert "Testring" in log["status"]

    # --- the buttons wrote their files
    werte = [p for p in (tmp_path / "exports").glob("*.csv")
             if not p.name.endswith(("_mitglieder.csv", "_zielsteuerung.csv", "_zielwerte.csv"))]
    assert len(list((tmp_path / "exports").glob("*_zielsteuerung.csv"))) == 1      # the JFW beside the values
    back = ex.lese_csv(werte[0])
    assert len(werte) == 1 and set(back["Kennung"]) == {"05913"} and back["Monat"].iloc[0] == "Januar 2024"
    (param,) = (tmp_path / "eigene").glob("*.yml")
    daten = yaml.safe_load(param.read_text(encoding="utf-8"))
    ring = daten["vergleichsringe"][0]
    assert "05913" in ring["jobcenter_ids"] and len(ring["jobcenter_ids"]) == 6
    assert ring["parameters"] == {"monat": "2025-12", "geschlecht": "insgesamt", "beschreibung": ""}
    assert ex.lade_ring(ringe / "testring.yml").mitglieder == ("05315", "05113")


# --------------------------------------------------------------------------- JupyterLab


def _lab_env() -> Path:
    """The JupyterLab env of `make lab`; created with the Makefile's commands when missing
    (about 75 s with a warm pip cache). HANDBUCH_LAB_TEST=aus skips instead."""
    jupyter = LAB_ENV / "bin" / "jupyter"
    if jupyter.exists() and (LAB_ENV / "bin" / "voila").exists():
        return jupyter
    if os.environ.get("HANDBUCH_LAB_TEST") == "aus":
        pytest.skip(".venv-lab fehlt und HANDBUCH_LAB_TEST=aus")
    t0 = time.monotonic()
    pip = [str(LAB_ENV / "bin" / "pip"), "install", "-q"]
    for cmd in (["python3", "-m", "venv", str(LAB_ENV)],
                pip + ["-r", "requirements.txt", "-r", "requirements-lab.txt"],
                pip + ["--no-deps", "-e", "."]):
        subprocess.run(cmd, cwd=paths.ROOT, check=True, timeout=1200)
    print(f".venv-lab angelegt in {time.monotonic() - t0:.0f} s")
    return jupyter


@pytest.fixture
def lab_server(tmp_path, mart_ready):
    jupyter = _lab_env()
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)   # Lab may save the notebook: never touch the repo's copy
    settings = tmp_path / "settings"
    (settings / "@jupyterlab" / "docmanager-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(
        json.dumps({"autosave": False}))
    port, token = appserver.freier_port(), secrets.token_hex(16)
    env = dict(os.environ, HANDBUCH_ROOT=str(paths.ROOT), HANDBUCH_MART=str(paths.MART_DIR),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    env.pop("HANDBUCH_DIAGRAMME", None)
    befehl = [str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
              f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
              "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    url = f"http://127.0.0.1:{port}"
    try:
        with appserver.server(befehl, f"{url}/api/status?token={token}", cwd=root, env=env,
                              log=tmp_path / "lab.log", timeout=120):
            yield url, token
    except appserver.ServerFehler as exc:
        pytest.fail(f"JupyterLab: {exc}")


@pytest.mark.slow
@pytest.mark.browser
def test_explorer_renders_in_jupyterlab(lab_server, browser_page):
    url, token = lab_server
    page, t0 = browser_page.page, time.monotonic()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?token={token}")
    page.wait_for_selector(".jp-Notebook", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    try:   # Lab asks for a kernel when it does not start one by itself
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=5_000)
    except Exception:  # noqa: BLE001 - no dialog: nothing to do
        pass
    # opening does not mark the notebook modified (cell ids, metadata as Lab writes them)
    page.wait_for_timeout(1_000)
    assert page.locator(".lm-TabBar-tab.jp-mod-dirty").count() == 0
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("li[data-command='runmenu:run-all']").click()

    chart_title = page.locator(".vega-embed svg text", has_text="K2 Integrationsquote")
    chart_title.first.wait_for(state="attached", timeout=120_000)
    combo = page.locator(".widget-text input[list]").first
    assert combo.input_value() == "Jobcenter Köln (05315)"
    n_options = page.evaluate("(el) => document.getElementById(el.getAttribute('list')).options.length",
                              combo.element_handle())
    assert n_options == 407
    kz = page.locator(".widget-dropdown select").filter(has=page.locator("option", has_text="K3E4"))
    assert kz.locator("option").count() == 21        # 15 Kennzahlen, 6 Steuerungsgrößen
    # German axis labels from the offline embed options: decimal comma, German month names
    svg_text = page.evaluate("() => Array.from(document.querySelectorAll('.vega-embed svg text'), t => t.textContent)"
                             ".join(' ')")
    assert "," in svg_text and any(mo in svg_text for mo in ("Jan", "Mrz", "Mai", "Okt", "Dez"))

    for tab in ["Vergleich", "Rangliste", "Profil", "Tabelle", "Zeitreihe"]:
        page.locator(".widget-tab .lm-TabBar-tab", has_text=tab).first.click()
        panel = page.locator(".widget-tab-contents > .lm-Widget:visible").first
        panel.locator("svg.marks, table").first.wait_for(state="visible", timeout=30_000)
    assert page.get_by_text("JavaScript Error").count() == 0, "ein Diagramm konnte nicht gezeichnet werden"

    kz.select_option(label=next(lbl for lbl, c in ex.kennzahl_optionen() if c == "K3"))
    page.locator(".vega-embed svg text", has_text="K3 Veränderung Bestand LZB").first.wait_for(
        state="attached", timeout=60_000)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert not browser_page.external, browser_page.external
    print(f"JupyterLab: {time.monotonic() - t0:.1f} s bis zum geänderten Diagramm")
