"""Safe YAML loading that remembers where every value came from.

PyYAML's safe loader, with three changes:
- mappings and sequences remember the line of each key and item, so a schema error
  on ``authors[2].name`` can be reported at the line where it was written;
- a key given twice in one mapping is an error (PyYAML keeps the last one silently);
- alias expansion is bounded, so a "billion laughs" file cannot exhaust memory.

Reading is layered for speed, each layer giving exactly what the next one would:

- Most files use a small part of YAML: block mappings with simple keys, block lists and
  text written plainly. :func:`_read_plain` reads that part line by line in Python, and
  gives up on anything else (quotes, flow collections, block scalars, comments, tabs,
  anchors, tags, typed values, repeated keys, ...).
- libyaml then composes the nodes. A short walk over them (:func:`_build_untagged`)
  builds documents of untagged mappings, lists and scalars without aliases.
- PyYAML's general constructor builds everything else and reports every error.

libyaml, driven from Python, costs about a microsecond and a half per value (each node,
mark and tag is a Python object), the general constructor as much again.
tests/test_yamlsource.py compares the layers on the corpus, real and synthetic
sitedata and random documents.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_ALIASES = 100
MAX_FILE_BYTES = 2_000_000
#: Collections nested deeper than this are refused before parsing: libyaml's C composer
#: recurses without a limit and crashes the process near 50,000 levels, which a 100 kB
#: file of ``[[[[...`` or ``- - - - ...`` reaches. (Nesting by indentation cannot get
#: that deep within MAX_FILE_BYTES; Python's recursion limit catches it.)
MAX_FLOW_DEPTH = 100
_BRACKETS = re.compile(r"[\[\]{}]")
_COMPACT_NESTING = re.compile(rf"(?:[-?][ \t]+){{{MAX_FLOW_DEPTH},}}")
#: The faster layers leave deeper documents to the general constructor (which decides
#: on "nested too deeply").
_FAST_DEPTH = 50
#: PyYAML's implicit resolvers by first character, for the plain scalars that YAML 1.1
#: reads as null, a boolean, a number, a date, ...: a plain scalar none matches is text.
_RESOLVERS = _BaseLoader.yaml_implicit_resolvers
# The fast layers rely on every implicit resolver being keyed by a first character and
# on there being no path resolvers: true of PyYAML's SafeLoader.
assert None not in _RESOLVERS and not _BaseLoader.yaml_path_resolvers


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class LineDict(dict):
    """A dict that knows the line of each key (1-based) and of itself."""

    line: int = 1
    key_lines: dict[Any, int]


class LineList(list):
    """A list that knows the line of each item (1-based) and of itself."""

    line: int = 1
    item_lines: list[int]


# --------------------------------------------------------------------------- plain YAML

#: A simple key and its colon, then the spaces before its value. Keys are restricted to
#: what field names look like; any other line that matters is refused where an entry
#: is expected.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,99}):(?: +|$)")
#: Characters that give the first character of a plain value a meaning of its own
#: (list item, key, flow collection, comment, anchor, alias, tag, block scalar, quote,
#: directive, reserved), and a space (after "- ", odd indentation): such values are
#: left to libyaml.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")


class _NotPlain(Exception):
    """The text uses YAML beyond what _read_plain reads."""


def _read_plain(text: str) -> LineDict | LineList:
    """The value of a document in plain block YAML; raises _NotPlain for any other."""
    # Tabs, CR, NEL, line and paragraph separators, BOMs and control characters are
    # not printable (and everything printable is allowed in YAML).
    if not text.replace("\n", " ").isprintable():
        raise _NotPlain
    return _Reader(text.split("\n")).document()


def _is_text(value: str) -> bool:
    """Whether PyYAML resolves a plain scalar (not empty) to a string."""
    for _, regexp in _RESOLVERS.get(value[0], ()):  # noqa: SIM110 - faster than all()
        if regexp.match(value):
            return False
    return True


def _plain(part: str) -> bool:
    """Whether one line's part of a plain scalar (without surrounding spaces, not
    empty) is plain text: no indicator first, no colon or comment that would end it."""
    return not (part[0] in _INDICATORS or ": " in part or " #" in part or part[-1] == ":")


class _Reader:
    """Reads the lines of one document; ``pos`` is the first line not read yet."""

    def __init__(self, lines: list[str]):
        #: Each line without its indentation, and the indentation's width.
        self.contents = contents = [line.lstrip(" ") for line in lines]
        self.columns = [
            len(line) - len(content) for line, content in zip(lines, contents, strict=True)
        ]
        self.pos = 0

    def skip_blank(self) -> int:
        """Move to the next line that is not blank (blank lines separate entries);
        returns its column (-1 at the end)."""
        contents = self.contents
        pos = self.pos
        while pos < len(contents):
            if contents[pos]:
                self.pos = pos
                return self.columns[pos]
            pos += 1
        self.pos = pos
        return -1

    def document(self) -> Any:
        if self.skip_blank() != 0:
            raise _NotPlain  # empty (null), or indented: left to libyaml
        if self.contents[self.pos].startswith("- "):
            value = self.sequence(0, 0)
        else:
            value = self.mapping(0, 0)
        if self.skip_blank() != -1:
            raise _NotPlain  # more after the top-level block (an error, or "...")
        return value

    def mapping(self, column: int, depth: int, offset: int = 0) -> LineDict:
        """A block mapping whose first key is on this line, at ``column``; ``offset``:
        where the key starts in the line's content (2 after a list item's "- ")."""
        if depth > _FAST_DEPTH:
            raise _NotPlain
        contents = self.contents
        mapping = LineDict()
        mapping.line = self.pos + 1
        key_lines = mapping.key_lines = {}
        while True:
            content = contents[self.pos]
            entry = _KEY.match(content, offset)
            if entry is None:
                raise _NotPlain  # not an entry (or an item where an entry belongs)
            key = entry.group(1)
            if key in key_lines or (key[0] in _RESOLVERS and not _is_text(key)):
                raise _NotPlain  # a repeated key, or a key that is not text
            key_lines[key] = self.pos + 1
            self.pos += 1
            if entry.end() < len(content):
                mapping[key] = self.scalar(content[entry.end():], column)
            else:
                mapping[key] = self.nested(column, depth)
            next_column = self.skip_blank()
            if next_column < column:
                return mapping
            if next_column > column:
                raise _NotPlain
            offset = 0

    def nested(self, column: int, depth: int) -> LineDict | LineList:
        """The block after a key at ``column`` that has nothing after its colon."""
        next_column = self.skip_blank()
        is_list = next_column >= 0 and self.contents[self.pos].startswith("- ")
        if next_column > column or (next_column == column and is_list):
            if is_list:
                return self.sequence(next_column, depth + 1)
            return self.mapping(next_column, depth + 1)
        raise _NotPlain  # nothing: an empty value, which is null

    def sequence(self, column: int, depth: int) -> LineList:
        """A block list whose first ``- `` is on this line, at ``column``."""
        if depth > _FAST_DEPTH:
            raise _NotPlain
        contents = self.contents
        items = []
        item_lines = []
        while True:
            item_lines.append(self.pos + 1)
            content = contents[self.pos]
            if _KEY.match(content, 2):  # a mapping that starts on the item's line
                items.append(self.mapping(column + 2, depth + 1, offset=2))
            else:
                self.pos += 1
                items.append(self.scalar(content[2:], column))
            next_column = self.skip_blank()
            if next_column != column or not contents[self.pos].startswith("- "):
                if next_column > column:
                    raise _NotPlain
                break
        sequence = LineList(items)
        sequence.line = item_lines[0]
        sequence.item_lines = item_lines
        return sequence

    def scalar(self, first: str, column: int) -> str:
        """A plain scalar: ``first`` (the rest of its line), folded with the following
        lines indented more than ``column``, its block's column."""
        first = first.rstrip(" ")
        if not first or not _plain(first):
            raise _NotPlain  # empty (null, or a nested block after "- "), or not plain
        contents = self.contents
        columns = self.columns
        pos = self.pos
        parts = None
        breaks = 0
        while pos < len(contents):
            if not contents[pos]:
                breaks += 1  # a blank line: a line break in the text
            elif columns[pos] > column:
                part = contents[pos].rstrip(" ")
                if not _plain(part):
                    raise _NotPlain  # "- ", "key: " or a comment inside the text
                if parts is None:
                    parts = [first]
                parts.append("\n" * breaks if breaks else " ")
                parts.append(part)
                breaks = 0
                self.pos = pos + 1
            else:
                break
            pos += 1
        value = first if parts is None else "".join(parts)
        if value[0] in _RESOLVERS and not _is_text(value):
            raise _NotPlain
        return value


