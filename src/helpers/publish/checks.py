"""Quick static checks of a built edition before it is published.

- every page of the table of contents exists as HTML (plus the start redirect and the search page);
- with demo data, every content page shows the demo banner;
- nothing would be loaded from another host: HTML tags that load resources (script, link, img,
  iframe, source, video, audio, embed, object), CSS ``url(...)``/``@import`` and JavaScript that
  refers to a CDN or imports a module from an absolute URL. Plain links (``<a href>``) to other
  sites are allowed: following them is the reader's choice.
- optionally, the provenance footer on every content page.
(The browser suite drives the site in Chromium; this is the fast gate of the monthly run.)
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

_LOAD_TAG = re.compile(
    r"<(script|img|iframe|source|audio|video|embed|track|input)\b[^>]*?\s(?:src|srcset|data)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)"
    r"|<link\b[^>]*?\shref\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)[^>]*>"
    r"|<object\b[^>]*?\sdata\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])\s*((?:https?:)?//[^\"')\s]+)", re.IGNORECASE)
_META_REFRESH = re.compile(r"<meta[^>]+http-equiv=[\"']?refresh[^>]+url=\s*((?:https?:)?//[^\"'>\s]+)", re.IGNORECASE)
# Hosts that only ever serve libraries, fonts or APIs: any mention in code means a remote load.
CDN_HOSTS = (
    "cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "ajax.googleapis.com", "fonts.googleapis.com",
    "fonts.gstatic.com", "code.jquery.com", "stackpath.bootstrapcdn.com", "maxcdn.bootstrapcdn.com",
    "use.fontawesome.com", "kit.fontawesome.com", "api.mystmd.org", "polyfill.io", "cdn.plot.ly",
    "www.googletagmanager.com", "www.google-analytics.com", "esm.sh", "cdn.skypack.dev",
)
_JS_IMPORT = re.compile(r"""\bimport\s*\(\s*["'](https?:)?//|\bimport\s[^;]*?from\s*["'](https?:)?//|importScripts\(\s*["'](https?:)?//""")
_CDN = re.compile("|".join(re.escape(h) for h in CDN_HOSTS), re.IGNORECASE)


def toc_pages(toc_path: Path) -> list[str]:
    """Every document of a jb-book _toc.yml (root, chapters, sections), without suffix."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    out = [toc["root"]]

    def walk(items):
        for it in items or []:
            if "file" in it:
                out.append(it["file"])
            walk(it.get("sections"))

    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return out


def content_pages(edition: Path) -> list[Path]:
    """HTML pages a reader sees (not theme fragments, not the start redirect)."""
    edition = Path(edition)
    return sorted(p for p in edition.rglob("*.html")
                  if "_static" not in p.relative_to(edition).parts and p != edition / "index.html")


def external_loads(edition: Path) -> list[str]:
    """Everything that would make a browser contact another host (file: finding)."""
    edition = Path(edition)
    found: list[str] = []
    for p in sorted(edition.rglob("*")):
        if not p.is_file() or p.suffix not in (".html", ".htm", ".js", ".mjs", ".css"):
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        rel = p.relative_to(edition).as_posix()
        if p.suffix in (".html", ".htm"):
            for m in _LOAD_TAG.finditer(text):
                found.append(f"{rel}: lädt {next(g for g in m.groups()[1:] if g)}")
            for m in _META_REFRESH.finditer(text):
                found.append(f"{rel}: leitet weiter nach {m.group(1)}")
        if p.suffix in (".html", ".htm", ".css"):
            for m in _CSS_URL.finditer(text):
                found.append(f"{rel}: CSS lädt {m.group(1)}")
        if p.suffix in (".html", ".htm", ".js", ".mjs"):
            for m in _JS_IMPORT.finditer(text):
                found.append(f"{rel}: Skript importiert von außen: {text[m.start():m.start() + 80]!r}")
            scripts = text if p.suffix != ".html" else " ".join(re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S | re.I))
            for m in _CDN.finditer(scripts):
                found.append(f"{rel}: Skript verweist auf {m.group(0)}")
    return found


def check_edition(edition: Path, toc_path: Path, *, demo: bool, demo_text: str,
                  footer: str | None = None, extra_pages: tuple[str, ...] = ()) -> list[str]:
    """All problems of a built edition folder (empty list: ready to publish)."""
    edition = Path(edition)
    problems: list[str] = []
    expected = [f"{doc}.html" for doc in toc_pages(toc_path)] + ["index.html", "search.html", *extra_pages]
    for rel in expected:
        if not (edition / rel).is_file():
            problems.append(f"Seite fehlt: {rel}")
    pages = content_pages(edition)
    if not pages:
        problems.append("Die Ausgabe enthält keine Seiten.")
    for p in pages:
        text = p.read_text(encoding="utf-8", errors="replace")
        rel = p.relative_to(edition).as_posix()
        if demo and demo_text not in text:
            problems.append(f"Demohinweis fehlt: {rel}")
        if footer and footer not in text:
            problems.append(f"Herkunftszeile (Fußzeile) fehlt: {rel}")
    problems += [f"Externe Ressource: {x}" for x in external_loads(edition)]
    return problems
