"""Talks and posters: the media model, player markup, file checks, CSP, thumbnails."""

from __future__ import annotations

import dataclasses
import json
import re
import struct
from pathlib import Path

import pytest

from miniconf.site.app import content_security_policy, create_app, site_of, site_urls
from miniconf.site.thumbnails import image_size, render_first_page
from miniconf.structure.conference import Conference
from miniconf.structure.loader import load_conference
from miniconf.structure.media import Media
from miniconf.structure.models import Paper
from miniconf.structure.problems import Severity

DEMO_POSTER = Path(__file__).resolve().parent.parent / "sitedata/media/h27-001/poster.pdf"


def with_paper_media(conference: Conference, media: dict) -> Conference:
    """The demo conference whose first paper carries ``media``."""
    first = conference.papers[0]
    paper = Paper.model_validate({**first.model_dump(exclude={"media"}), "media": media})
    return dataclasses.replace(conference, papers=(paper, *conference.papers[1:]))


def paper_page(conference: Conference) -> str:
    paper_id = conference.papers[0].id
    response = create_app(conference).test_client().get(f"/papers/{paper_id}.html")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def embed_src(html: str) -> str:
    found = re.search(r'class="media-facade" data-embed-src="([^"]+)"', html)
    assert found, "no click-to-load player on the page"
    return found.group(1).replace("&amp;", "&")


PLAYERS = [
    # (how the author wrote it, the same video as provider + id, the embed URL)
    (
        "https://www.youtube.com/watch?v=Hx7Kq2LmP0a&t=30s",
        {"provider": "youtube", "id": "Hx7Kq2LmP0a"},
        "https://www.youtube-nocookie.com/embed/Hx7Kq2LmP0a?autoplay=1&rel=0",
    ),
    (
        "https://youtu.be/Hx7Kq2LmP0a",
        {"provider": "youtube", "id": "Hx7Kq2LmP0a"},
        "https://www.youtube-nocookie.com/embed/Hx7Kq2LmP0a?autoplay=1&rel=0",
    ),
    (
        "https://vimeo.com/76979871",
        {"provider": "vimeo", "id": "76979871"},
        "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1",
    ),
    (
        "https://player.vimeo.com/video/76979871",
        {"provider": "vimeo", "id": "76979871"},
        "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1",
    ),
    (
        "https://slideslive.com/38922923/some-talk",
        {"provider": "slideslive", "id": "38922923"},
        "https://slideslive.com/embed/presentation/38922923",
    ),
]


@pytest.mark.parametrize(("url", "provider_and_id", "expected"), PLAYERS)
def test_player_markup_from_url_and_from_provider_and_id(
    demo_conference, url, provider_and_id, expected
):
    from_url = paper_page(with_paper_media(demo_conference, {"video": url}))
    from_id = paper_page(with_paper_media(demo_conference, {"video": provider_and_id}))
    assert embed_src(from_url) == expected
    assert embed_src(from_id) == expected
    # Click-to-load: the page itself holds no frame, only a link to the talk on its host
    # (what works without JavaScript), which media.js turns into a real button.
    assert "<iframe" not in from_url.split('class="media"', 1)[1].split("</section>", 1)[0]
    assert '<a class="media-play" href="https://' in from_url


def test_frame_src_lists_exactly_the_player_hosts_used(demo_conference):
    demo_policy = content_security_policy(demo_conference)
    frame_src = re.search(r"frame-src ([^;]+)", demo_policy).group(1).split()
    # The demo uses every provider and frames local PDFs.
    assert sorted(frame_src) == sorted(
        [
            "'self'",
            "https://player.vimeo.com",
            "https://slideslive.com",
            "https://www.youtube-nocookie.com",
        ]
    )
    without_media = dataclasses.replace(
        demo_conference,
        papers=tuple(p.model_copy(update={"media": None}) for p in demo_conference.papers),
        speakers=tuple(s.model_copy(update={"media": None}) for s in demo_conference.speakers),
        workshops=tuple(w.model_copy(update={"media": None}) for w in demo_conference.workshops),
    )
    assert "frame-src 'none'" in content_security_policy(without_media)
    only_vimeo = with_paper_media(without_media, {"video": "https://vimeo.com/1"})
    assert "frame-src https://player.vimeo.com;" in content_security_policy(only_vimeo)


def test_self_hosted_video_with_captions(demo_conference):
    html = paper_page(
        dataclasses.replace(
            demo_conference,
            papers=(demo_conference.paper_by_id["h27-003"],),
        )
    )
    assert '<video class="media-video" controls preload="none"' in html
    assert re.search(r'<source src="\.\./assets/media/h27-003/talk\.webm" type="video/webm">', html)
    assert re.search(
        r'<track kind="captions" src="\.\./assets/media/h27-003/talk\.en\.vtt" '
        r'srclang="en"',
        html,
    )


