"""Sphinx extension: a lighter book build, the pages' content unchanged.

* No ``jupyter_execute/`` copy: myst-nb writes every notebook it reads once more into
  ``_build/jupyter_execute/`` (serialised and validated by nbformat), only for download links
  and glue data, neither of which the handbook uses. The pages are executed beforehand
  (book/seiten/), so this copy is pure cost. The extension gives myst-nb's parser a stand-in
  for the ``nbformat`` module whose ``writes`` returns an empty string, and drops the write.
* myst-nb's stylesheet is in ``_static/`` before the first page is written: myst-nb copies it only
  at ``build-finished``, so a first build linked it without Sphinx's ``?v=<checksum>`` and a later
  incremental build (file present) with it – rebuilds were not byte-identical.
* Parallel reading and writing (``sphinx-build -j N``, ``helpers build --jobs N``): declares itself
  safe, and declares sphinx_multitoc_numbering safe for reading. sphinx_external_toc loads that
  extension unconditionally (``use_multitoc_numbering: false`` does not keep it out) and it declares
  nothing, so Sphinx read serially and warned (an error in this build). It keeps no per-read
  state: its setup only replaces ``TocTreeCollector.assign_section_numbers`` (class level, before
  the readers fork), which Sphinx runs in the main process after all documents are merged.
  (sphinx_jupyterbook_latex, which declares nothing either, is switched off in _config.yml: the
  handbook builds no LaTeX.)
* A lighter sidebar on leaf pages below a chapter (the Jobcenter pages under their Vergleichstyp,
  the Länder under the Bund): the navigation lists the chapters only, with the page's own chapter
  marked, instead of every sibling (about 8 KB per Jobcenter page and much of the writing time:
  the toctree is resolved per page). The chapter page lists its pages as before, and the search
  stays. ``handbuch_nav_kapitel`` in the page context; ``book/_templates/sbt-sidebar-nav.html``.
* Search index: the German stemmer runs once per distinct word of the whole book, not once per
  word and page (Sphinx memoises only within a page; the 441 pages share most of their words:
  about 300,000 stem calls were the largest single cost of writing). Same index.
* Shared chart Vorlagen: the parts of the chart specs every page of a kind shares are written
  once into ``_static/diagramme/`` (``helpers.mystnb_vega``: collected per document in the
  environment, merged from parallel readers, written at build-finished).
"""

from __future__ import annotations

import types
from typing import Any


class _NbformatOhneKopie(types.ModuleType):
    """``nbformat`` as seen by myst_nb.sphinx_: everything as usual except ``writes``."""

    def __init__(self, real):
        super().__init__("nbformat")
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    @staticmethod
    def writes(*_args, **_kwargs) -> str:
        return ""


def _skip_copy() -> None:
    import myst_nb.core.render as render
    import myst_nb.sphinx_ as sphinx_

    if not isinstance(sphinx_.nbformat, _NbformatOhneKopie):
        sphinx_.nbformat = _NbformatOhneKopie(sphinx_.nbformat)
    write_file = render.NbElementRenderer.write_file
    if getattr(write_file, "_handbuch", False):
        return

    def write_file_ohne_kopie(self, path, content, overwrite=False, exists_ok=False):
        if path and str(path[-1]).endswith(".ipynb") and content == b"":
            return ""                     # the notebook copy: not written
        return write_file(self, path, content, overwrite=overwrite, exists_ok=exists_ok)

    write_file_ohne_kopie._handbuch = True
    render.NbElementRenderer.write_file = write_file_ohne_kopie


def _stem_einmal() -> None:
    """Memoise SearchGerman.stem over the whole build (a pure function of the word)."""
    from sphinx.search.de import SearchGerman

    stem = SearchGerman.stem
    if getattr(stem, "_handbuch", False):
        return
    cache: dict[str, str] = {}

    def stem_einmal(self, word: str) -> str:
        try:
            return cache[word]
        except KeyError:
            cache[word] = out = stem(self, word)
            return out

    stem_einmal._handbuch = True
    SearchGerman.stem = stem_einmal


def _mystnb_css_vorab(app) -> None:
    if app.builder is None or app.builder.format != "html":
        return
    import os

    from myst_nb.sphinx_ext import add_global_html_resources

    os.makedirs(os.path.join(app.builder.outdir, "_static"), exist_ok=True)
    add_global_html_resources(app, None)        # the same copy myst-nb makes at build-finished


def _multitoc_parallel(app, _env, _docnames) -> None:
    """Sphinx checks the extensions' flags right after this event, before forking the readers."""
    ext = app.extensions.get("sphinx_multitoc_numbering")
    if ext is not None and ext.parallel_read_safe is None:
        ext.parallel_read_safe = True


def _nav_kapitel(app, pagename, _templatename, context, _doctree) -> None:
    """True for a page without own pages whose parent in the TOC is a chapter (not the root)."""
    env = app.env
    includes = env.toctree_includes
    if includes.get(pagename):
        context["handbuch_nav_kapitel"] = False
        return
    eltern = _eltern(env)
    parent = eltern.get(pagename)
    context["handbuch_nav_kapitel"] = bool(parent) and parent != app.config.root_doc


def _eltern(env) -> dict[str, str]:
    cache = getattr(env, "_handbuch_eltern", None)
    key = id(env.toctree_includes), len(env.toctree_includes)
    if cache is None or cache[0] != key:
        eltern: dict[str, str] = {}
        for parent, kinder in sorted(env.toctree_includes.items()):
            for kind in kinder:
                eltern.setdefault(kind, parent)
        cache = (key, eltern)
        env._handbuch_eltern = cache
    return cache[1]


def setup(app) -> dict:
    from helpers import mystnb_vega

    _skip_copy()
    _stem_einmal()
    mystnb_vega.sphinx_setup(app)
    app.connect("builder-inited", _mystnb_css_vorab)
    app.connect("env-before-read-docs", _multitoc_parallel)
    app.connect("html-page-context", _nav_kapitel)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
