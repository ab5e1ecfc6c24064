"""Links between the site's pages, relative to the page being rendered.

Links inside pages are relative, so a frozen site works under any sub-path (GitHub
Pages project sites) and even from ``file://``. Only the 404 page, which a host
serves at any depth, uses absolute links under the path of ``base_url``.

Which page is being rendered is kept in a context variable (set by the Flask app for
a request, by the freezer for each page it writes) rather than passed through every
template and macro: imported Jinja macros see only globals, and ``link()`` must work
inside them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from werkzeug.routing import Map


@dataclass(frozen=True)
class Here:
    """The page being rendered: the endpoint that answers it and its URL path."""

    endpoint: str | None
    path: str
    #: The 404 page is served at any depth, so its links cannot be relative.
    absolute_links: bool = False
    folder: str = field(init=False)
    #: What a fragment shared between pages may depend on (see shared_fragment).
    scope: tuple = field(init=False)

    def __post_init__(self) -> None:
        folder = posixpath.dirname(self.path)
        object.__setattr__(self, "folder", folder)
        object.__setattr__(self, "scope", (self.endpoint, folder, self.absolute_links))


current_page: ContextVar[Here] = ContextVar("current_page")


@contextmanager
def rendering(here: Here) -> Iterator[Here]:
    """Make ``here`` the page that links are relative to while the block runs."""
    token = current_page.set(here)
    try:
        yield here
    finally:
        current_page.reset(token)


class Links:
    """``link(endpoint, **values)`` for templates: the URL of a page or static file,
    relative to the current page. Static files carry a content hash (``?v=``) so
    browsers never keep a stale stylesheet or script."""

    def __init__(self, url_map: Map, asset_versions: dict[str, str], base_path: str):
        self._adapter = url_map.bind("localhost")
        self._asset_versions = asset_versions
        self._base_path = base_path if base_path.endswith("/") else base_path + "/"
        # Built URLs per (endpoint, values, folder): a site links the same few targets
        # from thousands of pages of one folder.
        self._built: dict[tuple, str] = {}

    def __call__(self, endpoint: str, **values: str) -> str:
        here = current_page.get()
        folder = None if here.absolute_links else here.folder
        key = (endpoint, tuple(values.items()), folder)
        url = self._built.get(key)
        if url is None:
            url = self._built[key] = self._build(endpoint, values, folder)
        return url

    def _build(self, endpoint: str, values: dict[str, str], folder: str | None) -> str:
        target = self._adapter.build(endpoint, values)
        if endpoint == "static":
            version = self._asset_versions.get(values.get("filename", ""))
            target += f"?v={version}" if version else ""
        if folder is None:
            return self._base_path + target.lstrip("/")
        return _relative(target, folder)


def _relative(target: str, folder: str) -> str:
    """``posixpath.relpath(target, folder)`` for the site's absolute paths, without its
    cost in the two usual cases (a page in the same folder, a page at the root);
    10,000 paper pages make some 30,000 links."""
    if folder == "/":
        return target[1:] or "."
    name = target[len(folder) + 1 :]
    if (
        target.startswith(folder)
        and target[len(folder) : len(folder) + 1] == "/"
        and name
        and "/" not in name.partition("?")[0]
    ):
        return name
    return posixpath.relpath(target, folder)
