"""Registered attendees only, in Chromium: a valid code or the passphrase reveals the
player, the stream link and the chat link; a wrong or revoked code does not."""

from __future__ import annotations

import re

import pytest
from access_site import PASSPHRASE, REVOKED, STREAM_URL, AttendeeSite, make_attendee_site

pytestmark = pytest.mark.browser

WRONG = re.compile("does not unlock this site")


@pytest.fixture(scope="module")
def attendee_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[AttendeeSite, dict[str, str]]:
    site = make_attendee_site(tmp_path_factory.mktemp("attendees-browser"))
    return site, site.issue_codes()


@pytest.fixture(scope="module")
def attendee_url(attendee_site, tmp_path_factory, serve_folder) -> str:
    site, _codes = attendee_site
    out = tmp_path_factory.mktemp("attendee-browser-build") / "build"
    result = site.freeze(out)
    assert result.exit_code == 0, result.output
    return serve_folder(out)


def unlock(page, typed: str) -> None:
    page.get_by_label("Conference passphrase or your personal access code").fill(typed)
    page.get_by_role("button", name="Unlock").click()


def test_a_personal_code_reveals_the_stream_the_talk_and_the_chat(
    page, attendee_site, attendee_url
):
    _site, codes = attendee_site
    page.goto(attendee_url + "sessions/d1-keynote.html")
    assert page.get_by_text("Registered attendees: unlock to watch the stream.").is_visible()
    assert page.get_by_role("link", name="Watch the stream").count() == 0
    unlock(page, codes["ada@example.org"].lower().replace("-", " "))  # as typed from a mail
    stream = page.get_by_role("link", name="Watch the stream")
    stream.wait_for()
    assert stream.get_attribute("href") == STREAM_URL
    assert page.get_by_role("status").filter(has_text="Unlocked").is_visible()
    join = page.get_by_role("link", name="Join the discussion")
    assert join.get_attribute("href") == (
        "https://chat.helios-conf.example.org/#/room/%23session-d1-keynote%3Ahelios-conf.example.org"
    )

    # Unlocked once, unlocked everywhere on the site: the next page opens as it is.
    page.goto(attendee_url + "papers/h27-001.html")
    play = page.get_by_role("button", name="Play the talk")
    play.wait_for()
    assert page.locator(".sealed").count() == 0
    # media.js set up the unlocked player and the poster viewer (a decrypted local PDF).
    play.click()
    assert "Hx7Kq2LmP0a" in page.locator("iframe.media-frame").get_attribute("src")
    poster = page.locator("iframe.pdf-frame-poster")
    assert poster.get_attribute("src").startswith("blob:")
    download = page.get_by_role("link", name="Download", exact=True)
    assert download.get_attribute("href").startswith("blob:")
    assert download.get_attribute("download") == "poster.pdf"
    assert page.get_by_role("link", name="Open the slides (PDF)").get_attribute("href") == (
        "https://helios-conf.example.org/slides/h27-001.pdf"
    )

    # A self-hosted talk plays from its decrypted bytes.
    page.goto(attendee_url + "papers/h27-003.html")
    source = page.locator("video.media-video source")
    source.wait_for(state="attached")
    assert source.get_attribute("src").startswith("blob:")
    duration = page.evaluate("""() => new Promise((resolve, reject) => {
        const video = document.querySelector("video.media-video");
        video.addEventListener("loadedmetadata", () => resolve(video.duration));
        video.addEventListener("error", () => reject(new Error("the video does not load")));
        video.preload = "metadata";
        video.load();
    })""")
    assert duration > 0

    # "Lock" forgets the key: the page is sealed again, and stays so.
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("button", name="Unlock").wait_for()
    page.goto(attendee_url + "sessions/d1-keynote.html")
    assert page.get_by_text("Registered attendees: unlock to watch the stream.").is_visible()
    assert page.get_by_role("link", name="Watch the stream").count() == 0


def test_wrong_and_revoked_codes_are_refused_with_a_message(page, attendee_site, attendee_url):
    _site, codes = attendee_site
    page.goto(attendee_url + "papers/h27-006.html")
    for typed in ("ABCD-EFGH-JKLM-NPQR", codes[REVOKED]):
        unlock(page, typed)
        message = page.locator(".unlock-message.is-error")
        message.wait_for(timeout=20_000)
        assert WRONG.search(message.inner_text())
        assert page.get_by_role("button", name="Unlock").is_enabled()
        assert page.locator(".sealed").count() == 2  # the talk, slides and poster links; the chat
        page.evaluate("document.querySelector('.unlock-message').className = 'unlock-message'")
    assert page.get_by_role("link", name="Join the discussion").count() == 0
    stored = "Object.keys(localStorage).filter(key => key.startsWith('miniconf.access'))"
    assert page.evaluate(stored) == []
    # What is public works all along: the abstract and the paper's own PDF link.
    assert page.get_by_role("link", name="Paper (PDF)").is_visible()


