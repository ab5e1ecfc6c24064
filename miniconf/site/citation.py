"""How to cite a paper: BibTeX and a plain-text reference, built from the paper's data
and the conference's name and year (shown on each paper page with a copy button)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..structure.conference import Conference
from ..structure.models import Paper

#: BibTeX's special characters outside math, escaped with a backslash.
_BIBTEX_SPECIAL = re.compile(r"([&%#_])")
_KEY_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "towards", "with"}


@dataclass(frozen=True)
class Citation:
    key: str
    bibtex: str
    text: str


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _bibtex_value(text: str) -> str:
    """A field's text for BibTeX: specials escaped; unbalanced braces dropped (they would
    break the entry), balanced ones kept (authors use them to keep capitals)."""
    if "{" in text or "}" in text:  # rare: checked character by character
        depth = 0
        for char in text:
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth < 0:
                break
        if depth != 0:
            text = text.replace("{", "").replace("}", "")
    return _BIBTEX_SPECIAL.sub(r"\\\1", text) if _BIBTEX_SPECIAL.search(text) else text


def _last_first(name: str) -> str:
    """ "Ada M. Okafor" → "Okafor, Ada M." (a one-word name stays as it is)."""
    parts = name.rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else name


def _names_in_prose(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def cite(conference: Conference, paper: Paper) -> Citation:
    config = conference.config
    year = config.start_date.year
    names = paper.author_names
    first_author = _ascii_word(names[0].rsplit(" ", 1)[-1]) or "paper"
    title_words = [_ascii_word(word) for word in re.split(r"[\W_]+", paper.title)]
    first_word = next((w for w in title_words if w and w not in _KEY_STOPWORDS), "")
    key = f"{first_author}{year}{first_word}"
    url = f"{config.base_url.rstrip('/')}/papers/{paper.id}.html" if config.base_url else None
    fields = [
        ("title", _bibtex_value(paper.title)),
        ("author", " and ".join(_bibtex_value(_last_first(name)) for name in names)),
        ("booktitle", _bibtex_value(config.name)),
        ("year", str(year)),
    ]
    if url:
        fields.append(("url", url))
    bibtex = (
        "@inproceedings{"
        + key
        + ",\n"
        + ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        + "\n}"
    )
    text = f"{_names_in_prose(names)}. {paper.title.rstrip('.')}. In {config.name}, {year}."
    if url:
        text += f" {url}"
    return Citation(key=key, bibtex=bibtex, text=text)
