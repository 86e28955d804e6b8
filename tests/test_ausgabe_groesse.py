"""Edition size (issue #15): theme assets once per site, no duplicate data, per-page downloads
only in the current edition; the budget measured on a real built edition."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from urllib.parse import urljoin, urlparse

from helpers.publish import site, statik, store
from helpers.publish.site import Edition

PAGE = ('<html><head><link rel="stylesheet" href="{p}_static/styles/theme.css?v=1">'
        '<script src="{p}_static/js/app.js"></script></head><body>'
        '<script type="application/json">{{"url": "{p}_static/geo/kreise.json"}}</script>'
        '<a href="{p}downloads/jobcenter/01001.csv" download>CSV</a></body></html>')


def fake_built(base: Path, name: str, theme: bytes = b"body{}") -> Path:
    ed = base / name
    for rel, depth in (("index.html", 0), ("search.html", 0), ("book/intro.html", 1),
                       ("book/seiten/jobcenter/01001.html", 3)):
        f = ed / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(PAGE.format(p="../" * depth), encoding="utf-8")
    (ed / "_static" / "styles").mkdir(parents=True)
    (ed / "_static" / "js").mkdir()
    (ed / "_static" / "geo").mkdir()
    (ed / "_static" / "styles" / "theme.css").write_bytes(theme)
    (ed / "_static" / "js" / "app.js").write_text("console.log(1)")
    (ed / "_static" / "geo" / "kreise.json").write_text("{}")
    return ed


def publish(s: Path, month: str, **kw) -> None:
    work = site.new_work_dir(s, month)
    site.publish(s, fake_built(work, month, **kw), Edition(month))
    work.rmdir()


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|"url"): ?"([^"]+)"|(?:href|src)="([^"]+)"', html)


def _resolves(s: Path, page_url: str, html: str) -> None:
    """Every _static/_statik reference of a page, resolved as a browser does (lexically, under a
    project-pages prefix /repo/), points to an existing file of the site."""
    found = 0
    for pair in _links(html):
        ref = next(x for x in pair if x)
        if "_stati" not in ref:
            continue
        path = urlparse(urljoin(page_url, ref)).path
        assert path.startswith("/repo/"), (page_url, ref, path)
        assert (s / path[len("/repo/"):]).resolve().is_file(), (page_url, ref, path)
        found += 1
    assert found == 3


def test_static_assets_once_per_site_and_links_resolve_under_both_addresses(tmp_path):
    s = tmp_path / "site"
    publish(s, "2026-07")
    publish(s, "2026-08")
    shared = sorted((s / "ausgaben" / statik.STATIK).iterdir())
    assert len(shared) == 1                                           # same theme: stored once
    for ed in ("2026-07", "2026-08"):
        folder = s / "ausgaben" / ed
        assert not (folder / "_static").exists() and statik.hash_von(folder) == shared[0].name
    assert (s / statik.STATIK).is_symlink()
    for rel in ("index.html", "book/intro.html", "book/seiten/jobcenter/01001.html"):
        html = (s / "ausgaben" / "2026-08" / rel).read_text(encoding="utf-8")
        assert "_static/" not in html
        _resolves(s, f"https://x.github.io/repo/ausgaben/2026-08/{rel}", html)
        _resolves(s, f"https://x.github.io/repo/aktuell/{rel}", html)
        assert 'href="' + "../" * rel.count("/") + 'downloads/jobcenter/01001.csv"' in html   # other links untouched
    # a new theme: a second shared folder; once the old edition is archived, the unused one goes
    publish(s, "2026-09", theme=b"body{color:red}")
    assert len(list((s / "ausgaben" / statik.STATIK).iterdir())) == 2
    assert store.aufbewahren(s, browsable=1) == ["2026-07", "2026-08"]
    assert [p.name for p in (s / "ausgaben" / statik.STATIK).iterdir()] == [statik.hash_von(s / "ausgaben" / "2026-09")]


def test_archived_edition_is_self_contained_again(tmp_path):
    s = tmp_path / "site"
    publish(s, "2026-07")
    publish(s, "2026-08")
    original = PAGE.format(p="../../../")
    assert store.aufbewahren(s, browsable=1) == ["2026-07"]
    with tarfile.open(s / "archiv" / "2026-07.tar.gz") as tar:
        names = set(tar.getnames())
        assert {"2026-07/_static/styles/theme.css", "2026-07/_static/geo/kreise.json"} <= names
        assert "2026-07/statik.txt" not in names
        page = tar.extractfile("2026-07/book/seiten/jobcenter/01001.html").read().decode()
        assert page == original                                        # links exactly as built
        tar.extractall(tmp_path / "aus", filter="data")
    ed = tmp_path / "aus" / "2026-07"
    for pair in _links(page):
        ref = next(x for x in pair if x)
        if "_static" in ref:
            assert (ed / "book" / "seiten" / "jobcenter" / ref.split("?")[0]).resolve().is_file(), ref
    assert (s / "ausgaben" / statik.STATIK).is_dir()                  # still used by 2026-08

