"""Safe YAML loading that remembers where every value came from.

PyYAML's safe loader, with three changes:
- mappings and sequences remember the line of each key and item, so a schema error
  on ``authors[2].name`` can be reported at the line where it was written;
- a key given twice in one mapping is an error (PyYAML keeps the last one silently);
- alias expansion is bounded, so a "billion laughs" file cannot exhaust memory.

One reader: libyaml (PyYAML's C loader where it is installed) with line-tracking
constructors. Papers already validated come from the paper cache (papercache.py), so a
freeze parses only the files that changed.
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


_TEXT = "tag:yaml.org,2002:str"


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
            key = self._construct(key_node)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise YamlProblem(key_node.start_mark.line + 1, "mapping keys must be plain text")
            if key in result.key_lines:
                raise YamlProblem(
                    key_node.start_mark.line + 1,
                    f"key {key!r} given twice (first on line {result.key_lines[key]})",
                )
            result[key] = self._construct(value_node)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def _construct(self, node):
        # Plain text is most of every file: its value is the node's, as the str
        # constructor would return it, without the generic dispatch (a third of loading).
        # An alias to text goes uncounted here: a string is no cost to walk again.
        if node.tag == _TEXT and type(node) is yaml.ScalarNode:
            return node.value
        return self.construct_object(node, deep=True)

    def construct_sequence(self, node, deep=False):
        if not isinstance(node, yaml.SequenceNode):
            raise YamlProblem(node.start_mark.line + 1, "invalid YAML: !!seq needs a list")
        result = LineList(self._construct(child) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def _refuse_collection(loader: _LineLoader, node: yaml.Node) -> None:
    """!!set has no order (iterating it depends on the hash seed, so would the build);
    !!omap and !!pairs are lists of pairs no field takes. Lists are written as lists."""
    kind = node.tag.rsplit(":", 1)[-1]
    raise YamlProblem(
        node.start_mark.line + 1,
        f"invalid YAML: !!{kind} is not supported; write a list ('- item')",
    )


for _tag in ("set", "omap", "pairs"):
    _LineLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_collection)

#: Content files are opened without following a final symlink and without blocking on
#: a named pipe (fstat then refuses both); O_CLOEXEC keeps the descriptor out of children.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
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
                1,
                "is a symbolic link; content files must be regular files inside the "
                "sitedata folder (commit the file itself)",
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _NOT_REGULAR if test(info.st_mode)), "special")
            raise YamlProblem(
                1,
                f"is {kind}, not a regular file; content files must be "
                "regular files inside the sitedata folder",
            )
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
    loader = _LineLoader(text)
    try:
        return loader.get_single_data()
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
