"""The site as a small Flask app: every page is a function of the typed Conference.

``miniconf run`` serves this app; ``miniconf freeze`` asks it for every URL the
generators below list and writes the answers to files. Links inside pages are
relative, so a frozen site works under any sub-path (GitHub Pages project sites)
and even from ``file://``; only the 404 page, which a host serves at any depth,
uses the path of ``base_url``.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, render_template, request, send_from_directory, url_for
from markupsafe import Markup

from ..chat.links import ChatDirectory
from ..structure.conference import Conference
from ..structure.pipeline_outputs import PipelineOutputs, load_pipeline_outputs
from .explore import explore_json_text, paper_index_html, papers_json_text, search_json_text
from .markup import render_inline, render_markdown
from .media import (
    install_media,
    media_assets,
    media_csp_sources,
    thumbnail_urls,
)
from .schedule_exports import export_urls, register_routes

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
TEMPLATES_DIR = PROJECT_DIR / "templates"
STATIC_DIR = PROJECT_DIR / "static"


def content_security_policy(conference: Conference) -> str:
    """The Content-Security-Policy of every page.

    No inline script and nothing from another origin unless a feature names it: author
    and organizer text can never execute. Features that embed a player or read a chat
    server add just the hosts the conference's data uses (see csp_sources).
    """
    sources = csp_sources(conference)
    return "; ".join(
        f"{directive} {' '.join(sorted(values))}" for directive, values in sources.items()
    )


def csp_sources(conference: Conference) -> dict[str, set[str]]:
    sources = {
        "default-src": {"'self'"},
        "script-src": {"'self'"},
        "style-src": {"'self'"},
        "img-src": {"'self'", "data:", "https:"},
        "media-src": {"'self'"},
        "connect-src": {"'self'"},
        "frame-src": {"'none'"},
        "object-src": {"'none'"},
        "base-uri": {"'none'"},
        "form-action": {"'self'"},
    }
    media_csp_sources(conference, sources)  # video players and framed local PDFs
    # Chat: the homeserver the live preview reads, the host of embedded rooms.
    for directive, extra in ChatDirectory(conference).csp_sources().items():
        sources[directive] = (sources[directive] - {"'none'"}) | extra
    return sources


def create_app(conference: Conference, outputs: PipelineOutputs | None = None) -> Flask:
    """The site; ``outputs``: the pipeline's (read from sitedata/pipeline/ when None)."""
    if outputs is None:
        outputs = load_pipeline_outputs(conference)
    app = Flask(
        "miniconf",
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["markdown_inline"] = render_inline
    app.jinja_env.globals.update(
        conference=conference,
        config=conference.config,
    )
    app.jinja_env.globals["chat"] = ChatDirectory(conference)
    policy = content_security_policy(conference)
    app.jinja_env.globals["csp"] = policy
    asset_versions = _asset_versions(STATIC_DIR)
    base_path = urlsplit(conference.config.base_url or "/").path or "/"
    if not base_path.endswith("/"):
        base_path += "/"

    @lru_cache(maxsize=65536)
    def _link(endpoint: str, values: tuple, from_dir: str | None) -> str:
        target = url_for(endpoint, **dict(values))
        if endpoint == "static":
            version = asset_versions.get(dict(values).get("filename", ""))
            target += f"?v={version}" if version else ""
        if from_dir is None:
            return base_path + target.lstrip("/")
        return posixpath.relpath(target, from_dir)

    def link(endpoint: str, **values) -> str:
        """A URL relative to the page being rendered (absolute under base_url on 404)."""
        from_dir = None if g.get("absolute_links") else posixpath.dirname(request.path)
        return _link(endpoint, tuple(sorted(values.items())), from_dir)

    def zone_time(moment: datetime) -> datetime:
        return moment.astimezone(conference.config.zone)

    fragments: dict[tuple, Markup] = {}

    def shared_fragment(template: str, **values) -> Markup:
        """A fragment that is the same on every page of one kind in one folder (the
        header, the footer, a session's line in a list) is rendered once per (kind,
        folder, values), not once per page: for 10,000 paper pages that saves a
        good part of the freeze. Such templates may depend only on the values given
        (each keyed by its ``id``), the endpoint, the folder (through link()) and
        g.absolute_links."""
        key = (
            template,
            request.endpoint,
            posixpath.dirname(request.path),
            bool(g.get("absolute_links")),
            tuple((name, getattr(value, "id", value)) for name, value in sorted(values.items())),
        )
        if key not in fragments:
            fragments[key] = Markup(render_template(template, **values))
        return fragments[key]

    app.jinja_env.globals.update(link=link, zone_time=zone_time, shared_fragment=shared_fragment)
    app.jinja_env.globals["paper_index"] = paper_index_html  # papers.html without JavaScript
    install_media(app, conference)  # thumbnails route, thumbnail_of() for templates

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def page(template: str, **context) -> str:
        return render_template(template, **context)

    @app.route("/index.html")
    @app.route("/")
    def home():
        return page("index.html")

    @app.route("/papers.html")
    def papers():
        return page("papers.html")

    @app.route("/papers/<paper_id>.html")
    def paper(paper_id: str):
        found = conference.paper_by_id.get(paper_id) or abort(404)
        return page(
            "paper.html",
            paper=found,
            sessions=conference.sessions_of_paper(found.id),
            edit_url=_edit_url(conference, conference.paper_files.get(found.id)),
            similar_papers=[conference.paper_by_id[other]
                            for other in outputs.similar.get(found.id, ())],
        )

    @app.route("/speakers.html")
    def speakers():
        return page("speakers.html")

    @app.route("/speakers/<speaker_id>.html")
    def speaker(speaker_id: str):
        found = conference.speaker_by_id.get(speaker_id) or abort(404)
        sessions = conference.sessions_of_speaker(found.id)
        return page("speaker.html", speaker=found, sessions=sessions)

    @app.route("/workshops.html")
    def workshops():
        return page("workshops.html")

    @app.route("/workshops/<workshop_id>.html")
    def workshop(workshop_id: str):
        found = conference.workshop_by_id.get(workshop_id) or abort(404)
        return page(
            "workshop.html", workshop=found, sessions=conference.sessions_of_workshop(found.id)
        )

    @app.route("/schedule.html")
    def schedule():
        return page("schedule.html")

    @app.route("/sessions/<session_id>.html")
    def session(session_id: str):
        found = conference.session_by_id.get(session_id) or abort(404)
        return page("session.html", session=found)

    @app.route("/help.html")
    def help_page():
        return page("help.html")

    @app.route("/pages/<slug>.html")
    def free_page(slug: str):
        found = conference.page_by_slug.get(slug) or abort(404)
        return page("page.html", page=found)

    @app.route("/chat.html")
    def chat_page():
        return page("chat.html") if conference.config.chat.provider != "none" else abort(404)

    @app.route("/404.html")
    def not_found_page():
        g.absolute_links = True
        return page("404.html")

    @app.errorhandler(404)
    def not_found(_error):
        g.absolute_links = True
        return page("404.html"), 404

    published_assets = site_assets(conference)  # once: media makes it a walk of all pages

    @app.route("/assets/<path:filename>")
    def asset(filename: str):
        if filename not in published_assets:
            abort(404)
        return send_from_directory(conference.root.resolve(), filename)

    @app.route("/papers.json")
    def papers_json():
        return Response(papers_json_text(conference, outputs), mimetype="application/json")

    @app.route("/vectors.json")
    def vectors_json():
        if outputs.vectors_meta is None:
            abort(404)
        return Response(outputs.vectors_meta, mimetype="application/json")

    @app.route("/vectors.bin")
    def vectors_bin():
        if outputs.vectors is None:
            abort(404)
        return Response(outputs.vectors, mimetype="application/octet-stream")

    # Exploring the program (miniconf/site/explore.py): map, "My papers", browser data.
    @app.route("/map.html")
    def paper_map():
        return page("map.html")

    @app.route("/my-papers.html")
    def my_papers():
        return page("my_papers.html")

    @app.route("/explore.json")
    def explore_json():
        has_vectors = outputs.current and outputs.vectors is not None
        return Response(explore_json_text(conference, has_vectors), mimetype="application/json")

    @app.route("/search.json")
    def search_json():
        return Response(search_json_text(conference), mimetype="application/json")

    register_routes(app, conference)  # schedule.ics/.json/.xml, sessions/<id>.ics

    return app


def site_assets(conference: Conference) -> set[str]:
    """Files from sitedata that pages link to (only these are published)."""
    assets = {conference.config.logo} if conference.config.logo else set()
    return assets | media_assets(conference)


def _edit_url(conference: Conference, relative_file: str | None) -> str | None:
    repo = conference.config.repository
    if repo is None or relative_file is None:
        return None
    folder = repo.path.strip("/")
    path = f"{folder}/{relative_file}" if folder else relative_file
    return f"{repo.url.rstrip('/')}/edit/{repo.branch}/{path}"


def _asset_versions(folder: Path) -> dict[str, str]:
    """Content hashes of static files, appended to their URLs so caches never go stale."""
    versions = {}
    for file in sorted(folder.rglob("*")):
        if file.is_file():
            digest = hashlib.sha256(file.read_bytes()).hexdigest()[:10]
            versions[file.relative_to(folder).as_posix()] = digest
    return versions


def page_urls(conference: Conference) -> Iterator[str]:
    """Every page of the site, in a fixed order (the freezer's list)."""
    yield "/index.html"
    if load_pipeline_outputs(conference).current:  # the browser's "For you" vectors
        yield "/vectors.json"
        yield "/vectors.bin"
    for simple in ("papers", "speakers", "workshops", "schedule", "help", "404"):
        yield f"/{simple}.html"
    yield "/papers.json"
    yield from ("/map.html", "/my-papers.html", "/explore.json", "/search.json")
    for paper in conference.papers:
        yield f"/papers/{paper.id}.html"
    for speaker in conference.speakers:
        yield f"/speakers/{speaker.id}.html"
    for workshop in conference.workshops:
        yield f"/workshops/{workshop.id}.html"
    for session in conference.sessions:
        yield f"/sessions/{session.id}.html"
    for free in conference.pages:
        yield f"/pages/{free.slug}.html"
    if conference.config.chat.provider != "none":
        yield "/chat.html"
    for filename in sorted(site_assets(conference)):
        yield f"/assets/{filename}"
    yield from thumbnail_urls(conference)
    yield from export_urls(conference)
