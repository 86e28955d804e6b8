"""Text from deliveries and parameter files as inert Markdown/MyST (domain-free helper).

Every ASCII punctuation character with a meaning inside a line is backslash-escaped (CommonMark
allows escaping any of them), so no delivery string can open HTML, an entity, a role, a
directive fence, a link, emphasis, math, a table cell or a substitution; control characters
and line breaks become spaces. Harmless ones (``-.,'"/():;?@%+``) stay readable in the source.
"""

from __future__ import annotations

import re

_PUNCT = re.compile("([" + re.escape("\\`*_[]<>{}|~$&!#^=") + "])")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")   # also used to refuse names


def md_text(text) -> str:
    """One line of literal text for generated Markdown (headings, table cells, link texts)."""
    return _PUNCT.sub(r"\\\1", CONTROL.sub(" ", str(text)))

