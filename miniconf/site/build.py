"""Freeze the site: every URL the app lists, rendered in parallel, swapped in atomically.

The URLs to write are every page (pages.py: PAGES, one list for the app and the
freezer), every other file (static files, assets, thumbnails) and, with access:
attendees, the sealed files. A page is rendered by calling its view directly (pages
need no request; Flask's request cycle would be most of a freeze for thousands of
papers), in small tasks shared out by a process pool whose forked workers each start
with the same app. The site is written to a temporary folder
beside the output and only moved into place once every page rendered, so a failed
freeze leaves the previous build untouched.
Paper and session pages whose inputs did not change since the previous build are
hard-linked from it rather than rendered again (see incremental.py).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import re
import shutil
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response
from jinja2 import TemplateError
from werkzeug.exceptions import HTTPException

from ..processes import die_with_parent, is_alive, usable_cpus
from ..structure.conference import Conference
from ..structure.pipeline_outputs import PipelineOutputs, load_pipeline_outputs
from .access import Access
from .app import create_app, site_of, site_urls
from .headers import HEADERS_FILE, headers_text
from .incremental import (
    manifest_text,
    page_keys,
    read_manifest,
    reusable_urls,
    shared_digest,
    site_file_keys,
)
from .links import Here, rendering
from .media import media_assets
from .pages import PAGES
from .swap import exchange
from .theme import template_error_location

T = TypeVar("T")

#: Marks a folder as a MiniConf build, so that freeze never deletes anything else.
BUILD_MARKER = ".miniconf-build"


class FreezeError(Exception):
    pass


@dataclass(frozen=True)
class FreezeReport:
    files: int
    bytes: int


def url_to_file(url: str) -> str:
    """A path names a file; one ending in '/' gets index.html (as Frozen-Flask maps them)."""
    path = url.split("?", 1)[0].lstrip("/")
    return path + "index.html" if not path or path.endswith("/") else path


def list_urls(app: Flask) -> list[str]:
    """Every URL to write: the site's pages and files, and with access: attendees the
    sealed files. The app knows what of the conference is published (with access:
    attendees, less the protected values; see access.py). That every link in them
    leads to a written file is what ``miniconf linkcheck`` checks."""
    site = site_of(app)
    urls = {*site_urls(site), *site.access.urls()}
    return sorted(url for url in urls if site.access.publishes(url))


def freeze_site(
    conference: Conference,
    out: Path,
    jobs: int | None = None,
    outputs: PipelineOutputs | None = None,
    access: Access | None = None,
) -> FreezeReport:
    """``outputs``: the pipeline's, published only when current (read when None);
    ``access``: what is sealed for registered attendees (from config and environment
    when None)."""
    out = Path(out).resolve()
    _refuse_dangerous_output(out, conference.root.resolve())
    # The conference's objects (10,000 papers: millions) live through the freeze: out
    # of the collector's reach, collections neither rescan them again and again nor
    # copy every memory page they sit on into each forked worker.
    gc.freeze()
    try:
        return _freeze(conference, out, jobs, outputs, access)
    finally:
        gc.unfreeze()


def _freeze(
    conference: Conference,
    out: Path,
    jobs: int | None,
    outputs: PipelineOutputs | None,
    access: Access | None,
) -> FreezeReport:
    if outputs is None:
        outputs = load_pipeline_outputs(conference)
    recover_interrupted_freezes(out)
    app = create_app(conference, outputs, access)
    urls = list_urls(app)
    site = site_of(app)
    shared = shared_digest(
        conference,
        site.theme.folders,
        media_assets(conference),
        site.policy,
        site.access.fingerprint,
    )
    # The files made from every paper are keyed first (cheaply): those unchanged are
    # linked, and the rest are rendered with every page that has no key.
    site_keys = site_file_keys(conference, site.thumbnails, shared)

    def reusable_page_keys() -> dict[str, str]:
        return page_keys(conference, outputs, site.thumbnails, shared)

    staging = _staging_folder(out, "tmp", os.getpid())
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)

    try:
        jobs = jobs or usable_cpus()
        pool_size = jobs if jobs > 1 else 0  # --jobs 1: one process, this one
        previous = read_manifest(out / BUILD_MARKER)
        if previous:
            # While workers render the pages that are always rendered, this process
            # makes the keys and links the previous build's unchanged pages; then the
            # changed ones are rendered.
            reused_site_files = _reuse_unchanged_pages(out, staging, previous, site_keys)
            reusable = reusable_urls(conference) | reused_site_files

            def reuse_pages() -> tuple[dict[str, str], set[str]]:
                keys = reusable_page_keys()
                return keys, _reuse_unchanged_pages(out, staging, previous, keys)

            # This process is busy meanwhile, so it counts as one of the jobs.
            keys, reused = _render_all(
                app,
                _largest_first([url for url in urls if url not in reusable], out),
                staging,
                workers=jobs - 1,
                meanwhile=reuse_pages,
            )
            changed = [url for url in urls if url in keys and url not in reused]
            _render_all(
                app,
                changed,
                staging,
                workers=pool_size if len(changed) > 2 * BATCH else 0,
                meanwhile=lambda: None,
            )
        else:  # a first build: the keys (for the next one) are made while workers render
            keys = _render_all(app, urls, staging, pool_size, meanwhile=reusable_page_keys)
        keys.update(site_keys)
        (staging / BUILD_MARKER).write_text(manifest_text(keys))
        # GitHub Pages would otherwise run Jekyll, which drops files starting with '_'.
        (staging / ".nojekyll").write_text("")
        (staging / HEADERS_FILE).write_text(headers_text(conference))
        report = _measure(staging)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _reuse_unchanged_pages(
    out: Path, staging: Path, previous: Mapping[str, str], keys: Mapping[str, str]
) -> set[str]:
    """Hard-link the previous build's pages whose key (``keys``) is the one recorded
    there (``previous``): their inputs did not change."""
    reused = set()
    folders: set[str] = set()
    for url, key in keys.items():
        if previous.get(url) != key:
            continue
        old, new = os.path.join(out, url_to_file(url)), _file_for(staging, url, folders)
        try:
            os.link(old, new, follow_symlinks=False)
        except FileNotFoundError:
            continue  # gone from the previous build: rendered again
        except OSError:  # another file system, or links not allowed: copy instead
            try:
                shutil.copyfile(old, new, follow_symlinks=False)
            except OSError:
                continue
        reused.add(url)
    return reused


#: URLs in one task of the rendering pool, at most: fewer when the list is short, so
#: that a few big files (schedule.xml, papers.json, ...) are shared out too.
BATCH = 64


def _largest_first(urls: list[str], previous_build: Path) -> list[str]:
    """The URLs by the size of their file in the previous build, largest first: the
    few files of every paper (papers.json, schedule.xml, ...) cost most and are
    handed out first, so that no worker is left rendering one of them alone at the end."""

    def size(url: str) -> int:
        try:
            return os.stat(os.path.join(previous_build, url_to_file(url))).st_size
        except OSError:
            return 0

    return sorted(urls, key=size, reverse=True)


def _render_all(
    app: Flask, urls: list[str], dest: Path, workers: int, meanwhile: Callable[[], T]
) -> T:
    """Render ``urls`` into ``dest`` with a pool of ``workers`` processes (none: here,
    after ``meanwhile``); returns what ``meanwhile`` returns, a task this process does
    while the pool renders."""
    if workers < 1 or "fork" not in get_all_start_methods():
        result = meanwhile()
        _render(app, urls, dest)
        return result
    # Templates compiled before the workers fork are compiled once, not once per worker
    # (one that fails to compile is reported, at its line, when a page renders it).
    for name in app.jinja_env.list_templates(filter_func=_is_page_template):
        with contextlib.suppress(TemplateError):
            app.jinja_env.get_template(name)
    # Small tasks, so that a worker that drew a big export (schedule.xml, papers.json,
    # ...) is not left finishing alone; listing pages other than papers first hands
    # those out early (a stable sort: the order given is kept otherwise).
    urls = sorted(urls, key=lambda url: url.startswith(("/papers/", "/static/")))
    size = max(1, min(BATCH, len(urls) // (32 * workers)))
    # Forked workers start with the app as this process has it: nothing is pickled but
    # the URLs of each task.
    with ProcessPoolExecutor(
        workers,
        mp_context=get_context("fork"),
        initializer=_start_rendering_worker,
        initargs=(app, dest, os.getpid()),
    ) as pool:
        try:
            tasks = [
                pool.submit(_render_in_worker, urls[start : start + size])
                for start in range(0, len(urls), size)
            ]
            result = meanwhile()
            for task in tasks:
                task.result()
        except BrokenProcessPool:
            raise FreezeError("a rendering worker stopped unexpectedly") from None
        except BaseException:  # the first failure is reported; the rest is not rendered
            pool.shutdown(cancel_futures=True)
            raise
    return result


#: What a rendering worker renders with: the app and the folder, handed over once, when
#: the pool starts the worker (a worker's own copy; the command's process never sets it).
_worker: dict[str, Any] = {}


def _start_rendering_worker(app: Flask, dest: Path, parent: int) -> None:
    die_with_parent(parent)
    _worker.update(app=app, dest=dest)


def _render_in_worker(urls: list[str]) -> None:
    _render(_worker["app"], urls, _worker["dest"])


def _is_page_template(name: str) -> bool:
    """Not ``miniconf/…``: the same templates under the name overrides extend."""
    return name.endswith(".html") and not name.startswith("miniconf/")


def _render(app: Flask, urls: list[str], dest: Path) -> None:
    folders: set[str] = set()
    adapter = app.url_map.bind("localhost")
    pages = {route.endpoint for route in PAGES}  # the views that need no request
    for url in urls:
        path = url.partition("?")[0]
        try:
            endpoint, values = adapter.match(path)
        except HTTPException:
            endpoint, values = None, {}
        try:
            if endpoint in pages:
                body = _render_page(app, endpoint, values, path)
            else:
                body = _render_request(app, url)
        except Exception as exc:  # an organizer's template: say where, not a traceback
            where = template_error_location(exc)
            if where is None:
                raise
            raise FreezeError(f"{where}: template error while rendering {path}: {exc}") from exc
        _write(_file_for(dest, url, folders), body)


def _write(file: str, body: bytes) -> None:
    """The file's bytes in three system calls (open() adds an fstat, an ioctl and a seek)."""
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def _render_page(app: Flask, endpoint: str, values: Mapping[str, Any], path: str) -> bytes:
    """A page whose view needs no request (most of a site, every paper page): the
    view is called directly, which costs a fraction of Flask's request cycle."""
    try:
        with rendering(Here(endpoint, path)):
            result = app.view_functions[endpoint](**values)
    except HTTPException as exc:
        raise FreezeError(f"{path} answered {exc.code}") from None
    if isinstance(result, str):
        return result.encode()
    assert isinstance(result, Response)  # our views return text or a Response
    result.direct_passthrough = False
    return result.get_data()


