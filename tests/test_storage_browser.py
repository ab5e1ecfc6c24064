"""Stars, agenda and zone are kept per site: two MiniConf sites on one origin (GitHub
Pages project sites share org.github.io) must not see each other's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_sites(frozen_demo: Path, tmp_path_factory: pytest.TempPathFactory, serve_folder) -> str:
    origin = tmp_path_factory.mktemp("origin")
    for name in ("conf-a", "conf-b"):
        shutil.copytree(frozen_demo, origin / name)
    return serve_folder(origin)


def star(page) -> str:
    return page.locator(".paper [data-star]").get_attribute("aria-pressed")


def test_stars_on_one_site_are_not_seen_by_another_on_the_same_origin(browser, two_sites):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{two_sites}conf-a/papers/h27-007.html")
    page.locator(".paper [data-star]").click()
    assert star(page) == "true"
    page.goto(f"{two_sites}conf-b/papers/h27-007.html")
    assert star(page) == "false"
    page.goto(f"{two_sites}conf-b/my-papers.html")
    page.wait_for_selector("#my-papers[data-ready]")
    assert page.locator("#my-papers-list li").count() == 0
    page.goto(f"{two_sites}conf-a/papers/h27-007.html")
    assert star(page) == "true"
    context.close()


def test_stars_under_the_old_shared_key_are_carried_over_once(browser, two_sites):
    context = browser.new_context()
    # Stars saved by an earlier version, under the one key all sites shared.
    context.add_init_script("""if (!localStorage.getItem('miniconf.bookmarks'))
        localStorage.setItem('miniconf.bookmarks', '["h27-002"]');""")
    page = context.new_page()
    page.goto(f"{two_sites}conf-a/papers/h27-002.html")
    assert star(page) == "true"
    page.locator(".paper [data-star]").click()  # unstar: it must not come back
    page.reload()
    assert star(page) == "false"
    page.goto(f"{two_sites}conf-b/papers/h27-002.html")  # the other site carries them too
    assert star(page) == "true"
    context.close()
