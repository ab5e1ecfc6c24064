"""The site as a small Flask app: every page is a function of the typed Conference.

``miniconf run`` serves this app; ``miniconf freeze`` asks it for every URL the
generators below list and writes the answers to files. Links inside pages are
relative, so a frozen site works under any sub-path (GitHub Pages project sites)
and even from ``file://``; only the 404 page, which a host serves at any depth,
uses the path of ``base_url``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, Response, abort, g, request, send_from_directory
from flask.templating import Environment as FlaskEnvironment
from markupsafe import Markup, escape

from ..chat.links import ChatDirectory
from ..structure.conference import Conference
from ..structure.pipeline_outputs import PipelineOutputs, load_pipeline_outputs
from . import frab_export
from .access import Access, install_access, load_access
from .links import Here, Links, current_page, rendering
from .markup import render_inline, render_markdown, render_title
from .media import (
    install_media,
    media_assets,
    media_csp_sources,
    thumbnail_urls,
)
from .pages import PAGES, page_urls
from .presentation import track_colors
from .schedule_exports import install_schedule_helpers
from .theme import Theme, template_cache, theme_of
from .thumbnails import Thumbnail, collect_thumbnails


def content_security_policy(conference: Conference, access: Access | None = None) -> str:
    """The Content-Security-Policy of every page.

    No inline script and nothing from another origin unless a feature names it: author
    and organizer text can never execute. Features that embed a player or read a chat
    server add just the hosts the conference's data uses (see csp_sources).
    """
    sources = csp_sources(conference)
    if access is not None:
        access.add_csp_sources(sources)  # blob: for unlocked local files
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


class SiteEnvironment(FlaskEnvironment):
    """Jinja gives each template a ChainMap of its own globals over the environment's,
    and copies it, key by key in Python, twice per render: 30 us a page, a tenth of a
    paper page. Our templates have no globals of their own, so they use the
    environment's dict itself (what is added to it still reaches every template)."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return self.globals if not d else super().make_globals(d)


@dataclass(frozen=True)
class Site:
    """What the app renders pages from, gathered once (the freezer reads it too)."""

    conference: Conference
    #: The conference less what only registered attendees may see (the same conference
    #: with access: public): exports, thumbnails and published files come from it.
    published: Conference
    outputs: PipelineOutputs
    access: Access
    theme: Theme
    #: Thumbnails by (owner kind, owner id), posters rendered (site/thumbnails.py).
    thumbnails: dict[tuple[str, str], Thumbnail]
    #: The Content-Security-Policy of every page.
    policy: str

    @cached_property
    def frab_document(self) -> dict:
        """The program in Frab's layout, made once for schedule.json and schedule.xml."""
        return frab_export.frab_document(self.published)


def site_of(app: Flask) -> Site:
    """The Site an app made by create_app renders."""
    return app.extensions["miniconf"]


def create_app(
    conference: Conference, outputs: PipelineOutputs | None = None, access: Access | None = None
) -> Flask:
    """The site; ``outputs``: the pipeline's (read from sitedata/pipeline/ when None);
    ``access``: what is for registered attendees only (from config and environment)."""
    if outputs is None:
        outputs = load_pipeline_outputs(conference)
    if access is None:
        access = load_access(conference)
    published = access.public_view(conference)
    theme = theme_of(conference)
    static_files = theme.static_files()  # ours, with the organizer's in their place
    policy = content_security_policy(conference, access)
    site = Site(
        conference, published, outputs, access, theme, collect_thumbnails(published), policy
    )
    app = Flask("miniconf", static_folder=None)
    app.jinja_environment = SiteEnvironment
    app.jinja_loader = theme.loader()
    renderer = PageRenderer(app.jinja_env)
    _set_up_templates(app, site, static_files, renderer)
    app.extensions["miniconf"] = site
    _add_request_hooks(app, policy)
    _add_routes(app, site, static_files, renderer)
    return app


class PageRenderer:
    """Renders templates for the current page (see links.current_page), and the
    fragments that many pages share once each."""

    def __init__(self, env: FlaskEnvironment):
        self.env = env
        self.fragments: dict[tuple, Markup] = {}

    def render(self, template: str, **context) -> str:
        """A template rendered for the current page. Not Flask's render_template: pages
        must render the same without a request, which is how the freezer writes most
        of them."""
        return self.env.get_template(template).render(here=current_page.get(), **context)

    def shared_fragment(self, template: str, **values) -> Markup:
        """A fragment that is the same on every page of one kind in one folder (the
        header, the footer, a session's line in a list) is rendered once per (kind,
        folder, values), not once per page: for 10,000 paper pages that saves a
        good part of the freeze. Such templates may depend only on the values given
        (each keyed by its ``id``) and on ``here`` (the endpoint and folder)."""
        key = (template, current_page.get().scope, *_ids(values))
        found = self.fragments.get(key)
        if found is None:
            found = self.fragments[key] = Markup(self.render(template, **values))
        return found


