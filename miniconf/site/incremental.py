"""Which pages of the previous build can be reused as they are.

Re-rendering 10,000 paper pages and a few hundred session pages after an author fixed
one typo is most of a freeze. Reuse is decided page by page, from what each page shows:

- a paper page: its paper (the file's content key, as the parse cache knows it), its
  sessions, its thumbnail, its similar papers (ids in order, and each one's content key:
  their titles and authors are shown), whether they are pending a pipeline run and
  whether the paper is on the map;
- a session page: its session, its thumbnail, and each of its papers with its thumbnail
  (the cards show title, authors, track, tldr, keywords); its calendar file
  (``sessions/<id>.ics``) the same, with the program's first and last day (the time
  zone rules it carries span them) and SOURCE_DATE_EPOCH (its DTSTAMP);
- and, the same for every page, everything else a page can show: MiniConf's code and
  templates, the theme, the rendering libraries' versions, the Content-Security-Policy,
  ``extra`` (the sealing key with access: attendees) and every sitedata file other than
  papers, sessions.yml, the pipeline's outputs and the media files.

Media files (videos, PDFs, images) are never read here: a page shows a media file only
as a link, or as a thumbnail whose version (the poster's digest) and size are part of
its owner's key. Nothing depends on file modification times, so a build and cache
restored on a fresh checkout (the deploy workflow's) are reused too.

Files made from every paper are reused too when the part of each paper they show is
unchanged, so an author's fix of a TL;DR or an abstract does not rewrite the whole
program:

- the program (``schedule.html``, ``.ics``, ``.json``, ``.xml``) and the papers page's
  plain list: the sessions, and each paper's id, title, authors, track and thumbnail
  (the calendar's time-zone span and DTSTAMP as above);
- the search index (``search.json``): the sessions, and each paper's abstract.

``papers.json`` shows nearly everything of every paper and the pipeline's outputs: it is
always rendered.

Each such page gets a key hashing exactly that; a page whose key equals the one recorded
in the previous build is hard-linked from it instead of rendered. Every other page is
always rendered. Any change to the shared part changes every key, so the rule errs only
towards rendering more.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from ..structure.conference import Conference
from ..structure.models import Paper
from ..structure.pipeline_outputs import OUTPUTS_FOLDER, PipelineOutputs
from .thumbnails import Thumbnail

PACKAGE_DIR = Path(__file__).resolve().parent.parent
RENDERING_LIBRARIES = (
    "flask",
    "jinja2",
    "markupsafe",
    "markdown-it-py",
    "nh3",
    "pydantic",
    "latex2mathml",
    "icalendar",
    "tzdata",
)
#: Sitedata files whose content is hashed page by page, not shared.
SESSIONS_FILE = "sessions.yml"

#: Thumbnails by (owner kind, owner id), as site/media.py collects them.
Thumbnails = Mapping[tuple[str, str], Thumbnail]


#: Files made from every paper, by which part of each paper they show (see above).
PROGRAM_FILES = (
    "/schedule.html",
    "/schedule.ics",
    "/schedule.json",
    "/schedule.xml",
    "/papers.html",
)
SEARCH_INDEX = "/search.json"


def site_file_keys(conference: Conference, thumbnails: Thumbnails, shared: bytes) -> dict[str, str]:
    """URL of each file made from every paper → a hash of what it shows (see above):
    cheap enough to make before anything is rendered."""
    sessions = _session_digests(conference)
    program = hashlib.sha256(shared + b"program\0" + _calendar_span(conference))
    search = hashlib.sha256(shared + b"search\0")
    for session in conference.sessions:
        program.update(sessions[session.id])
        search.update(sessions[session.id])
    for paper in conference.papers:
        thumbnail = _thumbnail_part(thumbnails, "papers", paper.id).decode()
        names = paper.author_names
        fields = (paper.id, paper.title, paper.track or "", thumbnail, str(len(names)), *names)
        _update_fields(program, *fields)
        _update_fields(search, paper.id, paper.abstract)
    return {
        **dict.fromkeys(PROGRAM_FILES, program.hexdigest()[:32]),
        SEARCH_INDEX: search.hexdigest()[:32],
    }


def _update_fields(digest, *fields: str) -> None:
    """Each text with its length before it, and the number of authors given: no two
    different programs hash the same stream (a marker byte between papers could be
    mistaken for a length)."""
    for field in fields:
        data = field.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little") + data)


def reusable_urls(conference: Conference) -> set[str]:
    """The pages page_keys gives a key: known before the keys are made, so the freeze
    can render every other page meanwhile."""
    return {
        *(_paper_url(paper.id) for paper in conference.papers),
        *(url for session in conference.sessions for url in _session_urls(session.id)),
    }


def _paper_url(paper_id: str) -> str:
    return f"/papers/{paper_id}.html"


def _session_urls(session_id: str) -> tuple[str, str]:
    """The session's page and its calendar file."""
    return f"/sessions/{session_id}.html", f"/sessions/{session_id}.ics"


