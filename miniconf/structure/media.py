"""Talks and posters: the ``media:`` block of a paper, speaker, workshop or session.

    media:
      video: https://youtu.be/AbCdEfGhIjK          # or {provider: vimeo, id: "76979871"}
      # video: {file: media/h27-003/talk.webm, captions: media/h27-003/talk.en.vtt}
      slides: media/h27-003/slides.pdf             # a file under sitedata/, or a URL
      poster: https://example.org/poster.pdf
      thumbnail: media/h27-003/thumb.png           # else rendered from a local poster

Video hosts are a closed list (YouTube, Vimeo, SlidesLive): the site embeds each one's
player (miniconf/site/media.py), a frame source its Content-Security-Policy must allow,
so an unknown host is a validation error rather than a silently blocked player.

Local files are checked twice: their names here (safe characters, no ``..``, an
allowed extension), and, on every load, that they exist inside sitedata/ and are not
too big (:func:`media_file_problems`; that check is never cached, unlike papers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator

#: A path under sitedata/: letters, digits, ``_ . / -``; no hidden files, no ``..``.
_LOCAL_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")

VIDEO_EXTENSIONS = (".mp4", ".webm")
PDF_EXTENSIONS = (".pdf",)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")  # no SVG: it can carry script
CAPTION_EXTENSIONS = (".vtt",)

#: Largest local file of each kind that a build publishes (bytes).
SIZE_LIMITS = {
    VIDEO_EXTENSIONS: 200_000_000,
    PDF_EXTENSIONS: 50_000_000,
    IMAGE_EXTENSIONS: 2_000_000,
    CAPTION_EXTENSIONS: 1_000_000,
}


def _local_path(extensions: tuple[str, ...], kind: str):
    def check(value: str) -> str:
        value = value.strip()
        if not _LOCAL_PATH.match(value) or ".." in value.split("/"):
            raise ValueError(
                f"'{value}' is not a safe path inside sitedata/ (letters, digits, '_', '.', "
                "'-' and '/' only; no '..', no hidden files)"
            )
        if not value.lower().endswith(extensions):
            raise ValueError(f"a {kind} must be a {' or '.join(extensions)} file, not '{value}'")
        return value

    return AfterValidator(check)


VideoFile = Annotated[str, _local_path(VIDEO_EXTENSIONS, "video file")]
PdfFile = Annotated[str, _local_path(PDF_EXTENSIONS, "PDF")]
ImageFile = Annotated[str, _local_path(IMAGE_EXTENSIONS, "thumbnail")]
CaptionFile = Annotated[str, _local_path(CAPTION_EXTENSIONS, "captions file")]


def _https_url(value: str) -> str:
    """An http(s) URL with a host (models.py imports this module, so not models.Url)."""
    value = value.strip()
    parts = urlsplit(value)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() or ord(c) < 32 for c in value)
    ):
        raise ValueError(f"'{value}' is not an http(s) URL")
    if len(value) > 2000:
        raise ValueError("URL is longer than 2000 characters")
    return value


HttpUrl = Annotated[str, AfterValidator(_https_url)]


# --------------------------------------------------------------------------- video hosts


class VideoProvider(StrEnum):
    YOUTUBE = "youtube"
    VIMEO = "vimeo"
    SLIDESLIVE = "slideslive"


@dataclass(frozen=True)
class VideoHost:
    #: The provider's name, as messages (and pages) write it.
    name: str
    #: What the provider's video ids look like; an id goes into the player's URL.
    id_pattern: str


VIDEO_HOSTS: dict[VideoProvider, VideoHost] = {
    VideoProvider.YOUTUBE: VideoHost("YouTube", r"[A-Za-z0-9_-]{11}"),
    VideoProvider.VIMEO: VideoHost("Vimeo", r"[0-9]{1,12}"),
    VideoProvider.SLIDESLIVE: VideoHost("SlidesLive", r"[0-9]{1,12}"),
}


def _video_from_url(url: str) -> tuple[VideoProvider, str]:
    """Recognise a provider's watch, share or embed URL; anything else is refused."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    segments = [s for s in parts.path.split("/") if s]
    found: tuple[VideoProvider, str] | None = None
    if host in ("youtube.com", "youtube-nocookie.com"):
        if segments[:1] == ["watch"]:
            found = VideoProvider.YOUTUBE, (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) == 2 and segments[0] in ("embed", "live", "shorts", "v"):
            found = VideoProvider.YOUTUBE, segments[1]
    elif host == "youtu.be" and len(segments) == 1:
        found = VideoProvider.YOUTUBE, segments[0]
    elif host == "vimeo.com" and segments and segments[0].isdigit():
        found = VideoProvider.VIMEO, segments[0]
    elif host == "player.vimeo.com" and len(segments) == 2 and segments[0] == "video":
        found = VideoProvider.VIMEO, segments[1]
    elif host == "slideslive.com" and segments:
        # slideslive.com/38922923/talk-title or slideslive.com/embed/presentation/38922923
        number = (
            segments[2]
            if segments[:2] == ["embed", "presentation"] and len(segments) > 2
            else segments[0]
        )
        found = VideoProvider.SLIDESLIVE, number
    if found is None:
        known = ", ".join(["youtube.com", "youtu.be", "vimeo.com", "slideslive.com"])
        raise ValueError(
            f"unknown video host '{parts.hostname}': embed a video from {known}, "
            "or put the file in sitedata/ and write video: {file: media/talk.mp4}"
        )
    return found