# --------------------------------------------------------------------------- libyaml


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0

    def construct_object(self, node, deep=False):
        # An already-built node is an alias being reused. Shared objects cost no memory
        # here, but validation and rendering walk them once per use: bound them.
        if node in self.constructed_objects:
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlProblem(node.start_mark.line + 1, f"more than {MAX_ALIASES} YAML aliases")
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            # A value its type cannot hold: 2027-02-30, !!int 'x'. (YamlProblem, raised
            # for a node inside this one, is not one of these: it passes on as it is.)
            kind = node.tag.rsplit(":", 1)[-1].replace("timestamp", "date")
            shown = f" {node.value!r}" if isinstance(node, yaml.ScalarNode) else ""
            raise YamlProblem(
                node.start_mark.line + 1, f"invalid YAML: the {kind}{shown} is not valid ({exc})"
            ) from None

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise YamlProblem(key_node.start_mark.line + 1, "mapping keys must be plain text")
            if key in result.key_lines:
                raise YamlProblem(
                    key_node.start_mark.line + 1,
                    f"key {key!r} given twice (first on line {result.key_lines[key]})",
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node, deep=False):
        if not isinstance(node, yaml.SequenceNode):
            raise YamlProblem(node.start_mark.line + 1, "invalid YAML: !!seq needs a list")
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def _refuse_collection(loader: _LineLoader, node: yaml.Node) -> None:
    """!!set has no order (iterating it depends on the hash seed, so would the build);
    !!omap and !!pairs are lists of pairs no field takes. Lists are written as lists."""
    kind = node.tag.rsplit(":", 1)[-1]
    raise YamlProblem(node.start_mark.line + 1,
                      f"invalid YAML: !!{kind} is not supported; write a list ('- item')")


