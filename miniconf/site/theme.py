"""The site's look: our templates and static files, and the organizer's overrides.

The wheel carries our theme inside the package (``miniconf/templates``,
``miniconf/static``; see pyproject.toml); a checkout of this repository has the same
folders at its top level. A conference may name a ``theme_dir`` in config.yml (a
folder inside sitedata) holding ``templates/`` and ``static/``: a file there replaces
ours with the same path, and a template there may extend ours under the ``miniconf/``
prefix, e.g. ``{% extends "miniconf/paper.html" %}``, to override single blocks.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..structure.conference import Conference
from ..structure.papercache import (
    UnsignedCache,
    cache_dir_for,
    cache_key,
    verified,
    write_signed,
)
from ..structure.problems import Problem, display_path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _builtin(name: str) -> Path:
    """Our ``templates`` or ``static`` folder: inside the installed package, or at the
    top of the checkout this package runs from."""
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


BUILTIN_TEMPLATES = _builtin("templates")
BUILTIN_STATIC = _builtin("static")

#: Templates of ours stay reachable under this prefix when an override hides them.
BUILTIN_PREFIX = "miniconf"


@dataclass(frozen=True)
class Theme:
    """Where templates and static files come from, the organizer's first."""

    override: Path | None = None

    @property
    def template_dirs(self) -> list[Path]:
        mine = [self.override / "templates"] if self.override else []
        return [*mine, BUILTIN_TEMPLATES]

    @property
    def static_dirs(self) -> list[Path]:
        mine = [self.override / "static"] if self.override else []
        return [*mine, BUILTIN_STATIC]

    @property
    def folders(self) -> list[Path]:
        """Every folder whose files shape the pages (for page reuse and reloading)."""
        return [*self.template_dirs, *self.static_dirs]

    def loader(self) -> jinja2.BaseLoader:
        return jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader([str(folder) for folder in self.template_dirs]),
                jinja2.PrefixLoader(
                    {BUILTIN_PREFIX: jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))}
                ),
            ]
        )

    def static_files(self) -> dict[str, Path]:
        """Every published static file by its path under ``static/``; an override wins."""
        files: dict[str, Path] = {}
        for folder in reversed(self.static_dirs):
            if folder.is_dir():
                for file in sorted(folder.rglob("*")):
                    if file.is_file():
                        files[file.relative_to(folder).as_posix()] = file
        return dict(sorted(files.items()))

    def override_templates(self) -> list[Path]:
        folder = self.override / "templates" if self.override else None
        if folder is None or not folder.is_dir():
            return []
        return sorted(file for file in folder.rglob("*.html") if file.is_file())


def theme_of(conference: Conference) -> Theme:
    theme_dir = conference.config.theme_dir
    return Theme((conference.root / theme_dir).resolve() if theme_dir else None)


def check_theme(
    conference: Conference, environment: Callable[[], jinja2.Environment]
) -> list[Problem]:
    """Problems in the organizer's theme: a missing folder or extra file, and every
    override template that does not compile (at its file and line). ``environment``
    makes the site's template environment; it is called only if there are templates."""
    config = conference.config
    theme = theme_of(conference)
    config_file = display_path(conference.root / "config.yml")
    if theme.override is None:
        missing = [*config.extra_css, *config.extra_js]
        return (
            [
                Problem(
                    config_file,
                    1,
                    "theme_dir",
                    f"extra_css/extra_js list {missing[0]!r} but no theme_dir holds it",
                )
            ]
            if missing
            else []
        )
    if not theme.override.is_dir():
        return [
            Problem(
                config_file,
                1,
                "theme_dir",
                f"folder {config.theme_dir!r} not found inside the sitedata folder",
            )
        ]
    problems = []
    published = theme.static_files()
    for field, names in (("extra_css", config.extra_css), ("extra_js", config.extra_js)):
        for name in names:
            if name not in published:
                expected = display_path(theme.override / "static" / name)
                problems.append(Problem(config_file, 1, field, f"no file {expected}"))
    templates = theme.override_templates()
    if not templates:
        return problems
    site_environment = environment()
    for file in templates:
        name = file.relative_to(theme.override / "templates").as_posix()
        try:
            site_environment.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            where = display_path(Path(exc.filename)) if exc.filename else display_path(file)
            problems.append(Problem(where, exc.lineno or 1, "", f"template error: {exc.message}"))
    return problems


def template_error_location(error: BaseException) -> str | None:
    """``file:line`` of the organizer's template in which a render error happened (Jinja
    puts template frames in tracebacks), or None when no override template was involved."""
    ours = BUILTIN_TEMPLATES.as_posix() + "/"
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(".html") and not frame.filename.startswith(ours):
            found = f"{display_path(Path(frame.filename))}:{frame.lineno}"
    return found


class SignedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept between freezes (``.miniconf-cache/templates/``), so a
    re-freeze does not compile them again. Jinja loads compiled code from these files
    and runs it, and the folder sits in the checkout, where a pull request can commit a
    file: each file is signed like the paper cache (papercache.py), and one without this
    machine's signature is never loaded. Jinja itself recompiles a template whose
    source changed (each file records a checksum of it)."""

    def __init__(self, folder: Path, key: bytes):
        self.folder = folder
        self.key = key

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            body = verified((self.folder / bucket.key).read_bytes(), self.key)
        except (OSError, UnsignedCache):
            return
        bucket.bytecode_from_string(body)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        write_signed(self.folder / bucket.key, bucket.bytecode_to_string(), self.key)


def template_cache(conference: Conference) -> SignedBytecodeCache | None:
    """The compiled-template cache beside sitedata, or None where no key can sign it."""
    folder = cache_dir_for(conference.root)
    key = cache_key(folder)
    return SignedBytecodeCache(folder / "templates", key) if key else None
