"""Relative links of an old site (``static/pdfs/x.pdf``, ``/static/images/a.png``).

They point into the old site's repository, not ours, so none may be copied as it is:
the new site's link check would fail right after the import. Each one is either

- copied into the new sitedata, when the file exists in the old repository and has a
  place there (a PDF as slides or poster, an image as a thumbnail: media files);
- made absolute, pointing at the old site, when its address is known (``site_url``);
- or dropped.

Every outcome is counted for the summary.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..structure.media import IMAGE_EXTENSIONS, PDF_EXTENSIONS, SIZE_LIMITS
from .common import Draft, is_relative

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def _find(draft: Draft, url: str) -> Path | None:
    """The file a relative link names, inside the old repository (sitedata's parent)."""
    path = url.split("?")[0].split("#")[0].lstrip("./").lstrip("/")
    repository = draft.source.resolve().parent
    for base in (draft.source, draft.source.parent):
        candidate = base / path
        try:
            if (
                candidate.is_file()
                and not candidate.is_symlink()
                and candidate.resolve().is_relative_to(repository)
            ):
                return candidate
        except OSError:
            continue
    return None


def local_media(draft: Draft, url: str, owner: str, kinds: tuple[str, ...]) -> str | None:
    """Copy the file a relative link names into ``media/<owner>/`` when it exists and is
    of one of ``kinds`` ("pdf", "image"); its path in the new sitedata, else None."""
    extensions = {"pdf": PDF_EXTENSIONS, "image": IMAGE_EXTENSIONS}
    allowed = tuple(ext for kind in kinds for ext in extensions[kind])
    found = _find(draft, url)
    if found is None or not found.name.lower().endswith(allowed):
        return None
    limit = next(limit for exts, limit in SIZE_LIMITS.items() if found.name.lower().endswith(exts))
    if found.stat().st_size > limit:
        return None
    name = _SAFE_NAME.sub("-", found.name).lstrip(".-_") or "file"
    target = f"media/{_SAFE_NAME.sub('-', owner)}/{name}"
    draft.files[target] = found
    draft.link_outcomes["copied into the new sitedata"] += 1
    return target


def absolute(draft: Draft, url: str, where: str) -> str | None:
    """A link as the new site may carry it: external links as they are, relative ones
    to the old site where its address is known, else None (and reported)."""
    url = str(url or "").strip()
    if not url:
        return None
    if not is_relative(url):
        return url
    if url.startswith("#"):
        draft.link_outcomes["dropped (anchors into old pages)"] += 1
        return None
    if draft.old_site:
        draft.link_outcomes[f"pointed at the old site {draft.old_site}"] += 1
        return f"{draft.old_site.rstrip('/')}/{url.lstrip('./').lstrip('/')}"
    draft.link_outcomes[
        "dropped (relative links into the old site, whose address config.yml does not give)"
    ] += 1
    draft.dropped_links.append(f"{where}: {url}")
    return None
