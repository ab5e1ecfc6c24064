"""Find broken internal links in a frozen site: pages, assets and #fragments.

Every HTML file in the build is parsed; each ``href``, ``src`` and ``srcset`` that
points inside the site (a relative URL, or one under the site's ``base_url``) must name
a file of the build, and a ``#fragment`` on an HTML page must name an element id there.
CSS files are checked for their ``url(...)`` references too. External links are not
fetched: the check runs offline, on a pull request, in seconds.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src", "poster", "data-src"}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


@dataclass(frozen=True, order=True)
class BrokenLink:
    page: str  # the file that links, relative to the build
    line: int
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.url}: {self.reason}"


class _PageParser(HTMLParser):
    """Collects the links and the element ids of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in LINK_ATTRIBUTES:
                self.links.append((line, value))
            elif name == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        self.links.append((line, candidate.split()[0]))

    handle_startendtag = handle_starttag


def _site_path(url: str, page: str, base_path: str) -> tuple[str, str] | None:
    """(file path inside the build, fragment) for an internal URL; None for external ones."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("//"):
        return None  # another site (or mailto:): not checked offline
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment  # "#section" or "?q=..." on the page itself
    if path.startswith("/"):
        if not path.startswith(base_path):
            return "", ""  # outside the site's base path: always broken
        resolved = path[len(base_path) :]
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if resolved in (".", ""):
        resolved = ""
    if resolved.startswith("../") or resolved == "..":
        return "", ""
    if path.endswith("/") or resolved == "":
        resolved = posixpath.join(resolved, "index.html") if resolved else "index.html"
    return resolved, parts.fragment


def check_links(build: Path, base_url: str | None = None) -> tuple[int, list[BrokenLink]]:
    """Check every page of ``build``; returns (links checked, broken links)."""
    build = Path(build)
    base_path = urlsplit(base_url or "/").path or "/"
    if not base_path.endswith("/"):
        base_path += "/"
    files = {f.relative_to(build).as_posix() for f in build.rglob("*") if f.is_file()}
    ids: dict[str, set[str]] = {}
    links: dict[str, list[tuple[int, str]]] = {}
    for name in sorted(files):
        if name.endswith(".html"):
            parser = _PageParser()
            parser.feed((build / name).read_text(encoding="utf-8", errors="replace"))
            parser.close()
            ids[name], links[name] = parser.ids, parser.links
        elif name.endswith(".css"):
            text = (build / name).read_text(encoding="utf-8", errors="replace")
            links[name] = [
                (text.count("\n", 0, match.start()) + 1, match.group(1))
                for match in _CSS_URL.finditer(text)
            ]
    broken: list[BrokenLink] = []
    checked = 0
    for page, page_links in links.items():
        # The 404 page is served at any depth, so its links are absolute under base_url.
        for line, url in page_links:
            if url.startswith("data:"):
                continue
            target = _site_path(url, page, base_path)
            if target is None:
                continue
            checked += 1
            path, fragment = target
            if path not in files:
                broken.append(BrokenLink(page, line, url, "no such file in the build"))
            elif fragment and path in ids and fragment not in ids[path]:
                broken.append(BrokenLink(page, line, url, f"no element with id '{fragment}'"))
    return checked, sorted(broken)
