"""Safe YAML loading that remembers where every value came from.

PyYAML's safe loader, with three changes:
- mappings and sequences remember the line of each key and item, so a schema error
  on ``authors[2].name`` can be reported at the line where it was written;
- a key given twice in one mapping is an error (PyYAML keeps the last one silently);
- alias expansion is bounded, so a "billion laughs" file cannot exhaust memory.

Most files are plain nested mappings, lists and text. Those are built by a short walk
over the composed nodes (:func:`_build_plain`); PyYAML's general constructor, which
costs twice as much per value, builds everything else and reports every error.
"""

from __future__ import annotations

import re
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
        return super().construct_object(node, deep=deep)

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
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

#: First characters of the plain scalars that one of YAML 1.1's implicit types (null,
#: bool, int, float, timestamp, merge, ...) might match; any other plain scalar is text.
_TYPED_STARTS = frozenset(start for start in _LineLoader.yaml_implicit_resolvers if start)
# _resolve_fast relies on every implicit resolver being keyed by a first character and
# on there being no path resolvers: true of PyYAML's SafeLoader.
assert None not in _LineLoader.yaml_implicit_resolvers and not _LineLoader.yaml_path_resolvers


def _resolve_fast(self, kind, value, implicit):
    """``Resolver.resolve`` without its per-value dictionary look-ups and regexes for
    the common cases: the tag it returns is always the one ``resolve`` would."""
    if kind is yaml.ScalarNode:
        if not implicit[0] or (value and value[0] not in _TYPED_STARTS):
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
#: Deeper documents go to the general constructor, which decides on "nested too deeply".
_PLAIN_DEPTH = 50


class _NotPlain(Exception):
    """The document has something that only the general constructor handles."""


def _build_plain(node, loader: _LineLoader, seen: set | None, depth: int = 0) -> Any:
    """Build the value of a document made of untagged mappings with text keys (each key
    once), lists and scalars, without aliases: exactly what the general constructor
    builds for it. Raises _NotPlain on anything else (aliases, merge keys, explicit tags,
    repeated or non-text keys), which that constructor then builds or reports.

    ``seen`` collects the nodes built so far, to notice an alias (a node met twice); it
    is None for a text without ``*``, which cannot contain one.
    """
    if seen is not None:
        if node in seen:
            raise _NotPlain  # an alias, which the general constructor counts and bounds
        seen.add(node)
    kind = node.__class__
    if kind is yaml.ScalarNode:
        if node.tag == _STR:
            return node.value
        constructor = _SCALAR_CONSTRUCTORS.get(node.tag)
        if constructor is None:
            raise _NotPlain
        return constructor(loader, node)
    if depth == _PLAIN_DEPTH:
        raise _NotPlain
    if kind is yaml.MappingNode and node.tag == _MAP:
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        key_lines = mapping.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag != _STR or key_node.__class__ is not yaml.ScalarNode:
                raise _NotPlain
            key = key_node.value
            if key in key_lines:
                raise _NotPlain
            if seen is not None:
                if key_node in seen:
                    raise _NotPlain
                seen.add(key_node)
            elif value_node.tag == _STR and value_node.__class__ is yaml.ScalarNode:
                # Most values are text: skip the call (with no aliases, nothing to track).
                mapping[key] = value_node.value
                key_lines[key] = key_node.start_mark.line + 1
                continue
            mapping[key] = _build_plain(value_node, loader, seen, depth + 1)
            key_lines[key] = key_node.start_mark.line + 1
        return mapping
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        items = node.value
        sequence = LineList([_build_plain(item, loader, seen, depth + 1) for item in items])
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [item.start_mark.line + 1 for item in items]
        return sequence
    raise _NotPlain


def read_text(path: Path) -> str:
    """Read a UTF-8 text file; a BOM is dropped, invalid UTF-8 is a problem on its line."""
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise YamlProblem(1, f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}")
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
    loader = None
    try:
        loader = _LineLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _build_plain(node, loader, set() if "*" in text else None)
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