def test_pdf_viewer_for_local_files_links_for_external_ones(demo_conference):
    html = paper_page(
        dataclasses.replace(demo_conference, papers=(demo_conference.paper_by_id["h27-003"],))
    )
    slides = html.split('id="slides-heading"', 1)[1].split("</section>", 1)[0]
    assert '<div class="pdf-viewer" data-pdf-src="../assets/media/h27-003/slides.pdf"' in slides
    assert '<a href="../assets/media/h27-003/slides.pdf" rel="noopener">Open the slides' in slides
    assert "download>Download</a>" in slides
    poster = html.split('id="poster-heading"', 1)[1].split("</section>", 1)[0]
    assert "pdf-viewer" not in poster  # another site's PDF is linked, never framed
    assert 'href="https://helios-conf.example.org/posters/h27-003.pdf"' in poster


def test_thumbnail_rendered_from_a_local_poster_once(tmp_path):
    cache = tmp_path / "cache"
    first = render_first_page(DEMO_POSTER, cache)
    assert first.rendered is not None and first.rendered.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.width == 480 and first.height == 679  # A-series portrait page
    assert image_size(first.rendered) == (480, 679)
    # The header band of the generated poster is blue: the page really was rendered.
    assert _first_pixel(first.rendered)[2] > 150
    stamp = first.rendered.stat().st_mtime_ns
    again = render_first_page(DEMO_POSTER, cache)
    assert again == first and again.rendered.stat().st_mtime_ns == stamp  # from the cache


def test_a_poster_pdfium_cannot_read_gets_a_plain_thumbnail(tmp_path, caplog):
    damaged = tmp_path / "poster.pdf"
    damaged.write_bytes(b"%PDF-1.4\nthis is no PDF body\n")
    thumbnail = render_first_page(damaged, tmp_path / "cache")
    assert (thumbnail.width, thumbnail.height) == (16, 9)
    assert "did not render" in caplog.text


def _first_pixel(png: Path) -> tuple[int, int, int]:
    import zlib

    data = png.read_bytes()
    chunks, index = b"", 8
    while index < len(data):
        length, kind = struct.unpack(">I4s", data[index : index + 8])
        if kind == b"IDAT":
            chunks += data[index + 8 : index + 8 + length]
        index += 12 + length
    row = zlib.decompress(chunks)
    assert row[0] == 0  # filter byte
    return row[1], row[2], row[3]


def test_cards_and_lists_show_thumbnails_lazily(demo_conference):
    client = create_app(demo_conference).test_client()
    papers = client.get("/papers.html").get_data(as_text=True)
    rendered = re.search(
        r'<img class="list-thumb" src="thumbnails/papers/h27-001\.png\?v=\w+" '
        r'alt="" width="480" height="679" loading="lazy"',
        papers,
    )
    given = re.search(
        r'<img class="list-thumb" src="assets/media/h27-002/thumbnail\.png" '
        r'alt="" width="480" height="270" loading="lazy"',
        papers,
    )
    assert rendered and given
    session_id = demo_conference.sessions_of_paper("h27-002")[0].id
    session = client.get(f"/sessions/{session_id}.html").get_data(as_text=True)
    assert '<img class="card-thumb" src="../assets/media/h27-002/thumbnail.png"' in session
    urls = list(site_urls(site_of(create_app(demo_conference))))
    assert "/thumbnails/papers/h27-001.png" in urls
    assert "/assets/media/h27-003/talk.webm" in urls


def test_session_pages_show_their_media(demo_conference):
    first = demo_conference.sessions[0]
    media = Media.model_validate({"video": "https://vimeo.com/42"})
    session = first.model_copy(update={"media": media})
    conference = dataclasses.replace(demo_conference, sessions=(session,))
    html = (
        create_app(conference)
        .test_client()
        .get(f"/sessions/{first.id}.html")
        .get_data(as_text=True)
    )
    assert 'data-embed-src="https://player.vimeo.com/video/42?dnt=1&amp;autoplay=1"' in html


def test_papers_json_gives_the_thumbnail_the_pages_use(frozen_demo):
    records = {r["id"]: r for r in json.loads((frozen_demo / "papers.json").read_text())}
    assert records["h27-002"]["thumbnail"] == "assets/media/h27-002/thumbnail.png"
    assert records["h27-004"]["thumbnail"] is None
    rendered = records["h27-001"]["thumbnail"]
    assert (frozen_demo / rendered.split("?")[0]).is_file()
    assert f'src="../{rendered}"' in (frozen_demo / "papers/h27-001.html").read_text()