for _tag in ("set", "omap", "pairs"):
    _LineLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_collection)

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def _resolve_fast(self, kind, value, implicit):
    """``Resolver.resolve`` without its per-value dictionary look-ups and regexes for
    the common cases: the tag it returns is always the one ``resolve`` would."""
    if kind is yaml.ScalarNode:
        if not implicit[0] or (value and value[0] not in _RESOLVERS):
            return _STR
    elif kind is yaml.MappingNode:
        return _MAP
    elif kind is yaml.SequenceNode:
        return _SEQ
    return _BaseResolve(self, kind, value, implicit)


_BaseResolve = _LineLoader.resolve
_LineLoader.resolve = _resolve_fast  # called by libyaml's composer for every node

#: Scalars of these tags are built by SafeLoader's own constructor for the tag.
_SCALAR_CONSTRUCTORS = {
    tag: _LineLoader.yaml_constructors[tag]
    for tag in (f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float",
                                                        "binary", "timestamp", "str"))
}


class _NeedsConstructor(Exception):
    """The document has something that only the general constructor handles."""


def _build_untagged(node, loader: _LineLoader, seen: set | None, depth: int = 0) -> Any:
    """Build the value of a document made of untagged mappings with text keys (each key
    once), lists and scalars, without aliases: exactly what the general constructor
    builds for it. Raises _NeedsConstructor on anything else (aliases, merge keys,
    explicit tags, repeated or non-text keys), which that constructor then builds or
    reports.

    ``seen`` collects the nodes built so far, to notice an alias (a node met twice); it
    is None for a text without ``*``, which cannot contain one.
    """
    if seen is not None:
        if node in seen:
            raise _NeedsConstructor  # an alias, which the general constructor counts and bounds
        seen.add(node)
    kind = node.__class__
    if kind is yaml.ScalarNode:
        if node.tag == _STR:
            return node.value
        constructor = _SCALAR_CONSTRUCTORS.get(node.tag)
        if constructor is None:
            raise _NeedsConstructor
        return constructor(loader, node)
    if depth == _FAST_DEPTH:
        raise _NeedsConstructor
    if kind is yaml.MappingNode and node.tag == _MAP:
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        key_lines = mapping.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag != _STR or key_node.__class__ is not yaml.ScalarNode:
                raise _NeedsConstructor
            key = key_node.value
            if key in key_lines:
                raise _NeedsConstructor
            if seen is not None:
                if key_node in seen:
                    raise _NeedsConstructor
                seen.add(key_node)
            elif value_node.tag == _STR and value_node.__class__ is yaml.ScalarNode:
                # Most values are text: skip the call (with no aliases, nothing to track).
                mapping[key] = value_node.value
                key_lines[key] = key_node.start_mark.line + 1
                continue
            mapping[key] = _build_untagged(value_node, loader, seen, depth + 1)
            key_lines[key] = key_node.start_mark.line + 1
        return mapping
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        items = node.value
        sequence = LineList([_build_untagged(item, loader, seen, depth + 1) for item in items])
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [item.start_mark.line + 1 for item in items]
        return sequence
    raise _NeedsConstructor


