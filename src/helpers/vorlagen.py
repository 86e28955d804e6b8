"""HTML fragments of the pages from Jinja2 templates (``helpers/templates/``).

One environment: autoescape on, StrictUndefined (a missing value is an error, not an empty
string). Data is escaped like ``html.escape`` (``&quot;``/``&#x27;``, as ``text.zeichen_html``),
so every value in a template is text; already-rendered fragments are passed in as
``Markup(render(...))`` and are the only Markup in the pages.

``render`` returns ``str`` (not Markup): the result is joined with other page HTML and shown
with ``IPython.display.HTML``; concatenating a Markup with a str would escape the str.
"""

from __future__ import annotations

import functools
import html

import jinja2
from markupsafe import Markup

__all__ = ["Markup", "render"]


def _finalize(value):
    """Escape every value the way html.escape does; Markup (rendered fragments, macros) stays."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


@functools.cache
def umgebung() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("helpers", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, finalize=_finalize,
                              trim_blocks=True, lstrip_blocks=True)


def render(name: str, **werte) -> str:
    """The fragment ``templates/<name>`` with ``werte``, as HTML text."""
    return str(umgebung().get_template(name).render(**werte))