def _language(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        raise ValueError(f"'{value}' is not a language tag such as en or pt-PT")
    return value


class Video(BaseModel):
    """A recorded talk: a provider's URL, a provider and its id, or a file in sitedata/."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    url: HttpUrl | None = None
    provider: VideoProvider | None = None
    id: str | None = None
    file: VideoFile | None = None
    #: WebVTT captions for a self-hosted file (hosted players bring their own).
    captions: CaptionFile | None = None
    captions_language: Annotated[str, AfterValidator(_language)] = "en"

    @model_validator(mode="before")
    @classmethod
    def _url_shorthand(cls, data: Any) -> Any:
        return {"url": data} if isinstance(data, str) else data

    @field_validator("url")
    @classmethod
    def _known_host(cls, value: str | None) -> str | None:
        if value is not None:
            _video_from_url(value)  # raises on an unknown host
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Video:
        given = [name for name in ("url", "provider", "file") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of url, provider (with id) or file"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if (self.provider is None) != (self.id is None):
            raise ValueError("provider and id go together (e.g. provider: vimeo, id: '76979871')")
        provider, video_id = self.source
        if provider is not None:
            host = VIDEO_HOSTS[provider]
            if not re.fullmatch(host.id_pattern, video_id):
                raise ValueError(f"'{video_id}' is not a {host.name} video id")
        if self.captions and not self.file:
            raise ValueError("captions apply to a self-hosted file; hosted players carry their own")
        return self

    @cached_property  # templates ask for it several times per page
    def source(self) -> tuple[VideoProvider | None, str]:
        """(provider, id) for a hosted video; (None, path) for a file in sitedata/."""
        if self.file:
            return None, self.file
        if self.url:
            return _video_from_url(self.url)
        return self.provider, self.id or ""


class Pdf(BaseModel):
    """Slides or a poster: a PDF file under sitedata/ (shown in the page) or a URL (linked)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    url: HttpUrl | None = None
    file: PdfFile | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"url": data} if re.match(r"^[a-z][a-z0-9+.-]*:", data, re.I) else {"file": data}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> Pdf:
        if (self.url is None) == (self.file is None):
            raise ValueError("give either url or file")
        return self


class Media(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    video: Video | None = None
    slides: Pdf | None = None
    poster: Pdf | None = None
    #: A picture for cards and the video's placeholder; when missing and the poster is
    #: a local PDF, its first page is rendered at freeze time (miniconf/site/thumbnails.py).
    thumbnail: ImageFile | None = None

    @property
    def local_poster(self) -> str | None:
        return self.poster.file if self.poster else None

    def local_files(self) -> Iterator[tuple[tuple[str, ...], str]]:
        """(location inside ``media``, path under sitedata/) of every local file."""
        if self.video and self.video.file:
            yield ("video", "file"), self.video.file
        if self.video and self.video.captions:
            yield ("video", "captions"), self.video.captions
        for name in ("slides", "poster"):
            pdf = getattr(self, name)
            if pdf and pdf.file:
                yield (name, "file"), pdf.file
        if self.thumbnail:
            yield ("thumbnail",), self.thumbnail


# --------------------------------------------------------------------------- file checks


@dataclass(frozen=True)
class MediaFileProblem:
    loc: tuple[str, ...]
    message: str


#: How each kind of file starts, so a renamed file is caught before it is published.
_SIGNATURES: dict[tuple[str, ...], tuple[bytes, ...]] = {
    PDF_EXTENSIONS: (b"%PDF-",),
    (".png",): (b"\x89PNG\r\n\x1a\n",),
    (".jpg", ".jpeg"): (b"\xff\xd8\xff",),
    (".webp",): (b"RIFF",),
    (".webm",): (b"\x1a\x45\xdf\xa3",),
    CAPTION_EXTENSIONS: (b"WEBVTT", b"\xef\xbb\xbfWEBVTT"),
}


def _wrong_content(file: Path, relative: str) -> str | None:
    for extensions, signatures in _SIGNATURES.items():
        if relative.lower().endswith(extensions):
            with file.open("rb") as stream:
                head = stream.read(16)
            if not head.startswith(signatures):
                kind = extensions[0].lstrip(".").upper()
                return f"{relative} is not a {kind} file (its content does not start like one)"
    return None


def _limit_for(path: str) -> int:
    for extensions, limit in SIZE_LIMITS.items():
        if path.lower().endswith(extensions):
            return limit
    return 0


def media_file_problems(root: Path, media: Media) -> Iterator[MediaFileProblem]:
    """Local files that are missing, outside sitedata/ (through a link) or too big."""
    base = root.resolve()
    for loc, relative in media.local_files():
        where = ("media", *loc)
        file = root / relative
        try:
            real = file.resolve()
            stat = real.stat() if real.is_file() else None
        except OSError:
            stat = None
        if stat is None:
            yield MediaFileProblem(
                where, f"file not found: {relative} (paths are relative to the sitedata folder)"
            )
        elif not real.is_relative_to(base):
            yield MediaFileProblem(where, f"{relative} links outside the sitedata folder")
        elif stat.st_size > _limit_for(relative):
            yield MediaFileProblem(
                where,
                f"{relative} is {stat.st_size:,} bytes; the limit for this kind of "
                f"file is {_limit_for(relative):,}",
            )
        elif message := _wrong_content(real, relative):
            yield MediaFileProblem(where, message)
