"""What pages add to the data to show it: each track's colour, each paper link's button."""

from __future__ import annotations

import dataclasses
import json
import re

from miniconf.site.app import create_app
from miniconf.structure.conference import Conference
from miniconf.structure.models import PaperLinks, Track


def page(conference: Conference, url: str) -> str:
    response = create_app(conference).test_client().get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_track_keeps_its_colour_by_its_place_in_config(demo_conference):
    """Six colours, given in config.yml's order and then again from the first; a track
    that config.yml does not list gets the first."""
    tracks = [Track(id=f"track-{n}", name=f"Track {n}") for n in range(1, 9)]
    first, second = demo_conference.papers[:2]
    conference = dataclasses.replace(
        demo_conference,
        config=demo_conference.config.model_copy(update={"tracks": tracks}),
        papers=(
            first.model_copy(update={"track": "track-8"}),
            second.model_copy(update={"track": "unlisted"}),
        ),
    )
    home = page(conference, "/index.html")
    badges = dict(
        (name, int(color))
        for color, name in re.findall(r'<span class="track t(\d)">(Track \d)</span>', home)
    )
    assert badges == {f"Track {n}": (n - 1) % 6 + 1 for n in range(1, 9)}
    assert '<span class="track t2">Track 8</span>' in page(conference, f"/papers/{first.id}.html")
    assert '<span class="track t1">unlisted</span>' in page(conference, f"/papers/{second.id}.html")
    explore = json.loads(page(conference, "/explore.json"))
    colors = {track["name"]: track["color"] for track in explore["tracks"]}
    assert colors == {**badges, "unlisted": 1}  # the browser's lists match the pages


def test_paper_links_are_buttons_in_a_fixed_order(demo_conference):
    paper = demo_conference.papers[0]
    links = PaperLinks(
        project="https://example.org/p",
        code="https://example.org/c",
        pdf="https://example.org/paper.pdf",
        poster="https://example.org/poster",
    )
    conference = dataclasses.replace(
        demo_conference, papers=(paper.model_copy(update={"links": links}),)
    )
    html = page(conference, f"/papers/{paper.id}.html")
    buttons = html.split('<ul class="link-buttons">', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'<a class="button" href="([^"]+)" rel="noopener">([^<]+)</a>', buttons) == [
        ("https://example.org/paper.pdf", "Paper (PDF)"),
        ("https://example.org/c", "Code"),
        ("https://example.org/poster", "Poster"),
        ("https://example.org/p", "Project page"),
    ]
