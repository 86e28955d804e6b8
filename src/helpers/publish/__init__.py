"""Monthly regeneration and publishing: dated editions, atomic switch of ``aktuell``, provenance.

- ``site``        site layout, editions, lock, atomic rename/symlink switch, index pages
- ``delivery``    the delivery's input files and the unchangeable copy under data/raw/
- ``changes``     change report against the previous edition (JSON + German Markdown)
- ``provenance``  "Über diese Ausgabe" page, provenienz.json, footer line for every page
- ``checks``      static checks of a built edition (pages, demo banner, nothing loaded from outside)
- ``monthly``     ``python -m helpers monthly``: the steps from delivery to published edition

This module stays light (the CLI imports it for every command).
"""

from __future__ import annotations


def register(subparsers) -> None:
    from helpers.publish.monthly import register as _register

    _register(subparsers)


def footer_html(prov: dict | None = None, root=None, meta: dict | None = None) -> str:
    """The provenance line for every page's footer (see provenance.footer_html)."""
    from helpers.publish.provenance import footer_html as _footer

    return _footer(prov, root=root, meta=meta)