def page_keys(
    conference: Conference,
    outputs: PipelineOutputs,
    thumbnails: Thumbnails,
    shared: bytes,
) -> dict[str, str]:
    """URL of each reusable page → a hash of everything that page shows; ``shared``:
    :func:`shared_digest`."""
    paper_digests = {paper.id: _paper_digest(conference, paper) for paper in conference.papers}
    session_digests = _session_digests(conference)

    def thumbnail(kind: str, owner_id: str) -> bytes:
        return _thumbnail_part(thumbnails, kind, owner_id)

    keys = {}
    for paper in conference.papers:
        key = hashlib.sha256(shared + b"paper\0" + paper_digests[paper.id])
        key.update(thumbnail("papers", paper.id))
        for session in conference.sessions_of_paper(paper.id):
            key.update(b"\0session\0" + session_digests[session.id])
        if outputs.published:
            key.update(b"\0pending" if outputs.is_pending(paper.id) else b"\0ready")
            key.update(b"\0mapped" if paper.id in outputs.positions else b"\0unmapped")
            for other in outputs.similar.get(paper.id, ()):
                key.update(b"\0" + other.encode() + b"\0" + paper_digests.get(other, b""))
        keys[_paper_url(paper.id)] = key.hexdigest()[:32]
    # A session's calendar file shows the session and its papers too, and the time zone
    # rules of the whole program's span (calendar_export.py) and its DTSTAMP.
    calendar = _calendar_span(conference)
    for session in conference.sessions:
        page_url, calendar_url = _session_urls(session.id)
        key = hashlib.sha256(shared + b"session\0" + session_digests[session.id])
        key.update(thumbnail("sessions", session.id))
        for paper_id in session.papers:
            key.update(b"\0" + paper_digests.get(paper_id, b"") + thumbnail("papers", paper_id))
        keys[page_url] = key.hexdigest()[:32]
        key.update(b"\0calendar\0" + calendar)
        keys[calendar_url] = key.hexdigest()[:32]
    return keys


def _session_digests(conference: Conference) -> dict[str, bytes]:
    return {
        session.id: hashlib.sha256(session.model_dump_json().encode()).digest()
        for session in conference.sessions
    }


def _thumbnail_part(thumbnails: Thumbnails, kind: str, owner_id: str) -> bytes:
    found = thumbnails.get((kind, owner_id))
    if found is None:
        return b"\0"
    return f"\0{found.width}x{found.height}:{found.asset}:{found.version}".encode()


def _calendar_span(conference: Conference) -> bytes:
    """What a calendar file shows besides its sessions: the time zone rules of the whole
    program's span (calendar_export.py) and its DTSTAMP (SOURCE_DATE_EPOCH)."""
    starts = [session.start.date() for session in conference.sessions]
    return (
        f"{min(starts, default='')}:{max(starts, default='')}:"
        f"{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode()
    )


def shared_digest(
    conference: Conference,
    theme_folders: list[Path],
    media_files: set[str],
    policy: str,
    extra: bytes,
) -> bytes:
    """A hash of what every reusable page may show besides its own part (see above);
    ``media_files``: the sitedata paths of media, which are left out; ``policy``: the
    pages' Content-Security-Policy (it lists the hosts all the data uses)."""
    root = conference.root.resolve()
    skip = {
        root / "papers",
        root / OUTPUTS_FOLDER,
        root / SESSIONS_FILE,
        *(root / path for path in media_files),
        PACKAGE_DIR / "__pycache__",
    }
    shared = hashlib.sha256(policy.encode() + b"\0" + extra)
    for library in RENDERING_LIBRARIES:
        shared.update(f"{library}=={_version(library)}\n".encode())
    # Theme folders inside the package (a wheel's) or inside sitedata (an organizer's
    # theme_dir) are hashed with those already.
    outside = [
        folder
        for folder in theme_folders
        if not folder.resolve().is_relative_to(PACKAGE_DIR)
        and not folder.resolve().is_relative_to(root)
    ]
    for folder in (PACKAGE_DIR, *outside, root):
        for file in _files_outside(folder, skip):
            shared.update(str(file.relative_to(folder)).encode() + b"\0")
            shared.update(_content_digest(file))
    return shared.digest()


def _paper_digest(conference: Conference, paper: Paper) -> bytes:
    """The paper's content key from the loader (free: it read the file anyway), else a
    hash of the validated paper."""
    key = conference.paper_keys.get(paper.id)
    if key is not None:
        return key.encode()
    return hashlib.sha256(paper.model_dump_json().encode()).hexdigest().encode()


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


def _files_outside(folder: Path, skip: set[Path]) -> list[Path]:
    """Every file under ``folder`` in a fixed order, leaving out the files and folders in
    ``skip`` and caches of compiled Python."""
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(
            name
            for name in subdirectories
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
