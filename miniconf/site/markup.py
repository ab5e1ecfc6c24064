"""Markdown from sitedata, rendered and then sanitized, since authors' text is untrusted.

markdown-it-py renders CommonMark with raw HTML disabled; nh3 (the Rust ammonia
sanitizer) then keeps only an allow-list of tags and attributes and only http(s),
mailto and relative links, so no author text can run script on a page.

Math: ``$…$`` (inline) and ``$$…$$`` (display) are rendered at build time to MathML
by latex2mathml, which browsers draw themselves (no script, no CDN). The math is cut
out before Markdown sees it (so ``_`` and ``*`` in it stay math), then put back after
sanitizing, itself sanitized with an allow-list of MathML elements only.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import nh3
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


#: MathML Core's presentation elements and the attributes latex2mathml writes: all that
#: math may contain (no links, no styles, no events; <script> inside $…$ is text).
MATH_TAGS = {
    "math",
    "mi",
    "mn",
    "mo",
    "ms",
    "mspace",
    "mtext",
    "mrow",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "merror",
    "mpadded",
    "mphantom",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mmultiscripts",
    "mprescripts",
    "none",
    "mtable",
    "mtr",
    "mtd",
    "menclose",
    "semantics",
    "annotation",
}
_MATH_ATTRIBUTES = {
    "display",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "lspace",
    "rspace",
    "accent",
    "accentunder",
    "movablelimits",
    "largeop",
    "symmetric",
    "minsize",
    "maxsize",
    "width",
    "height",
    "depth",
    "linethickness",
    "columnalign",
    "rowalign",
    "columnspan",
    "rowspan",
    "columnlines",
    "rowlines",
    "frame",
    "notation",
    "scriptlevel",
    "displaystyle",
}
MATH_ATTRIBUTES = {tag: _MATH_ATTRIBUTES for tag in MATH_TAGS}

#: $$display$$, or $inline$: the opening $ not after a letter, digit, \ or $ and not
#: before a space; the closing one not after a space or \ and not before a digit or
#: letter, so "costs $5 and $10" stays text.
_MATH = re.compile(
    r"\$\$(?P<display>[^$]+?)\$\$"
    r"|(?<![\\$\w])\$(?P<inline>(?=\S)[^$\n]*?[^\s\\])\$(?![\w$])"
)
#: Private-use characters mark where math was cut out; authors' text may not hold them.
_SLOT_OPEN, _SLOT_CLOSE = "\ue000", "\ue001"
_SLOT = re.compile(f"{_SLOT_OPEN}(\\d+){_SLOT_CLOSE}")


@cache
def _mathml_converter():
    from latex2mathml.converter import convert

    return convert


def _math_html(latex: str, display: bool) -> str | None:
    """The sanitized MathML of some LaTeX; None when latex2mathml cannot read it."""
    try:
        mathml = _mathml_converter()(latex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any LaTeX it cannot parse stays as the author wrote it
        return None
    return _math_cleaner().clean(mathml)


@cache
def _math_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(tags=MATH_TAGS, attributes=MATH_ATTRIBUTES, strip_comments=True)


def _cut_math(text: str) -> tuple[str, list[str]]:
    """The text with each formula replaced by a numbered slot, and the formulas' MathML."""
    formulas: list[str] = []

    def slot(match: re.Match) -> str:
        display = match.group("display") is not None
        html = _math_html(match.group("display") or match.group("inline"), display)
        if html is None:
            return match.group(0)
        formulas.append(html)
        return f"{_SLOT_OPEN}{len(formulas) - 1}{_SLOT_CLOSE}"

    text = text.replace(_SLOT_OPEN, "").replace(_SLOT_CLOSE, "")
    return _MATH.sub(slot, text), formulas


def _put_math(html: str, formulas: list[str]) -> str:
    return _SLOT.sub(lambda match: formulas[int(match.group(1))], html)


@cache
def _parser() -> MarkdownIt:
    """The Markdown parser, made (and markdown-it imported) when a text first needs it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        "table"
    )


#: A relative link that a browser follows to another host (it reads ``\\`` as ``/``).
_OTHER_HOST = re.compile(r"\s*[/\\]{2}")


def _same_site_links(tag: str, attribute: str, value: str) -> str | None:
    """nh3 passes relative links through; ``//evil.example`` is relative only in name."""
    if attribute == "href" and _OTHER_HOST.match(value):
        return None  # the link's text stays, without the link
    return value


@cache
def _cleaner() -> nh3.Cleaner:
    """One sanitizer for every text: building ammonia's rules once makes each call
    several times cheaper than nh3.clean with the same options."""
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_same_site_links,
    )


def sanitize(html: str) -> str:
    return _cleaner().clean(html)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Markdown → sanitized HTML, safe to insert into a page as is."""
    if not text:
        return Markup("")
    formulas: list[str] = []
    if "$" in text:
        text, formulas = _cut_math(text)
    # Headings inside a paper's abstract must not outrank the page's own <h1>.
    html = _parser().render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return Markup(_put_math(sanitize(html), formulas))


@lru_cache(maxsize=4096)
def render_inline(text: str) -> Markup:
    """Markdown without block elements (one-line fields such as a TL;DR)."""
    if not text:
        return Markup("")
    formulas: list[str] = []
    if "$" in text:
        text, formulas = _cut_math(text)
    return Markup(_put_math(sanitize(_parser().renderInline(text)), formulas))


@lru_cache(maxsize=4096)
def render_title(text: str) -> Markup:
    """A plain-text field (a title) as HTML: escaped, with its $…$ math as MathML."""
    if "$" not in text:
        return escape(text)
    cut, formulas = _cut_math(text)
    return Markup(_put_math(str(escape(cut)), formulas))
