"""Records every importer builds the same way: a paper from a row of columns, a video.

Column names are those of real sites (lower case; see common.Row): each field of our
model lists the columns it may come from, first match wins.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..structure.media import Pdf, Video
from ..structure.models import is_valid_id
from .common import Draft, Row, slugify, split_authors, split_list, strip_controls, video_of
from .links import absolute, local_media

TITLE = ("title", "paper_title")
AUTHORS_WITH_AFFILIATIONS = ("authors_and_affil", "authors_and_affiliations")
AUTHORS = ("authors", "author_names", "author", "speakers", "presenters")
ABSTRACT = ("abstract", "paper_abstract")
TLDR = ("tldr", "tl;dr", "tl_dr")
KEYWORDS = ("keywords", "secondary_subject", "subject_areas", "topics")
TRACK = ("track", "primary_subject", "primary_subject_area", "area")
TYPE = ("paper_type", "type", "category")
PDF = ("pdf_url", "pdf", "paper_url", "pdf_path", "paper", "paper_link", "paper_pdf")
CODE = ("code", "code_url", "code_link")
PROJECT = ("project", "project_url", "url", "demo_url", "web_link", "website")
VIDEO = (
    "presentation_id",
    "slideslive_1",
    "slideslive",
    "slideslive_id",
    "yt_id",
    "youtubeurl",
    "youtube_url",
    "youtube",
    "youtube_link",
    "video_url",
    "video",
    "video_link",
    "recs",
)
SLIDES = ("slides_pdf", "slides", "slides_url", "slides_link")
POSTER = ("poster_pdf", "poster", "poster_url", "poster_link")
THUMBNAIL = ("thumbnail", "thumbnail_link", "image", "preview_image", "card_image_path")
CHANNEL = ("slack_channel", "rocketchat_channel", "channel_name", "chat_channel", "channel")
#: Every column a paper reads (the others are reported as having no place).
PAPER_COLUMNS = {
    "uid",
    "id",
    "paper_id",
    *TITLE,
    *AUTHORS_WITH_AFFILIATIONS,
    *AUTHORS,
    *ABSTRACT,
    *TLDR,
    *KEYWORDS,
    *TRACK,
    *TYPE,
    *PDF,
    *CODE,
    *PROJECT,
    *VIDEO,
    *SLIDES,
    *POSTER,
    *THUMBNAIL,
    *CHANNEL,
    "sessions",
    "session",
    "session_code",
    "session_name",
    "position",
    "session_position",
    "position_1",
}


def set_video(draft: Draft, record: dict, value: Any, where: str) -> None:
    """``media.video`` from a cell; a URL of a host we do not embed becomes a link."""
    video = video_of(str(value or ""))
    if video is None:
        return
    draft.tally("videos").source += 1
    try:
        Video.model_validate(video)
    except ValidationError:
        if isinstance(video, str) and video.startswith(("http://", "https://")):
            record.setdefault("links", {}).setdefault("video", video)
            draft.tally("videos").lose(
                "from hosts we do not embed (Google Drive, Underline ...): kept as a Video link"
            )
        else:
            draft.tally("videos").lose("not a video id or URL we know")
            draft.skip(where, f"video {str(value)[:80]!r} is not a video we can embed")
        return
    record.setdefault("media", {})["video"] = video


def set_pdf(draft: Draft, record: dict, name: str, value: str, where: str) -> None:
    """``media.slides``/``media.poster``: a URL, or a relative link's file copied in."""
    value = str(value or "").strip()
    if not value:
        return
    if value.startswith(("http://", "https://")):
        try:
            Pdf.model_validate(value)
        except ValidationError:
            return
        record.setdefault("media", {})[name] = value
    elif copied := local_media(draft, value, f"{record['id']}", ("pdf",)):
        record.setdefault("media", {})[name] = copied
    elif link := absolute(draft, value, where):
        record.setdefault("links", {}).setdefault(name, link)


def set_thumbnail(draft: Draft, record: dict, value: str, where: str) -> None:
    """A thumbnail must be a local image; a URL (Google Drive) has no place: counted."""
    value = str(value or "").strip()
    if not value or value.upper() in ("TRUE", "FALSE"):
        return
    if copied := local_media(draft, value, record["id"], ("image",)):
        record.setdefault("media", {})["thumbnail"] = copied
    else:
        draft.changes[
            "thumbnail(s) left out: ours are image files inside sitedata, these "
            "are links or missing files"
        ] += 1


def paper_from_row(draft: Draft, row: Row, uid: str, where: str) -> dict | None:
    """A paper from one row, or None (counted and reported) when its id cannot be one."""
    papers = draft.tally("papers")
    if not uid.strip():
        papers.lose("without an id")
        draft.skip(where, "paper without an id; left out")
        return None
    if not is_valid_id(uid):
        # Kept, under an id that can be a file name; sessions follow it (draft.renamed).
        new_id = slugify(uid)[:100].strip("-")
        draft.renamed[uid] = new_id
        draft.warn(where, f"paper id {uid!r} cannot be a file name or URL; it is now {new_id!r}")
        uid = new_id
    values = strip_controls(row.values, where, draft)
    row = Row(row.line, values)
    authors_cell = row.get(*AUTHORS_WITH_AFFILIATIONS) or row.get(*AUTHORS)
    paper: dict[str, Any] = {
        "id": uid,
        "title": row.get(*TITLE),
        "authors": split_authors(authors_cell),
        "_where": where,
    }
    if abstract := row.get(*ABSTRACT):
        paper["abstract"] = abstract
    if tldr := row.get(*TLDR):
        paper["tldr"] = tldr
    keywords = row.get(*KEYWORDS)
    if keywords:
        paper["keywords"] = keyword_list(draft, split_list(keywords, "|;"))
    if track := row.get(*TRACK):
        paper["track"] = draft.track(track)
    if kind := row.get(*TYPE):
        paper["type"] = kind
    links = {}
    for name, columns in (("pdf", PDF), ("code", CODE), ("project", PROJECT)):
        if (value := row.get(*columns)) and (link := absolute(draft, value, where)):
            links[name] = link
    if links:
        paper["links"] = links
    set_video(draft, paper, row.get(*VIDEO), where)
    set_pdf(draft, paper, "slides", row.get(*SLIDES), where)
    set_pdf(draft, paper, "poster", row.get(*POSTER), where)
    set_thumbnail(draft, paper, row.get(*THUMBNAIL), where)
    return paper


def keyword_list(draft: Draft, keywords: list[str]) -> list[str]:
    """At most 30 keywords of at most 80 characters: longer ones are shortened at a word."""
    kept = []
    for keyword in dict.fromkeys(" ".join(k.split()) for k in keywords if k.strip()):
        original = keyword
        if len(keyword) > 80 and "->" in keyword:  # "Area -> subarea" (START): the subarea
            keyword = keyword.rsplit("->", 1)[1].strip()
        if len(keyword) > 80:
            keyword = keyword[:79].rsplit(" ", 1)[0].rstrip(" ,;-") + "…"
        if keyword != original:
            draft.changes[
                "keyword(s) over 80 characters shortened (to the part after '->', or at a word)"
            ] += 1
        kept.append(keyword)
    if len(kept) > 30:
        draft.changes["paper(s) with over 30 keywords: the first 30 kept"] += 1
    return kept[:30]
