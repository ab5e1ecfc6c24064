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
import string
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import nh3
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


#: MathML Core's presentation elements and the attributes latex2mathml writes: all that
#: math may contain (no links, no styles, no events; <script> inside $…$ is text).
MATH_TAGS = {
    "math", "mi", "mn", "mo", "ms", "mspace", "mtext", "mrow", "mfrac", "msqrt", "mroot",
    "mstyle", "merror", "mpadded", "mphantom", "msub", "msup", "msubsup", "munder", "mover",
    "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "menclose",
    "semantics", "annotation",
}
_MATH_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
    "accentunder", "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "width",
    "height", "depth", "linethickness", "columnalign", "rowalign", "columnspan", "rowspan",
    "columnlines", "rowlines", "frame", "notation", "scriptlevel", "displaystyle",
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
    return nh3.clean(mathml, tags=MATH_TAGS, attributes=MATH_ATTRIBUTES, strip_comments=True)


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
    """The Markdown parser, made (and markdown-it imported) when a text first needs it:
    plain prose never does, and starting a freeze is on every build's critical path."""
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


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_same_site_links,
    )


#: Plain prose: text made only of letters, digits, spaces, ``.,;:'"?%/()!$@+=-`` and
#: typographic dashes and quotes, in lines that neither start nor end with a space nor
#: start with ``-``, ``+``, ``=`` or ``1.``, has no Markdown in it: outside those
#: characters anything could start emphasis, a link, code, an entity or HTML; those
#: line starts make lists, headings and code blocks, a line's last spaces a break.
_PLAIN_PUNCTUATION = " \n.,;:'\"?%/()!$@+=-"
_PLAIN_ASCII = (string.ascii_letters + string.digits + _PLAIN_PUNCTUATION).encode()
_NOT_PLAIN_CHAR = re.compile(r"[^\w \n.,;:'\"?%/()!$@+=\-–—‘’“”…]|_")
_ORDERED_ITEM = re.compile(r"\d+[.)]")


def _is_plain(text: str) -> bool:
    # Checked with C-speed string methods: a regex over every character of 10,000
    # abstracts costs more than rendering their pages.
    if text.isascii():
        if text.encode("ascii").translate(None, _PLAIN_ASCII):
            return False
    elif _NOT_PLAIN_CHAR.search(text):
        return False
    for line in text.split("\n"):
        if line and (
            line[0] in " -+=" or line[-1] == " " or _ORDERED_ITEM.match(line) is not None
        ):
            return False
    return True


def _plain_paragraphs(text: str) -> str | None:
    """The sanitized HTML of plain prose, as the parser and the sanitizer together make
    it: its paragraphs, the text as it is (it holds no '&', '<' or '>'); None for any
    text that could hold Markdown. Much faster than parsing and sanitizing, which
    matters for 10,000 abstracts; tests check that both give the same HTML."""
    if not _is_plain(text):
        return None
    paragraphs = [part.strip("\n") for part in text.split("\n\n")]
    return "".join(f"<p>{part}</p>\n" for part in paragraphs if part)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Markdown → sanitized HTML, safe to insert into a page as is."""
    if not text:
        return Markup("")
    formulas: list[str] = []
    if "$" in text:
        text, formulas = _cut_math(text)
    plain = _plain_paragraphs(text) if not formulas else None
    if plain is not None:
        return Markup(plain)
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
    if not formulas and "\n" not in text and _is_plain(text):
        return Markup(text)  # plain prose: what parsing and sanitizing would give
    return Markup(_put_math(sanitize(_parser().renderInline(text)), formulas))


@lru_cache(maxsize=4096)
def render_title(text: str) -> Markup:
    """A plain-text field (a title) as HTML: escaped, with its $…$ math as MathML."""
    if "$" not in text:
        return escape(text)
    cut, formulas = _cut_math(text)
    return Markup(_put_math(str(escape(cut)), formulas))
