"""What pages add to the content model to show it: each track's colour, each paper
link's label. (structure/ says what sitedata holds; how it looks is the site's.)"""

from __future__ import annotations

from collections.abc import Callable

from ..structure.conference import Conference

#: The stylesheet's track colours: ``.track.t1`` to ``.track.t6`` (static/css/miniconf.css).
TRACK_COLORS = 6


def track_colors(conference: Conference) -> Callable[[str | None], int]:
    """``color(track_id)``: a track's colour number, 1 to TRACK_COLORS, stable by its
    position in config.yml; 1 for no track or one that config.yml does not list."""
    numbers = {
        track.id: index % TRACK_COLORS + 1 for index, track in enumerate(conference.config.tracks)
    }

    def color(track_id: str | None) -> int:
        return numbers.get(track_id, 1) if track_id else 1

    return color


#: The button of each of a paper's links (PaperLinks), in the order they are shown.
PAPER_LINK_LABELS = {
    "pdf": "Paper (PDF)",
    "code": "Code",
    "video": "Video",
    "slides": "Slides",
    "poster": "Poster",
    "project": "Project page",
}