#: Content files are opened without following a final symlink and without blocking on
#: a named pipe (fstat then refuses both); O_CLOEXEC keeps the descriptor out of children.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(
    os, "O_CLOEXEC", 0
)
_NOT_REGULAR = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_content_bytes(path: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a content file, which must be a regular file of at most ``limit``
    bytes; raises YamlProblem (line 1) otherwise, OSError when it cannot be read.

    Content files come from pull requests, which can commit symlinks (to /dev/zero, to a
    secret outside sitedata/) and, on a checkout, named pipes: only a regular file is
    read, and never more than ``limit`` bytes of it, whatever its size claims to be.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)  # os.read: half the cost of open() for small files
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise YamlProblem(
                1, "is a symbolic link; content files must be regular files inside the "
                   "sitedata folder (commit the file itself)"
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _NOT_REGULAR if test(info.st_mode)), "special")
            raise YamlProblem(1, f"is {kind}, not a regular file; content files must be "
                                 "regular files inside the sitedata folder")
        if info.st_size > limit:
            raise YamlProblem(1, f"file is {info.st_size:,} bytes; the limit is {limit:,}")
        chunks = []
        left = limit + 1  # one byte more tells a file that grew past the limit
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(raw) > limit:
        raise YamlProblem(1, f"file is more than {limit:,} bytes, the limit")
    return raw


def read_text(path: Path | str) -> str:
    """Read a UTF-8 content file (see read_content_bytes); a BOM is dropped, invalid
    UTF-8 is a problem on its line."""
    raw = read_content_bytes(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, f"not valid UTF-8 (byte {exc.start})") from None


def _check_nesting(text: str) -> None:
    """Refuse absurd nesting. Brackets and dashes inside text count too, which is
    harmless: no real file has a hundred unclosed brackets or ``- `` in a row."""
    # Cheap counts first: most files cannot reach the limit at all (one character counts
    # fastest, and each level of compact nesting needs a '-' or a '?').
    compact = None
    if text.count("-") + text.count("?") >= MAX_FLOW_DEPTH:
        markers = sum(text.count(marker) for marker in ("- ", "? ", "-\t", "?\t"))
        compact = _COMPACT_NESTING.search(text) if markers >= MAX_FLOW_DEPTH else None
    if compact:
        line = text.count("\n", 0, compact.start()) + 1
        raise YamlProblem(line, f"invalid YAML: nested more than {MAX_FLOW_DEPTH} levels deep")
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_FLOW_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            raise YamlProblem(line, f"invalid YAML: nested more than {MAX_FLOW_DEPTH} levels deep")


def parse_yaml(text: str) -> Any:
    """Parse YAML text into LineDict/LineList values; raises YamlProblem with a line."""
    _check_nesting(text)
    try:
        return _read_plain(text)
    except (_NotPlain, RecursionError):
        pass  # libyaml reads it
    loader = None
    try:
        loader = _LineLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _build_untagged(node, loader, set() if "*" in text else None)
        except Exception:  # noqa: BLE001 - the general constructor decides, errors included
            return loader.construct_document(node)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlProblem(line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem(1, "invalid YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def line_of(data: Any, loc: Sequence[str | int]) -> int:
    """The line of the deepest value along ``loc`` that the file records."""
    line = getattr(data, "line", 1)
    node = data
    for step in loc:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line