def _set_up_templates(
    app: Flask, site: Site, static_files: dict[str, Path], renderer: PageRenderer
) -> None:
    """The filters and globals every template sees."""
    conference = site.conference
    env = app.jinja_env
    env.bytecode_cache = template_cache(conference)  # compiled templates, between freezes
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters["markdown"] = render_markdown
    env.filters["markdown_inline"] = render_inline
    env.filters["math_title"] = render_title  # a title's $…$ as MathML, the rest escaped
    # A value in a link's query (?author=Ada%20Okafor); names and keywords repeat across
    # 10,000 paper pages, so each is quoted once.
    env.filters["query_value"] = lru_cache(maxsize=65536)(partial(quote, safe=""))
    base_path = urlsplit(conference.config.base_url or "/").path or "/"
    env.globals.update(
        conference=conference,
        config=conference.config,
        chat=ChatDirectory(conference),
        csp=escape(site.policy),  # escaped once, not on every page
        link=Links(app.url_map, _asset_versions(static_files), base_path),
        zone_time=lambda moment: moment.astimezone(conference.config.zone),
        track_color=track_colors(conference),
        shared_fragment=renderer.shared_fragment,
    )
    install_media(app, site.thumbnails)  # thumbnails route, thumbnail_of() for templates
    install_access(app, site.access, conference)  # keys, encrypted files, access_ui.sealed
    install_schedule_helpers(app, site.published)  # session_uid(), the timetable grid
    # The shared macros, imported once for every template as ``ui`` (an import in
    # base.html would run again for each of 10,000 pages).
    env.globals["ui"] = env.get_template("macros.html").module


def _add_request_hooks(app: Flask, policy: str) -> None:
    """What ``miniconf run`` (and a freeze's files) need around Flask's request cycle:
    the page's location for relative links, and the security headers."""

    @app.before_request
    def _enter_page() -> None:
        g.page_token = current_page.set(Here(request.endpoint, request.path))

    @app.teardown_request
    def _leave_page(_error: BaseException | None) -> None:
        if "page_token" in g:
            current_page.reset(g.page_token)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _add_routes(
    app: Flask, site: Site, static_files: dict[str, Path], renderer: PageRenderer
) -> None:
    """The pages (site/pages.py), the 404 page, static files and sitedata assets."""
    # The pages' views need no request: the freezer calls them directly (build.py), with
    # the page's location set as a request would set it.
    for route in PAGES:
        view = partial(route.view, site, renderer.render)
        for rule in (*route.aliases, route.rule):  # links to the home page say "/"
            app.add_url_rule(rule, route.endpoint, view)

    @app.errorhandler(404)
    def not_found(_error):
        with rendering(Here("not_found_page", request.path, absolute_links=True)):
            return renderer.render("404.html"), 404

    @app.route("/static/<path:filename>", endpoint="static")
    def static_file(filename: str):
        found = static_files.get(filename) or abort(404)
        return send_from_directory(found.parent, found.name)

    published_assets = site_assets(site.published)  # once: media makes it a walk of all pages
    root = site.conference.root.resolve()

    @app.route("/assets/<path:filename>")
    def asset(filename: str):
        if filename not in published_assets:
            abort(404)
        return send_from_directory(root, filename)


def _ids(values: dict) -> Iterator:
    """A fragment's values by name, each named by its id (a session, a paper, a tuple of
    sessions)."""
    for name in sorted(values) if len(values) > 1 else values:
        value = values[name]
        yield name
        if isinstance(value, tuple | list):
            yield tuple(getattr(item, "id", item) for item in value)
        else:
            yield getattr(value, "id", value)


def site_assets(conference: Conference) -> set[str]:
    """Files from sitedata that pages link to (only these are published)."""
    assets = {conference.config.logo} if conference.config.logo else set()
    return assets | media_assets(conference)


def _asset_versions(static_files: dict[str, Path]) -> dict[str, str]:
    """Content hashes of static files, appended to their URLs so caches never go stale."""
    return {
        name: hashlib.sha256(file.read_bytes()).hexdigest()[:10]
        for name, file in static_files.items()
    }


def site_urls(site: Site) -> Iterator[str]:
    """Every URL of the site (the freezer's list, less access: attendees' sealed files)."""
    yield from page_urls(site.published, site.outputs)
    yield from file_urls(site)


def file_urls(site: Site) -> Iterator[str]:
    """Every file of the site that is not a page: sitedata assets, static files and
    rendered thumbnails."""
    for filename in sorted(site_assets(site.published)):
        yield f"/assets/{filename}"
    for filename in site.theme.static_files():
        yield f"/static/{filename}"
    yield from thumbnail_urls(site.published)
