"""Which paper pages of the previous build can be reused as they are.

Re-rendering 10,000 paper pages after an author fixed one typo is most of a freeze.
Reuse is decided page by page, from what each page shows:

- its own YAML file, and the YAML files of the papers it lists as similar (their
  titles and authors), each known by its size and modification time, as the parse
  cache knows them;
- its similar papers (ids, in order) and whether they are pending a pipeline run,
  not the pipeline's files as a whole: when the pipeline updates five papers' lists,
  five pages are rendered again;
- its sessions (each session's data as the model holds it), not the whole of
  sessions.yml: moving one session re-renders the pages of its papers;
- everything else the site reads, the same for every page: config, speakers, chat
  rooms, media files and other sitedata files, the Content-Security-Policy (which
  lists the hosts all the data uses), the templates, the static files, MiniConf's code
  and the rendering libraries.

Each paper page gets a key hashing exactly that; a page whose key equals the one
recorded in the previous build is hard-linked from it instead of rendered. Every
other page is always rendered. Any change to the shared part changes every key, so
the rule errs only towards rendering more.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from importlib import metadata
from pathlib import Path

from ..structure.conference import Conference
from ..structure.pipeline_outputs import OUTPUTS_FOLDER, PipelineOutputs
from .app import content_security_policy

PACKAGE_DIR = Path(__file__).resolve().parent.parent
RENDERING_LIBRARIES = ("flask", "jinja2", "markupsafe", "markdown-it-py", "nh3", "pydantic",
                       "latex2mathml")
#: Sitedata files that paper pages depend on page by page (hashed per page, not shared).
SESSIONS_FILE = "sessions.yml"


def paper_page_keys(
    conference: Conference,
    outputs: PipelineOutputs | None,
    template_dirs: list[Path],
    extra: bytes = b"",
) -> dict[str, str]:
    """URL of each paper page → a hash of everything that page shows; ``extra``: what
    else pages depend on (access: attendees seals them with a key from the environment)."""
    root = conference.root.resolve()
    per_page = {root / "papers", root / OUTPUTS_FOLDER, root / SESSIONS_FILE}
    shared = hashlib.sha256()
    shared.update(content_security_policy(conference).encode() + b"\0")
    for library in RENDERING_LIBRARIES:
        shared.update(f"{library}=={_version(library)}\n".encode())
    # Theme folders inside the package (a wheel's) or inside sitedata (an organizer's
    # theme_dir) are hashed with those already.
    outside = [folder for folder in template_dirs
               if not folder.resolve().is_relative_to(PACKAGE_DIR)
               and not folder.resolve().is_relative_to(root)]
    for folder in (PACKAGE_DIR, *outside, root):
        for file in _files_outside(folder, skip={*per_page, PACKAGE_DIR / "__pycache__"}):
            shared.update(str(file.relative_to(folder)).encode() + b"\0")
            shared.update(_content_digest(file))
    shared.update(extra)
    shared_digest = shared.digest()

    stamps = {
        paper_id: _stamp(root / relative) for paper_id, relative in conference.paper_files.items()
    }
    session_digests = {
        session.id: hashlib.sha256(session.model_dump_json().encode()).digest()
        for session in conference.sessions
    }
    keys = {}
    for paper in conference.papers:
        key = hashlib.sha256(shared_digest)
        key.update(stamps[paper.id])
        for session in conference.sessions_of_paper(paper.id):
            key.update(b"\0session\0" + session_digests[session.id])
        if outputs is not None and outputs.published:
            key.update(b"\0pending" if outputs.is_pending(paper.id) else b"\0ready")
            for other in outputs.similar.get(paper.id, ()):
                key.update(b"\0" + other.encode() + b"\0" + stamps.get(other, b""))
        keys[f"/papers/{paper.id}.html"] = key.hexdigest()[:32]
    return keys


def _content_digest(file: Path) -> bytes:
    """A regular file's hash; a link by where it points, anything else by its kind: a
    pull request's link to /dev/zero or a named pipe must not hang the freeze (the
    loader refuses such content files; a link a media path uses is checked there and
    its target, inside sitedata/, is hashed as a file of its own)."""
    info = file.lstat()
    if stat.S_ISLNK(info.st_mode):
        return hashlib.sha256(b"link " + os.readlink(file).encode()).digest()
    if not stat.S_ISREG(info.st_mode):
        return hashlib.sha256(f"special {info.st_mode:o}".encode()).digest()
    return hashlib.sha256(file.read_bytes()).digest()


def _stamp(file: Path) -> bytes:
    """A paper file as its size and modification time: what the parse cache also takes
    to mean "unchanged" (papercache.py), and 10,000 of them cost a stat each, not a read."""
    stat = file.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}".encode()


def _files_outside(folder: Path, skip: set[Path]) -> list[Path]:
    """Every file under ``folder`` in a fixed order, leaving out the files and folders in
    ``skip`` (hashed per page) and caches of compiled Python."""
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(
            name for name in subdirectories
            if name != "__pycache__" and Path(directory, name) not in skip
        )
        found.extend(path for name in sorted(files) if (path := Path(directory, name)) not in skip)
    return found


def read_manifest(marker: Path) -> dict[str, str]:
    """The page keys a previous build recorded in its marker file ({} if none)."""
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        return dict(recorded.get("pages", {}))
    except (OSError, ValueError, AttributeError):
        return {}


def manifest_text(keys: dict[str, str]) -> str:
    note = "Built by MiniConf; `miniconf freeze` replaces this folder."
    return json.dumps({"note": note, "pages": keys}, sort_keys=True, separators=(",", ":"))


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"
