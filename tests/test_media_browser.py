"""Talks and posters in a real browser: nothing from a video host before play, then a player."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

STUB_PLAYER = "<!doctype html><title>stub player</title><p>player</p>"


def record_requests(page) -> list[str]:
    """Every request the page makes, in order. Requests that leave 127.0.0.1 are answered
    by a stub here, so the test never depends on (or reaches) the internet."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))

    def answer(route):
        if not external([route.request.url]):
            route.continue_()
        else:
            route.fulfill(status=200, content_type="text/html", body=STUB_PLAYER)

    page.route("**/*", answer)
    return seen


def external(urls: list[str]) -> list[str]:
    """Requests to other web hosts (not the browser's own chrome:// PDF viewer)."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname != "127.0.0.1"
    ]


def test_no_request_to_the_video_host_until_play_is_pressed(page, demo_url):
    requests = record_requests(page)
    page.goto(demo_url + "papers/h27-001.html")
    page.wait_for_load_state("load")
    page.mouse.wheel(0, 5000)  # bring lazy frames and images into view
    page.wait_for_timeout(300)
    assert any(url.startswith(demo_url + "papers/") for url in requests)
    assert external(requests) == [], "the page contacted another host before play"
    # The placeholder shows the poster's rendered first page, a local file.
    placeholder = page.locator(".media-facade img")
    assert placeholder.evaluate("img => img.complete && img.naturalWidth") == 480
    assert urlsplit(placeholder.evaluate("img => img.currentSrc")).hostname == "127.0.0.1"

    button = page.get_by_role("button", name="Play the talk")
    button.focus()
    page.keyboard.press("Enter")  # a real <button>: the keyboard plays it
    player = page.locator("iframe.media-frame")
    player.wait_for()
    assert player.get_attribute("src") == (
        "https://www.youtube-nocookie.com/embed/Hx7Kq2LmP0a?autoplay=1&rel=0"
    )
    page.wait_for_function(
        "() => document.querySelector('iframe.media-frame').contentDocument === null"
    )  # loaded cross-origin: the CSP let the frame through
    assert [urlsplit(url).hostname for url in external(requests)] == ["www.youtube-nocookie.com"]
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"
    assert page.console_errors == []


@pytest.mark.parametrize(
    ("path", "host"),
    [
        ("papers/h27-004.html", "player.vimeo.com"),
        ("papers/h27-005.html", "slideslive.com"),
        ("workshops/ws-trustworthy.html", "slideslive.com"),
    ],
)
def test_every_provider_loads_only_on_click(page, demo_url, path, host):
    requests = record_requests(page)
    page.goto(demo_url + path)
    page.wait_for_load_state("load")
    assert external(requests) == []
    page.get_by_role("button", name="Play the talk").click()
    page.locator("iframe.media-frame").wait_for()
    page.wait_for_timeout(200)
    assert [urlsplit(url).hostname for url in external(requests)] == [host]
    assert page.console_errors == []


def test_pdf_viewer_with_download_and_fallback_link(page, demo_url):
    page.goto(demo_url + "papers/h27-003.html")
    slides = page.locator("section.media-pdf", has=page.locator("#slides-heading"))
    frame = slides.locator("iframe.pdf-frame")  # made by media.js from data-pdf-src
    assert frame.get_attribute("loading") == "lazy"
    assert frame.is_visible()
    assert frame.evaluate("f => f.src") == demo_url + "assets/media/h27-003/slides.pdf"
    fallback = slides.get_by_role("link", name="Open the slides (PDF)")
    download = slides.get_by_role("link", name="Download")
    assert download.get_attribute("download") is not None
    target = fallback.evaluate("a => a.href")
    assert target == download.evaluate("a => a.href")
    response = page.request.get(target)
    assert response.ok and response.body().startswith(b"%PDF-")
    # The poster lives on another site: a link, no frame, nothing fetched from there.
    poster = page.locator("section.media-pdf", has=page.locator("#poster-heading"))
    assert poster.locator("iframe").count() == 0
    assert poster.get_by_role("link", name="Open the poster (PDF)").is_visible()
    assert page.console_errors == []


def test_self_hosted_video_plays_with_captions(page, demo_url):
    page.goto(demo_url + "papers/h27-003.html")
    video = page.locator("video.media-video")
    assert video.evaluate("v => v.preload") == "none"
    played = video.evaluate(
        """async v => {
            v.muted = true;
            await v.play();
            await new Promise(done => setTimeout(done, 600));
            const track = v.textTracks[0];
            return {time: v.currentTime, kind: track.kind, mode: track.mode,
                    cues: track.cues ? track.cues.length : 0, duration: v.duration};
        }"""
    )
    assert played["time"] > 0
    assert 2.5 < played["duration"] < 3.5
    assert played["kind"] == "captions" and played["mode"] == "showing"
    assert played["cues"] == 2
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["papers/h27-001.html", "papers/h27-003.html"])
def test_media_fits_a_phone_screen(browser, demo_url, path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(demo_url + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    links = phone.locator(".media-links a").count()
    context.close()
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    assert links >= 1  # phones show no PDF inside a page: the links are the viewer there
