"""Talks and posters on pages: the Flask side of the ``media:`` block.

- :data:`PLAYER_HOSTS`: how each video provider's player is embedded (:func:`player_of`);
- :func:`media_csp_sources`: frame-src gets exactly the player hosts the data uses,
  plus 'self' when a local PDF is shown in a frame;
- :func:`media_assets` / :func:`thumbnail_urls`: the files a build publishes;
- :func:`install_media`: the ``/thumbnails/`` route and the template helpers.

Players are privacy-minded: YouTube through its no-cookie domain, Vimeo with Do Not
Track, and every player loaded only when the visitor presses play (media.js).

External PDFs are linked, never framed: framing them would add every author's host
to frame-src, load a third-party document (and its trackers) on every page view, and
many hosts forbid framing anyway. Local PDFs are same-origin and framed lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask, abort, send_file

from ..structure.conference import Conference
from ..structure.media import VIDEO_HOSTS, Video, VideoProvider
from ..structure.models import Paper, Session, Speaker, Workshop
from .thumbnails import (
    OWNER_KINDS,
    Thumbnail,
    media_owners,
    poster_digest,
)


@dataclass(frozen=True)
class PlayerHost:
    #: The origin the player frame comes from (what the CSP's frame-src must allow).
    origin: str
    #: The embed URL; ``{id}`` is the provider's id, checked when the data was validated.
    embed: str
    #: The video's page on the provider's site: the link for visitors without JavaScript.
    watch: str


PLAYER_HOSTS: dict[VideoProvider, PlayerHost] = {
    # youtube-nocookie.com sets no cookies until the visitor plays the video.
    VideoProvider.YOUTUBE: PlayerHost(
        "https://www.youtube-nocookie.com",
        "https://www.youtube-nocookie.com/embed/{id}?autoplay=1&rel=0",
        "https://www.youtube.com/watch?v={id}",
    ),
    # dnt=1: Vimeo's player then sets no tracking cookies and sends no analytics.
    VideoProvider.VIMEO: PlayerHost(
        "https://player.vimeo.com",
        "https://player.vimeo.com/video/{id}?dnt=1&autoplay=1",
        "https://vimeo.com/{id}",
    ),
    VideoProvider.SLIDESLIVE: PlayerHost(
        "https://slideslive.com",
        "https://slideslive.com/embed/presentation/{id}",
        "https://slideslive.com/{id}",
    ),
}


@dataclass(frozen=True)
class Player:
    """A hosted video as its page shows it."""

    #: The provider's name ("Plays from YouTube").
    label: str
    embed_url: str
    watch_url: str


def player_of(video: Video) -> Player | None:
    """The player of a hosted video; None for a file in sitedata/ (the browser plays it)."""
    provider, video_id = video.source
    if provider is None:
        return None
    host = PLAYER_HOSTS[provider]
    return Player(
        VIDEO_HOSTS[provider].name, host.embed.format(id=video_id), host.watch.format(id=video_id)
    )


def media_csp_sources(conference: Conference, sources: dict[str, set[str]]) -> None:
    frames: set[str] = set()
    for _kind, _id, media in media_owners(conference):
        provider = media.video.source[0] if media.video else None
        if provider is not None:
            frames.add(PLAYER_HOSTS[provider].origin)
        if any(pdf and pdf.file for pdf in (media.slides, media.poster)):
            frames.add("'self'")
    if frames:
        sources["frame-src"] = (sources["frame-src"] - {"'none'"}) | frames


def media_assets(conference: Conference) -> set[str]:
    """Every local media file (videos, captions, PDFs, given thumbnails) under sitedata/."""
    return {
        path for _kind, _id, media in media_owners(conference) for _loc, path in media.local_files()
    }


def thumbnail_urls(conference: Conference) -> Iterator[str]:
    """The rendered-poster thumbnails, known from the data alone (no rendering here)."""
    for kind, owner_id, media in media_owners(conference):
        if media.local_poster and not media.thumbnail:
            yield f"/thumbnails/{kind}/{owner_id}.png"


def paper_thumbnail_url(conference: Conference, paper: Paper) -> str | None:
    """The paper's thumbnail relative to the site's root, for papers.json (where pages
    built in the browser find it); the same URL the pages use."""
    media = paper.media
    if media is None:
        return None
    if media.thumbnail:
        return f"assets/{media.thumbnail}"
    if media.local_poster:
        digest = poster_digest(conference.root / media.local_poster)
        return f"thumbnails/papers/{paper.id}.png?v={digest[:10]}"
    return None


def install_media(app: Flask, thumbnails: dict[tuple[str, str], Thumbnail]) -> None:
    """The route that serves rendered thumbnails and the helpers templates call:
    ``thumbnail_of(item)``, ``media_file_url(path)`` and ``hosted_player(video)``
    (player_of)."""
    kind_of: dict[type, str] = dict(
        zip((Paper, Speaker, Workshop, Session), OWNER_KINDS, strict=True)
    )

    @app.route("/thumbnails/<kind>/<owner_id>.png")
    def thumbnail(kind: str, owner_id: str):
        found = thumbnails.get((kind, owner_id))
        if found is None or found.rendered is None:
            abort(404)
        return send_file(found.rendered, mimetype="image/png", max_age=3600)

    link: Callable[..., str] = app.jinja_env.globals["link"]  # type: ignore[assignment]

    def thumbnail_of(item) -> dict | None:
        """src, width and height of an item's thumbnail, or None."""
        found: Thumbnail | None = thumbnails.get((kind_of.get(type(item), ""), item.id))
        if found is None:
            return None
        if found.asset:
            src = link("asset", filename=found.asset)
        else:
            src = link("thumbnail", kind=kind_of[type(item)], owner_id=item.id)
            src += f"?v={found.version}"
        return {"src": src, "width": found.width or 16, "height": found.height or 9}

    def media_file_url(path: str) -> str:
        return link("asset", filename=path)

    app.jinja_env.globals.update(
        thumbnail_of=thumbnail_of, media_file_url=media_file_url, hosted_player=player_of
    )
