"""Every page of the site: a function of the Site (the typed conference and what goes
with it), and the one list of them that both the app and the freezer read.

Each :class:`PageRoute` names its URL rule, its view and which pages of a conference it
makes (the values of the rule's parts). ``create_app`` adds each as a Flask route, for
``miniconf run``; the freezer lists every page from the same routes and calls the views
directly, without a request. Files that are not pages (static files, sitedata assets,
thumbnails, access keys) are routes of their own, served through Flask's request cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Response, abort
from werkzeug.routing import Map, Rule

from ..structure.conference import Conference
from ..structure.pipeline_labels import load_map_labels
from ..structure.pipeline_outputs import PipelineOutputs
from . import frab_export
from .citation import cite
from .explore import explore_json_text, papers_json_text, search_json_text
from .links import Here, rendering
from .schedule_exports import sessions_json_text

if TYPE_CHECKING:
    from .app import Site

#: Renders a template for the current page: render(template, **context).
Render = Callable[..., str]
#: The values of a rule's parts, one dict per page (``{}`` for a page without parts).
PageValues = Iterable[dict[str, str]]

ONE_PAGE: tuple[dict[str, str], ...] = ({},)


@dataclass(frozen=True)
class PageRoute:
    rule: str
    #: view(site, render, **values): the page's text or a Response; abort(404) for none.
    view: Callable[..., str | Response]
    #: Which pages the site has: from the conference and the pipeline's outputs.
    pages: Callable[[Conference, PipelineOutputs], PageValues] = lambda _c, _o: ONE_PAGE
    #: Further rules answered by the same view, not frozen; links use the first
    #: (the home page's links say ``/``, which a host answers with index.html).
    aliases: tuple[str, ...] = ()

    @property
    def endpoint(self) -> str:
        return self.view.__name__


def home(site: Site, render: Render) -> str:
    return render("index.html")


def papers(site: Site, render: Render) -> str:
    # Sorted here, not with Jinja's sort filter, which looks each title up through the
    # sandbox-safe getattr: a third of the page's time for 10,000 papers.
    by_title = sorted(site.conference.papers, key=lambda paper: paper.title.lower())
    return render("papers.html", papers_by_title=by_title)


def paper(site: Site, render: Render, paper_id: str) -> str:
    conference, outputs = site.conference, site.outputs
    found = conference.paper_by_id.get(paper_id) or abort(404)
    return render(
        "paper.html",
        paper=found,
        sessions=conference.sessions_of_paper(found.id),
        edit_url=_edit_url(conference, conference.paper_files.get(found.id)),
        similar_papers=[
            conference.paper_by_id[other] for other in outputs.similar.get(found.id, ())
        ],
        citation=cite(conference, found),
        on_map=found.id in outputs.positions,  # "Show on the map"
        similar_pending=outputs.is_pending(found.id),
    )


def speakers(site: Site, render: Render) -> str:
    return render("speakers.html")


def speaker(site: Site, render: Render, speaker_id: str) -> str:
    found = site.conference.speaker_by_id.get(speaker_id) or abort(404)
    return render(
        "speaker.html", speaker=found, sessions=site.conference.sessions_of_speaker(found.id)
    )


def workshops(site: Site, render: Render) -> str:
    return render("workshops.html")


def workshop(site: Site, render: Render, workshop_id: str) -> str:
    found = site.conference.workshop_by_id.get(workshop_id) or abort(404)
    return render(
        "workshop.html", workshop=found, sessions=site.conference.sessions_of_workshop(found.id)
    )


def schedule(site: Site, render: Render) -> str:
    return render("schedule.html")


def session(site: Site, render: Render, session_id: str) -> str:
    found = site.conference.session_by_id.get(session_id) or abort(404)
    return render("session.html", session=found)


def help_page(site: Site, render: Render) -> str:
    return render("help.html")


def free_page(site: Site, render: Render, slug: str) -> str:
    found = site.conference.page_by_slug.get(slug) or abort(404)
    return render("page.html", page=found)


def chat_page(site: Site, render: Render) -> str:
    return render("chat.html") if _has_chat(site.conference) else abort(404)


def not_found_page(site: Site, render: Render) -> str:
    """404.html: a host serves it at any depth, so its links are absolute."""
    with rendering(Here("not_found_page", "/404.html", absolute_links=True)):
        return render("404.html")


def paper_map(site: Site, render: Render) -> str:
    return render("map.html")


def my_papers(site: Site, render: Render) -> str:
    return render("my_papers.html")


def papers_json(site: Site, render: Render) -> Response:
    return _json(papers_json_text(site.published, site.outputs))


def search_json(site: Site, render: Render) -> Response:
    return _json(search_json_text(site.published))


def explore_json(site: Site, render: Render) -> Response:
    outputs = site.outputs
    has_vectors = outputs.published and outputs.vectors is not None
    # The map's region names (pipeline/labels.json), while the map is published.
    labels = load_map_labels(site.conference, outputs.model if outputs.published else None)
    return _json(explore_json_text(site.conference, has_vectors, labels))


def vectors_json(site: Site, render: Render) -> Response:
    """The browser's "For you" vectors (with vectors.bin), while the pipeline's are current."""
    if site.outputs.vectors_meta is None:
        abort(404)
    return Response(site.outputs.vectors_meta, mimetype="application/json")


def vectors_bin(site: Site, render: Render) -> Response:
    if site.outputs.vectors is None:
        abort(404)
    return Response(site.outputs.vectors, mimetype="application/octet-stream")


# The program as files other tools read (schedule_exports.py). Exports come from what
# anyone may see (``published``).
def schedule_ics(site: Site, render: Render) -> Response:
    # icalendar is imported by the first calendar written: a re-freeze that writes none
    # (every calendar file reused) does without its 0.05 s import.
    from . import calendar_export

    return Response(calendar_export.schedule_ics(site.published), mimetype="text/calendar")


def session_ics(site: Site, render: Render, session_id: str) -> Response:
    from . import calendar_export

    found = site.published.session_by_id.get(session_id) or abort(404)
    return Response(calendar_export.session_ics(site.published, found), mimetype="text/calendar")


def schedule_json(site: Site, render: Render) -> Response:
    return _json(frab_export.schedule_json(site.frab_document))


def schedule_xml(site: Site, render: Render) -> Response:
    return Response(frab_export.schedule_xml(site.frab_document), mimetype="application/xml")


def sessions_json(site: Site, render: Render) -> Response:
    return _json(sessions_json_text(site.published))


def _json(text: str) -> Response:
    return Response(text, mimetype="application/json")


def _has_chat(conference: Conference) -> bool:
    return conference.config.chat.provider != "none"


def _edit_url(conference: Conference, relative_file: str | None) -> str | None:
    repo = conference.config.repository
    if repo is None or relative_file is None:
        return None
    folder = repo.path.strip("/")
    path = f"{folder}/{relative_file}" if folder else relative_file
    return f"{repo.url.rstrip('/')}/edit/{repo.branch}/{path}"


def _each(items: Callable[[Conference], Iterable[Any]], name: str, attribute: str = "id"):
    """Pages, one per item of the conference: {name: item.<attribute>}."""
    return lambda conference, _outputs: (
        {name: getattr(item, attribute)} for item in items(conference)
    )


def _while_published(_conference: Conference, outputs: PipelineOutputs) -> PageValues:
    return ONE_PAGE if outputs.published else ()


PAGES: tuple[PageRoute, ...] = (
    PageRoute("/index.html", home, aliases=("/",)),
    PageRoute("/papers.html", papers),
    PageRoute("/papers/<paper_id>.html", paper, _each(lambda c: c.papers, "paper_id")),
    PageRoute("/speakers.html", speakers),
    PageRoute("/speakers/<speaker_id>.html", speaker, _each(lambda c: c.speakers, "speaker_id")),
    PageRoute("/workshops.html", workshops),
    PageRoute(
        "/workshops/<workshop_id>.html", workshop, _each(lambda c: c.workshops, "workshop_id")
    ),
    PageRoute("/schedule.html", schedule),
    PageRoute("/sessions/<session_id>.html", session, _each(lambda c: c.sessions, "session_id")),
    PageRoute("/help.html", help_page),
    PageRoute("/pages/<slug>.html", free_page, _each(lambda c: c.pages, "slug", "slug")),
    PageRoute("/chat.html", chat_page, lambda c, _o: ONE_PAGE if _has_chat(c) else ()),
    PageRoute("/404.html", not_found_page),
    PageRoute("/map.html", paper_map),
    PageRoute("/my-papers.html", my_papers),
    PageRoute("/papers.json", papers_json),
    PageRoute("/search.json", search_json),
    PageRoute("/explore.json", explore_json),
    PageRoute("/vectors.json", vectors_json, _while_published),
    PageRoute("/vectors.bin", vectors_bin, _while_published),
    PageRoute("/schedule.ics", schedule_ics),
    PageRoute("/schedule.json", schedule_json),
    PageRoute("/schedule.xml", schedule_xml),
    PageRoute("/sessions.json", sessions_json),
    PageRoute("/sessions/<session_id>.ics", session_ics, _each(lambda c: c.sessions, "session_id")),
)


def page_urls(conference: Conference, outputs: PipelineOutputs) -> Iterator[str]:
    """The URL of every page of the site, from PAGES."""
    urls = Map([Rule(route.rule, endpoint=route.endpoint) for route in PAGES]).bind("")
    for route in PAGES:
        for values in route.pages(conference, outputs):
            yield urls.build(route.endpoint, values)
