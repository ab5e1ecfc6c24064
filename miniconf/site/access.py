"""Registered attendees only: protected parts of pages are published encrypted.

With ``access: attendees`` in config.yml, every protected part of a page (a stream
link, a talk, slides, a poster, a chat room) is rendered as usual, then encrypted with
AES-GCM under one content key; the page holds the ciphertext and a notice of what is
behind it. Protected local files (a self-hosted talk, a PDF poster) are published
encrypted too, under names that say nothing, and left out of the calendar and JSON
exports. ``static/js/access.js`` decrypts in the browser with Web Crypto.

Keys, all derived from the organizer's secret (never in the repository):

- the content key, which seals every part and file;
- a nonce key: each nonce is an HMAC of what is sealed, so the same data, secret and
  codes give the same bytes (no clock, no random source), and two different plaintexts
  never share a nonce;
- the site salt, for deriving a key from each personal code (HKDF: codes carry 80
  random bits) and from the passphrase (PBKDF2, 600,000 rounds: people choose it);
- the codes key, from which ``miniconf access codes`` derives each attendee's code.

``access/keys.json`` lists one slot per code and one for the passphrase: a lookup id
and the content key wrapped (AES-GCM) under the key derived from that code. A browser
derives both from what the attendee typed and unwraps the content key; a revoked code
has no slot in the next build.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import os
import posixpath
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Response, abort
from markupsafe import Markup, escape

from ..structure.conference import Conference
from ..structure.media import Media
from ..structure.models import ACCESS_PAGE_KINDS, ACCESS_PARTS, AccessConfig, PaperLinks
from .links import current_page
from .media import media_assets
from .presentation import PAPER_LINK_LABELS

ENV_SECRET = "MINICONF_ACCESS_SECRET"
ENV_SECRET_FILE = "MINICONF_ACCESS_SECRET_FILE"
ENV_PASSPHRASE = "MINICONF_ACCESS_PASSPHRASE"
ENV_PASSPHRASE_FILE = "MINICONF_ACCESS_PASSPHRASE_FILE"
ENV_CODES = "MINICONF_ACCESS_CODES"

#: Where the key slots are published in the build.
KEYS_PATH = "access/keys.json"
#: Folder of the encrypted local files in the build.
LOCKED_FOLDER = "locked"

MIN_SECRET_LENGTH = 32
MIN_PASSPHRASE_LENGTH = 8
PASSPHRASE_ROUNDS = 600_000
#: Bound into every sealed part and key slot, so that neither can pass for the other.
SEALED_AAD = b"miniconf sealed v1"
SLOT_AAD = b"miniconf key v1"
FILE_AAD = b"miniconf file v1"

#: Letters of personal codes: RFC 4648 base32, which has no 0/O or 1/I to confuse.
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CODE_LENGTH = 16  # 80 bits

#: Which paper links each part covers.
LINK_PARTS = {"video": "videos", "slides": "slides", "poster": "posters"}

#: The feature's files in static/, published only by builds that seal something.
STATIC_FILES = ("/static/js/access.js", "/static/css/access.css")

#: What the notice in place of each part says, after "Registered attendees: unlock to ".
NOTICES = {
    "streams": "watch the stream",
    "videos": "watch the talk",
    "slides": "see the slides",
    "posters": "see the poster",
    "chat": "join the discussion",
    "links": "open the talk, slides and poster",
    "page": "read this page",
}


class AccessError(Exception):
    """A problem with the keys or the attendee list; the message says what to do."""


def _hkdf(secret: bytes, info: bytes, length: int, salt: bytes = b"miniconf-access-v1") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Keys:
    """Everything derived from the organizer's secret."""

    content: bytes
    nonce: bytes
    salt: bytes
    codes: bytes
    #: Names the content key in the browser's storage (a site per key, many per origin).
    key_id: str

    @classmethod
    def from_secret(cls, secret: str) -> Keys:
        raw = secret.strip().encode()
        if len(raw) < MIN_SECRET_LENGTH:
            raise AccessError(
                f"the access secret is {len(raw)} characters long; use at least "
                f"{MIN_SECRET_LENGTH} random ones, e.g. from "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return cls(
            content=_hkdf(raw, b"content key", 32),
            nonce=_hkdf(raw, b"nonce key", 32),
            salt=_hkdf(raw, b"site salt", 16),
            codes=_hkdf(raw, b"codes key", 32),
            key_id=_hkdf(raw, b"key id", 8).hex(),
        )

    def nonce_for(self, *parts: bytes) -> bytes:
        """A 96-bit nonce that depends on everything sealed under it (SIV-style)."""
        mac = hmac.new(self.nonce, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(len(part).to_bytes(8, "big") + part)
        return mac.digest()[:12]

    def seal(self, plaintext: bytes, context: bytes, aad: bytes = SEALED_AAD) -> bytes:
        """nonce || AES-GCM ciphertext (with its tag) of ``plaintext``."""
        nonce = self.nonce_for(aad, context, plaintext)
        return nonce + AESGCM(self.content).encrypt(nonce, plaintext, aad)


# --------------------------------------------------------------------------- codes


def normalize_code(text: str) -> str:
    """What a typed code means: letters and digits only, in capitals ("abcd efgh-…")."""
    return "".join(char for char in text.upper() if char.isascii() and char.isalnum())


def attendee_code(keys: Keys, attendee: str) -> str:
    """The personal code of one attendee (by e-mail or id), e.g. ``K7QD-M2XA-9…``.

    Derived, not drawn: issuing codes again gives the same ones, and a new secret
    gives new ones (that is what rotating the secret means)."""
    digest = hmac.new(
        keys.codes, b"attendee\0" + attendee.strip().lower().encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest[:10], "big")  # 80 bits: 16 letters of 5 bits
    letters = "".join(CODE_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(16)))
    return "-".join(letters[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def code_slot_key(code: str, salt: bytes) -> tuple[str, bytes]:
    """(lookup id, wrapping key) of a personal code: HKDF, as static/js/access.js does."""
    derived = _hkdf(normalize_code(code).encode(), b"miniconf code", 48, salt=salt)
    return derived[:16].hex(), derived[16:]


def passphrase_slot_key(passphrase: str, salt: bytes) -> tuple[str, bytes]:
    """(lookup id, wrapping key) of the passphrase: PBKDF2-SHA256, as access.js does."""
    text = unicodedata.normalize("NFC", passphrase.strip()).encode()
    derived = hashlib.pbkdf2_hmac("sha256", text, salt, PASSPHRASE_ROUNDS, dklen=48)
    return derived[:16].hex(), derived[16:]


@dataclass(frozen=True)
class Attendee:
    """One row of the attendee list: who (e-mail or id), the row's line, revoked or not."""

    name: str
    line: int
    revoked: bool
    code: str


#: Columns of the attendee CSV: the first of these present names the attendee.
ID_COLUMNS = ("email", "id")
TRUE_WORDS = {"1", "yes", "y", "true", "x", "revoked"}


def read_attendee_rows(file: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The CSV's header and rows; errors name the file and line."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise AccessError(f"{file}: cannot read the attendee list: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise AccessError(f"{file}:1: the attendee list must be UTF-8 text (CSV)") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not any(column in header for column in ID_COLUMNS):
        raise AccessError(
            f"{file}:1: the attendee list needs an 'email' (or 'id') column; "
            f"its header is {', '.join(header) or 'empty'}"
        )
    reader.fieldnames = header
    rows = [{key: (value or "").strip() for key, value in row.items() if key} for row in reader]
    return header, rows


def read_attendees(file: Path, keys: Keys, check_codes: bool = True) -> list[Attendee]:
    """Every attendee of the CSV with their code. ``check_codes``: a ``code`` column that
    disagrees with the secret (issued under another one) is an error, so that a freeze
    never publishes a site that the codes attendees were sent do not open."""
    header, rows = read_attendee_rows(file)
    column = next(name for name in ID_COLUMNS if name in header)
    attendees: list[Attendee] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        name = row.get(column, "")
        if not name:
            raise AccessError(f"{file}:{line}: {column}: empty; every row names an attendee")
        key = name.lower()
        if key in seen:
            raise AccessError(f"{file}:{line}: {column}: {name!r} is also on line {seen[key]}")
        seen[key] = line
        code = attendee_code(keys, name)
        given = row.get("code", "")
        if check_codes and given and normalize_code(given) != normalize_code(code):
            raise AccessError(
                f"{file}:{line}: code: this code was not issued under the current secret; "
                f"run `miniconf access codes {file}` again and send the new codes"
            )
        revoked = row.get("revoked", "").lower() in TRUE_WORDS
        attendees.append(Attendee(name, line, revoked, code))
    return attendees


# --------------------------------------------------------------------------- the build's keys


def _from_env(environ: Mapping[str, str], name: str, file_name: str) -> str | None:
    """A value given directly in ``name`` or as a file in ``file_name``."""
    if environ.get(name):
        return environ[name]
    path = environ.get(file_name)
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AccessError(f"{file_name}={path}: cannot read: {exc.strerror}") from None


def repository_of(file: Path) -> Path | None:
    """The git working tree holding ``file``, if any."""
    for folder in file.resolve().parents:
        if (folder / ".git").exists():
            return folder
    return None


def check_outside(path: Path, sitedata: Path, what: str) -> None:
    """Keys and attendee lists are never published or committed with the site's data."""
    resolved = path.resolve()
    if resolved == sitedata or sitedata in resolved.parents:
        raise AccessError(
            f"{path}: the {what} is inside the sitedata folder, which is published and "
            "committed; keep it outside the repository"
        )
    repository = repository_of(path)
    if repository is not None:
        raise AccessError(
            f"{path}: the {what} is inside the git working tree {repository}; keep it "
            "outside any repository, where a commit cannot publish it"
        )


def load_secret(environ: Mapping[str, str], sitedata: Path) -> str:
    if environ.get(ENV_SECRET_FILE):
        check_outside(Path(environ[ENV_SECRET_FILE]), sitedata.resolve(), "access secret")
    secret = _from_env(environ, ENV_SECRET, ENV_SECRET_FILE)
    if not secret:
        raise AccessError(
            f"access: attendees needs the organizers' secret: set {ENV_SECRET} (e.g. a "
            f"GitHub Actions secret) or {ENV_SECRET_FILE} (a file outside the repository)"
        )
    return secret


def key_slots(keys: Keys, environ: Mapping[str, str], sitedata: Path) -> dict[str, str]:
    """lookup id → the content key wrapped for the passphrase and each attendee's code."""
    wrapping: list[tuple[str, bytes]] = []
    passphrase = _from_env(environ, ENV_PASSPHRASE, ENV_PASSPHRASE_FILE)
    if passphrase is not None:
        if len(passphrase.strip()) < MIN_PASSPHRASE_LENGTH:
            raise AccessError(
                f"{ENV_PASSPHRASE}: the passphrase is shorter than {MIN_PASSPHRASE_LENGTH} "
                "characters; choose a few words"
            )
        wrapping.append(passphrase_slot_key(passphrase, keys.salt))
    if environ.get(ENV_CODES):
        codes_file = Path(environ[ENV_CODES])
        check_outside(codes_file, sitedata.resolve(), "attendee list")
        for attendee in read_attendees(codes_file, keys):
            if not attendee.revoked:
                wrapping.append(code_slot_key(attendee.code, keys.salt))
    if not wrapping:
        raise AccessError(
            f"access: attendees, but nobody could unlock: set {ENV_PASSPHRASE} (one "
            f"passphrase for everyone) and/or {ENV_CODES} (the attendee list written by "
            "`miniconf access codes`)"
        )
    slots = {}
    for lookup, wrapping_key in sorted(wrapping):
        nonce = keys.nonce_for(SLOT_AAD, lookup.encode())
        slots[lookup] = _b64(nonce + AESGCM(wrapping_key).encrypt(nonce, keys.content, SLOT_AAD))
    return slots


# --------------------------------------------------------------------------- what a page shows


class Access:
    """What a build protects, and (with ``access: attendees``) the keys that seal it.

    Templates reach it as ``access``: ``access_ui.sealed(part, …)`` (in
    templates/partials/access_macros.html) asks :meth:`covers` and, through ``seal``,
    :meth:`sealed_html`; the paper page splits its links with :meth:`public_links`.
    With ``access: public`` it covers nothing and every page is what it always was."""

    def __init__(
        self,
        config: AccessConfig,
        keys: Keys | None = None,
        slots: dict[str, str] | None = None,
        locked_files: Iterable[str] = (),
    ):
        self.keys = keys
        self.slots = slots or {}
        self.parts = frozenset(config.protect) if keys is not None else frozenset()
        self.page_kinds = frozenset(config.pages) if keys is not None else frozenset()
        #: sitedata path of each protected local file → its name under locked/.
        self.locked_names = {path: self._locked_name(path) for path in sorted(locked_files)}

    @property
    def enabled(self) -> bool:
        return self.keys is not None

    @property
    def fingerprint(self) -> bytes:
        """Changes whenever sealed pages would (for the incremental freeze's page keys)."""
        if self.keys is None:
            return b""
        return f"access {self.keys.key_id} {sorted(self.parts)} {sorted(self.page_kinds)}".encode()

    def covers(self, parts: str | Iterable[str]) -> bool:
        """Whether any of ``parts`` is protected in this build."""
        if isinstance(parts, str):
            parts = (parts,)
        return any(part in self.parts for part in parts)

    def covers_page(self, kind: str) -> bool:
        return kind in self.page_kinds

    def public_links(self, links: PaperLinks) -> list[tuple[str, str]]:
        """The paper's link buttons anyone may see."""
        hidden = self._hidden_links()
        return [(label, url) for key, label, url in _links(links) if key not in hidden]

    def protected_links(self, links: PaperLinks) -> list[tuple[str, str]]:
        hidden = self._hidden_links()
        return [(label, url) for key, label, url in _links(links) if key in hidden]

    def _hidden_links(self) -> set[str]:
        return {key for key, part in LINK_PARTS.items() if part in self.parts}

    def sealed_html(
        self,
        html: str,
        part: str,
        notice: str,
        page: str,
        keys_url: str,
        script_url: str,
        style_url: str,
        heading: str = "",
    ) -> Markup:
        """The placeholder that replaces a protected part: its ciphertext and a notice
        (after ``heading``, the title of a page sealed whole).

        ``page`` (the page's path) goes into the nonce, so the same part on two pages
        is two different ciphertexts; nothing else about the part is in the clear."""
        assert self.keys is not None
        sealed = _b64(self.keys.seal(str(html).encode(), f"{page}\0{part}".encode()))
        title = f"<h1>{escape(heading)}</h1>" if heading else ""
        return Markup(
            f'<link rel="stylesheet" href="{escape(style_url)}">'
            f'<div class="sealed" data-sealed="{sealed}" data-sealed-part="{escape(part)}" '
            f'data-key-id="{self.keys.key_id}" data-keys="{escape(keys_url)}">{title}'
            f'<p class="sealed-notice"><span class="sealed-icon" aria-hidden="true"></span>'
            f"Registered attendees: unlock to {escape(NOTICES.get(notice, notice))}.</p>"
            '<noscript><p class="sealed-hint">Unlocking needs JavaScript.</p></noscript></div>'
            f'<script type="module" src="{escape(script_url)}"></script>'
        )

    def add_csp_sources(self, sources: dict[str, set[str]]) -> None:
        """Unlocked local files play and show from ``blob:`` URLs made in the browser."""
        if self.locked_names:
            for directive in ("media-src", "frame-src", "img-src"):
                sources[directive] = (sources[directive] - {"'none'"}) | {"blob:"}

    # ---- local files

    def _locked_name(self, path: str) -> str:
        assert self.keys is not None
        digest = hmac.new(self.keys.nonce, b"file\0" + path.encode(), hashlib.sha256)
        return f"{digest.hexdigest()[:24]}.bin"

    def locked_file_bytes(self, root: Path, name: str) -> bytes | None:
        """An encrypted local file: a line with its MIME type and file name (for the
        browser's player and "Download"), then its bytes; sealed."""
        for path, locked in self.locked_names.items():
            if locked == name:
                assert self.keys is not None
                header = f"{_mime_type(path)} {posixpath.basename(path)}\n".encode()
                plain = header + (root / path).read_bytes()
                return self.keys.seal(plain, path.encode(), FILE_AAD)
        return None

    def keys_json(self) -> str:
        assert self.keys is not None
        document = {
            "version": 1,
            "key_id": self.keys.key_id,
            "salt": _b64(self.keys.salt),
            "passphrase_rounds": PASSPHRASE_ROUNDS,
            "slots": self.slots,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"))

    def summary(self) -> str:
        """What the freeze says it sealed, for the organizer to check."""
        sealed = ", ".join(part for part in ACCESS_PARTS if part in self.parts)
        if self.page_kinds:
            kinds = ", ".join(kind for kind in ACCESS_PAGE_KINDS if kind in self.page_kinds)
            sealed = f"{sealed} and whole {kinds} pages" if sealed else f"whole {kinds} pages"
        files = f", {len(self.locked_names)} local files encrypted" if self.locked_names else ""
        return (
            f"Registered attendees only: {sealed}{files}; {len(self.slots)} ways to "
            "unlock (the passphrase and each personal code not revoked)"
        )

    def publishes(self, url: str) -> bool:
        """False for this feature's own script and style in a build that seals nothing,
        so an ``access: public`` build is file for file what it was before access existed."""
        return self.enabled or url not in STATIC_FILES

    def urls(self) -> Iterator[str]:
        """The build's files of this feature (nothing with ``access: public``)."""
        if self.keys is None:
            return
        yield f"/{KEYS_PATH}"
        for name in self.locked_names.values():
            yield f"/{LOCKED_FOLDER}/{name}"

    # ---- what the exports and public files may show

    def public_view(self, conference: Conference) -> Conference:
        """The conference without its protected values: what calendars, JSON files,
        site search, thumbnails and published assets are made from. Of a page sealed
        whole, its prose (abstract, bio, description) goes too; its title and what other
        pages list about it (authors, TL;DR, times) stay."""
        if not self.parts and not self.page_kinds:
            return conference
        streams = "streams" in self.parts

        def public(item, kind: str, prose: tuple[str, ...], **update):
            update["media"] = self._public_media(item.media)
            if kind in self.page_kinds:
                update.update(dict.fromkeys(prose, ""))
            return item.model_copy(update=update)

        return replace(
            conference,
            papers=tuple(
                public(paper, "paper", ("abstract",), links=self._public_paper_links(paper.links))
                for paper in conference.papers
            ),
            speakers=tuple(
                public(item, "speaker", ("abstract", "bio")) for item in conference.speakers
            ),
            workshops=tuple(
                public(item, "workshop", ("abstract",)) for item in conference.workshops
            ),
            sessions=tuple(
                public(
                    session,
                    "session",
                    ("description",),
                    stream_url=None if streams else session.stream_url,
                )
                for session in conference.sessions
            ),
        )

    def _public_paper_links(self, links: PaperLinks) -> PaperLinks:
        return links.model_copy(update={key: None for key in self._hidden_links()})

    def _public_media(self, media: Media | None) -> Media | None:
        if media is None:
            return None
        update: dict[str, None] = {}
        for field, part in (("video", "videos"), ("slides", "slides"), ("poster", "posters")):
            if part in self.parts:
                update[field] = None
        return media.model_copy(update=update)


def _links(links: PaperLinks) -> list[tuple[str, str, str]]:
    """(field, label, url) of the links present, in the order their buttons are shown."""
    return [
        (key, label, url)
        for key, label in PAPER_LINK_LABELS.items()
        if (url := getattr(links, key))
    ]


_MIME_TYPES = {
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


def _mime_type(path: str) -> str:
    return _MIME_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")


def load_access(conference: Conference, environ: Mapping[str, str] | None = None) -> Access:
    """The build's Access: nothing to seal with ``access: public``; with ``attendees``,
    keys from the environment (AccessError when they are missing or unusable)."""
    config = conference.config.access
    if not config.protected:
        return Access(config)
    environ = os.environ if environ is None else environ
    keys = Keys.from_secret(load_secret(environ, conference.root))
    slots = key_slots(keys, environ, conference.root)
    draft = Access(config, keys, slots)
    locked = media_assets(conference) - media_assets(draft.public_view(conference))
    return Access(config, keys, slots, locked)


def install_access(app: Flask, access: Access, conference: Conference) -> None:
    """The routes of the keys file and the encrypted files, and the template helpers:
    ``access``, ``access_ui`` and ``seal(html, parts, notice)`` (``access_ui.sealed``'s)."""
    env = app.jinja_env
    env.globals["access"] = access
    if access.enabled:
        _install_sealing(app, access, conference)
    # The macros that wrap protected parts, imported once for every template (like
    # ``ui``), after the helpers they call: a module sees the globals of its making.
    env.globals["access_ui"] = env.get_template("partials/access_macros.html").module


def _install_sealing(app: Flask, access: Access, conference: Conference) -> None:
    env = app.jinja_env
    link: Callable[..., str] = env.globals["link"]  # type: ignore[assignment]

    @app.route(f"/{KEYS_PATH}")
    def access_keys():
        return Response(access.keys_json(), mimetype="application/json")

    @app.route(f"/{LOCKED_FOLDER}/<name>")
    def access_locked(name: str):
        data = access.locked_file_bytes(conference.root, name)
        if data is None:
            abort(404)
        return Response(data, mimetype="application/octet-stream")

    def seal(html: str, parts: str | list[str], notice: str, heading: str = "") -> Markup:
        part = parts if isinstance(parts, str) else next(p for p in parts if access.covers(p))
        return access.sealed_html(
            html,
            part,
            notice if isinstance(notice, str) else part,
            current_page.get().path,
            keys_url=link("access_keys"),
            script_url=link("static", filename="js/access.js"),
            style_url=link("static", filename="css/access.css"),
            heading=heading,
        )

    public_file_url: Callable[[str], str] = env.globals["media_file_url"]  # type: ignore[assignment]

    def media_file_url(path: str) -> str:
        """A protected local file links its encrypted copy (only ever inside a sealed part)."""
        locked = access.locked_names.get(path)
        return link("access_locked", name=locked) if locked else public_file_url(path)

    env.globals.update(seal=seal, media_file_url=media_file_url)
