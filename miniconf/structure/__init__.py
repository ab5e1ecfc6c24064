"""The content model: sitedata/ read into typed, validated values (no rendering here)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def loader_version() -> str:
    """Changes whenever the code that turns YAML into models changes (cache invalidation)."""
    from .papercache import code_fingerprint

    here = Path(__file__).parent
    return code_fingerprint(
        here / "models.py",
        here / "media.py",
        here / "yamlsource.py",
        here / "reading.py",
        here / "papers.py",
        here / "papercache.py",
    )
