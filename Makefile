# Kennzahlen-Handbuch SGB II — `make help` lists the targets.
# The two commands of the README: `make book` (whole handbook on demo data) and `make test`.

SHELL      := /bin/bash
PY         := .venv/bin/python
VENV_STAMP := .venv/.installed
DATA       ?= data/demo
MART       ?= data/processed
JOBS       ?= $(shell nproc)
# Shell-quote a make value (DATA="ordner mit leerzeichen", also ; $ ` are data, not commands).
q = '$(subst ','\'',$(1))'

.DEFAULT_GOAL := help
.PHONY: help setup demo mart pages toc book test test-fast bench lab explorer bench-explorer monthly serve clean

help: ## Diese Übersicht
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.txt pyproject.toml package.json
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	npm ci --silent --no-audit --no-fund
	touch $@

setup: $(VENV_STAMP) ## Umgebung einrichten (.venv, Pakete, vega-Bibliotheken)

demo: $(VENV_STAMP) ## Demodaten erzeugen (synthetisch, deterministisch) nach data/demo/
	$(PY) -m helpers demo --out data/demo

mart: $(VENV_STAMP) ## Kennzahlen berechnen (Lieferordner DATA, auch gebietsaenderungen.*) -> data/processed/
	@if [ $(call q,$(value DATA)) = "data/demo" ] && [ ! -f data/demo/grunddaten.csv ]; then $(MAKE) --no-print-directory demo; fi
	$(PY) -m helpers mart --data $(call q,$(value DATA)) --out $(call q,$(MART))

pages: mart ## Alle Seiten mit papermill ausführen (inkrementell, parallel), Downloads erzeugen (je Datenstand)
	$(PY) -m helpers run --jobs $(call q,$(JOBS))
	$(PY) -m helpers downloads --jobs $(call q,$(JOBS))

toc: mart ## Inhaltsverzeichnis und Übersichtsseiten aus den Daten erzeugen
	$(PY) -m helpers toc

book: pages toc ## Das ganze Handbuch bauen (Demodaten, falls keine anderen angegeben) -> _build/html
	$(PY) -m helpers build

test: book ## Alle Tests (Einheit, Notebooks, Pipeline, Browser)
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium poppler-utils >/dev/null)
	$(PY) -m pytest

test-fast: mart ## Nur die schnellen Tests (ohne Buch und Browser; baut den Datenbestand)
	$(PY) -m pytest -m "not slow and not browser"

bench: pages toc ## Benchmarks: Berechnung, Seiten, Buch (gibt die Zeiten aus)
	$(PY) scripts/benchmark.py

LAB_STAMP := .venv-lab/.installed
$(LAB_STAMP): requirements.txt requirements-lab.txt pyproject.toml
	python3 -m venv .venv-lab
	.venv-lab/bin/pip install --quiet -r requirements.txt -r requirements-lab.txt
	.venv-lab/bin/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

lab: $(LAB_STAMP) mart ## JupyterLab mit dem Explorer starten (eigene Umgebung .venv-lab)
	.venv-lab/bin/jupyter lab --ServerApp.ip=127.0.0.1 $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/explorer.ipynb

explorer: $(LAB_STAMP) mart ## Explorer als Web-Anwendung ohne Code (Voilà, http://127.0.0.1:8866)
	JUPYTER_PATH=notebooks/app .venv-lab/bin/voila --no-browser --Voila.ip=127.0.0.1 --port=8866 --theme=light \
		--template=explorer notebooks/explorer.ipynb

bench-explorer: $(LAB_STAMP) mart ## Messung: Neuzeichnen je Bedienelement im Browser (Ziel ≤ 300 ms)
	.venv-lab/bin/python scripts/bench_explorer.py

monthly: $(VENV_STAMP) ## Monatslauf: make monthly DATA=pfad/zur/lieferung
	$(PY) -m helpers monthly --data $(call q,$(value DATA))

serve: ## Gebautes Handbuch lokal ansehen (http://127.0.0.1:8000)
	$(PY) -m http.server 8000 --bind 127.0.0.1 -d _build/html

clean: ## Erzeugtes löschen (Seiten, Build, Datenbestand; nicht .venv)
	rm -rf _build book/seiten book/generated data/processed data/demo logs .cache exports