def test_frozen_demo_publishes_media_files(frozen_demo):
    assert (frozen_demo / "assets/media/h27-003/talk.webm").stat().st_size > 1000
    assert (frozen_demo / "thumbnails/papers/h27-005.png").read_bytes()[:4] == b"\x89PNG"
    speaker = (frozen_demo / "speakers/ada-okafor.html").read_text()
    vimeo = "https://player.vimeo.com/video/347119375?dnt=1&amp;autoplay=1"
    assert f'data-embed-src="{vimeo}"' in speaker


# --------------------------------------------------------------------------- validation


def errors_of(root: Path) -> list[str]:
    conference, problems = load_conference(root)
    assert conference is None, "expected the conference to be rejected"
    return [str(p) for p in problems if p.severity is Severity.ERROR]


def add_media(root: Path, paper_id: str, block: str) -> tuple[str, int]:
    """Append a media block to a paper; returns its path and the line of ``media:``."""
    file = root / "papers" / f"{paper_id}.yml"
    text = file.read_text().split("\nmedia:", 1)[0].rstrip("\n") + "\n"
    file.write_text(text + block)
    return f"{file}", text.count("\n") + 1


def test_unknown_video_host_is_refused_with_file_and_line(sitedata_copy):
    block = "media:\n  video: https://videos.example.net/talk/42\n"
    path, line = add_media(sitedata_copy, "h27-010", block)
    first, *others = errors_of(sitedata_copy)
    assert first == (
        f"{path}:{line + 1}: media.video.url: unknown video host 'videos.example.net': embed a "
        "video from youtube.com, youtu.be, vimeo.com, slideslive.com, or put the file in "
        "sitedata/ and write video: {file: media/talk.mp4}"
    )
    assert all("no paper with id 'h27-010'" in other for other in others)


@pytest.mark.parametrize(
    ("block", "line", "message"),
    [
        ("media:\n  video: {provider: youtube, id: 'not an id'}\n", 2, "is not a YouTube video id"),
        ("media:\n  video: {provider: dailymotion, id: x7}\n", 2, "media.video.provider"),
        ("media:\n  video: {url: 'https://vimeo.com/1', file: media/x.mp4}\n", 2, "exactly one of"),
        (
            "media:\n  video: https://youtu.be/Hx7Kq2LmP0a\n  thumbnail: ../../etc/passwd.png\n",
            3,
            "is not a safe path",
        ),
        ("media:\n  thumbnail: media/drawing.svg\n", 2, "must be a .png or .jpg"),
        ("media:\n  slides: javascript:alert(1)\n", 2, "is not an http(s) URL"),
        (
            "media:\n  poster:\n    file: media/missing.pdf\n",
            3,
            "file not found: media/missing.pdf",
        ),
        (
            "media:\n  video:\n    url: https://youtu.be/Hx7Kq2LmP0a\n    captions: media/c.vtt\n",
            2,
            "captions apply to a self-hosted file",
        ),
    ],
)
def test_bad_media_is_reported_where_it_was_written(sitedata_copy, block, line, message):
    path, media_line = add_media(sitedata_copy, "h27-010", block)
    errors = errors_of(sitedata_copy)
    where = f"{path}:{media_line + line - 1}:"
    assert any(e.startswith(where) and message in e for e in errors), errors


def test_local_files_are_checked_on_every_load(sitedata_copy, tmp_path):
    """A paper comes from the cache, its poster was replaced: still caught."""
    cache = tmp_path / "cache"
    conference, _ = load_conference(sitedata_copy, cache)
    assert conference is not None
    poster = sitedata_copy / "media/h27-001/poster.pdf"
    poster.write_bytes(b"<html>not a pdf</html>")
    conference, problems = load_conference(sitedata_copy, cache)
    assert conference is None
    assert [str(p).split(": ", 1)[1] for p in problems if p.severity is Severity.ERROR] == [
        "media.poster.file: media/h27-001/poster.pdf is not a PDF file "
        "(its content does not start like one)"
    ]
    line = next(p.line for p in problems if p.severity is Severity.ERROR)
    text = (sitedata_copy / "papers/h27-001.yml").read_text().splitlines()
    assert text[line - 1].strip() == "poster: media/h27-001/poster.pdf"


def test_a_link_out_of_sitedata_is_refused(sitedata_copy, tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4\n")
    (sitedata_copy / "media/leak.pdf").symlink_to(outside)
    add_media(sitedata_copy, "h27-010", "media:\n  poster: media/leak.pdf\n")
    assert any("links outside the sitedata folder" in e for e in errors_of(sitedata_copy))


def test_speaker_media_errors_name_the_entry(sitedata_copy):
    speakers = sitedata_copy / "speakers.yml"
    text = speakers.read_text().replace(
        "video: https://player.vimeo.com/video/347119375", "video: https://example.com/v/1"
    )
    speakers.write_text(text)
    line = text.splitlines().index("    video: https://example.com/v/1") + 1
    errors = errors_of(sitedata_copy)
    assert any(e.startswith(f"{speakers}:{line}: [0].media.video") for e in errors), errors