def test_the_passphrase_unlocks_too(page, attendee_url):
    page.goto(attendee_url + "papers/h27-006.html")
    unlock(page, f"  {PASSPHRASE} ")
    talk = page.get_by_role("link", name="Video")
    talk.wait_for(timeout=30_000)
    assert talk.get_attribute("href") == "https://videos.helios-conf.example.org/h27-006-talk-5d1e"
    assert page.get_by_role("link", name="Join the discussion").is_visible()
    assert page.console_errors == []


def test_unlock_form_is_usable_on_a_phone_by_keyboard(page, attendee_site, attendee_url):
    _site, codes = attendee_site
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(attendee_url + "sessions/d1-keynote.html")
    field = page.get_by_label("Conference passphrase or your personal access code")
    box = field.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    field.focus()
    page.keyboard.type(codes["bob@example.org"])
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Watch the stream").wait_for()
    # The page says so, and the "Lock" bar takes the focus (screen readers announce it).
    assert page.evaluate("document.activeElement.className") == "access-bar"


def test_a_page_sealed_whole_opens_with_everything_it_holds(
    page, attendee_site, tmp_path_factory, serve_folder
):
    """access.pages: [paper]: the page is its title until unlocked, then all of it,
    including the parts sealed inside it (the talk, the chat)."""
    _site, codes = attendee_site
    whole = make_attendee_site(
        tmp_path_factory.mktemp("whole"), access={"mode": "attendees", "pages": ["paper"]}
    )
    out = tmp_path_factory.mktemp("whole-build") / "build"
    assert whole.freeze(out).exit_code == 0
    url = serve_folder(out)
    page.goto(url + "papers/h27-001.html")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_text("Registered attendees: unlock to read this page.").is_visible()
    assert page.get_by_role("heading", name="Abstract").count() == 0
    unlock(page, codes["ada@example.org"])
    page.get_by_role("heading", name="Abstract").wait_for()
    assert page.get_by_role("heading", level=1).count() == 1
    # media.js runs once what it needs was unlocked: it makes the talk's link a button.
    page.get_by_role("button", name="Play the talk").wait_for()
    assert page.get_by_role("link", name="Join the discussion").is_visible()
    assert page.locator(".sealed").count() == 0


HOMESERVER = "https://matrix.helios-conf.example.org"


def stub_homeserver(route) -> None:
    """The demo's fictional Matrix homeserver, answering as a guest-readable room would."""
    url = route.request.url
    if "/register" in url:
        body = {"access_token": "guest-token"}
    elif "/directory/room/" in url:
        body = {"room_id": "!keynote:helios-conf.example.org"}
    else:
        message = {"msgtype": "m.text", "body": "Welcome to the keynote room"}
        body = {
            "chunk": [
                {
                    "type": "m.room.message",
                    "sender": "@ada:helios-conf.example.org",
                    "origin_server_ts": 1_800_000_000_000,
                    "content": message,
                }
            ]
        }
    route.fulfill(
        status=200,
        json=body,
        headers={
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
        },
    )


def test_the_chat_preview_of_an_unlocked_room_reads_its_messages(
    page, attendee_site, tmp_path_factory, serve_folder
):
    """The live preview is sealed with its room; unlocked, chat-preview.js runs on it."""
    _site, codes = attendee_site
    preview = make_attendee_site(tmp_path_factory.mktemp("preview"), chat_preview=True)
    out = tmp_path_factory.mktemp("preview-build") / "build"
    assert preview.freeze(out).exit_code == 0
    keynote = (out / "sessions" / "d1-keynote.html").read_text()
    assert "data-room-alias" not in keynote and "chat-preview.js" not in keynote
    requests: list[str] = []
    page.route(
        HOMESERVER + "/**",
        lambda route: (requests.append(route.request.url), stub_homeserver(route)),
    )
    page.goto(serve_folder(out) + "sessions/d1-keynote.html")
    page.get_by_role("button", name="Unlock").wait_for()
    assert requests == [], "a sealed room must not be read before unlocking"
    unlock(page, codes["ada@example.org"])
    page.get_by_text("Welcome to the keynote room").wait_for()
    assert any("%23session-d1-keynote%3Ahelios-conf.example.org" in url for url in requests)