def _render_request(app: Flask, url: str) -> bytes:
    # The request cycle a test client runs (URL matching, views, error
    # handlers, after-request hooks), minus werkzeug's EnvironBuilder, which costs more
    # than rendering a page: a GET needs only this small WSGI environ.
    with app.request_context(_environ(url)):
        response = app.full_dispatch_request()
        if response.status_code != 200:
            raise FreezeError(f"{url} answered {response.status_code}")
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
    return body


def _file_for(dest: Path, url: str, folders: set[str]) -> str:
    """The file a URL is written to in ``dest``, its folder made once (``folders``
    remembers). Paths as strings: for 10,000 pages, pathlib's objects cost more than
    the writes."""
    file = os.path.join(dest, url_to_file(url))
    folder = os.path.dirname(file)
    if folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.add(folder)
    return file


def _environ(url: str) -> dict:
    path, _, query = url.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _measure(folder: Path) -> FreezeReport:
    files = total = 0
    for directory, _subdirectories, names in os.walk(folder):
        for name in names:
            files += 1
            total += os.stat(os.path.join(directory, name)).st_size
    return FreezeReport(files=files, bytes=total)


def _refuse_dangerous_output(out: Path, sitedata: Path) -> None:
    if out == Path(out.anchor) or out == Path.home().resolve() or out == Path.cwd().resolve():
        raise FreezeError(f"refusing to write the site into {out}; choose a folder such as build/")
    if out == sitedata or out in sitedata.parents or sitedata in out.parents:
        raise FreezeError(f"the output folder {out} overlaps the sitedata folder {sitedata}")
    if out.exists() and not out.is_dir():
        raise FreezeError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / BUILD_MARKER).exists():
        raise FreezeError(
            f"{out} holds files that no MiniConf freeze wrote; "
            "remove them or choose another --out (nothing was changed)"
        )


def _staging_folder(out: Path, kind: str, pid: int) -> Path:
    """``.build.tmp-PID`` (being written) or ``.build.old-PID`` (the build it replaces)."""
    return out.with_name(f".{out.name}.{kind}-{pid}")


def recover_interrupted_freezes(out: Path) -> None:
    """Clean up after freezes that were killed: their staging folders are removed, and
    a previous build moved aside by a freeze killed mid-swap is put back."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)")
    try:
        entries = sorted(out.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if not found or is_alive(int(found.group(2))) or not entry.is_dir():
            continue
        if found.group(1) == "old" and not out.exists():
            entry.rename(out)  # the previous build, back where it was
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _swap_into_place(staging: Path, out: Path) -> None:
    """Put the new build at ``out`` so that ``out`` is never missing: one atomic
    exchange where the system has one; else the old build is moved aside, and a freeze
    killed between the two renames leaves it where the next freeze puts it back."""
    if not out.exists():
        staging.rename(out)
        return
    if exchange(staging, out):  # staging now holds the previous build
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = _staging_folder(out, "old", os.getpid())
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
