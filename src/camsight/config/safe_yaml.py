"""YAML reading for config files: ``yaml.safe_load`` plus duplicate keys and limits on what a document builds.

PyYAML keeps the last of two equal keys without a word, and builds whatever a document describes: a
"billion laughs" document of nested aliases (``b: [*a, *a, ...]``) is a few hundred bytes that validate
into billions of values. :class:`ConfigLoader` is PyYAML's ``SafeLoader`` (the same tags and types) that
notes every repeated key and counts the nodes a document expands to while composing it, refusing it
before anything is built once the count passes :data:`MAX_NODES`.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_NODES = 200_000  # values, keys, lists and mappings, each alias use counted in full; a site needs a few thousand
MAX_DEPTH = 64  # nesting of lists and mappings; a config needs about 8, and PyYAML composes recursively
_MERGE = "tag:yaml.org,2002:merge"


class YamlLimitError(Exception):
    """The document is refused before it is built: it expands to too many nodes, or nests too deep."""


class ConfigLoader(yaml.SafeLoader):
    """``SafeLoader`` that records repeated keys and refuses documents past :data:`MAX_NODES` or :data:`MAX_DEPTH`.

    After :meth:`get_single_data`, ``duplicates`` holds ``(line, column, message)`` for every repeated key;
    the data keeps the last value of each, as ``yaml.safe_load`` does.
    """

    def __init__(self, stream: str) -> None:
        """Read ``stream`` (the document's text)."""
        super().__init__(stream)
        self.duplicates: list[tuple[int, int, str]] = []
        self._nodes = 0
        self._aliases = 0
        self._depth = 0
        self._sizes: dict[str, int] = {}  # expanded node count of each finished anchor

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node, counting it (or, for an alias, everything it stands for) against the limits."""
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        if self.check_event(AliasEvent):
            self._aliases += 1
            self._grow(self._alias_size(event), event)
            return super().compose_node(parent, index)
        anchor: str | None = event.anchor
        start = self._nodes
        self._grow(1, event)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(f"{_line(event)}: nested more than {MAX_DEPTH} levels deep")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if anchor is not None:
            self._sizes[anchor] = self._nodes - start
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Build a mapping as ``SafeLoader`` does, noting every key that appears more than once."""
        self._note_duplicates(node)
        return super().construct_mapping(node, deep=deep)

    def _alias_size(self, event: Any) -> int:
        anchor = event.anchor
        if anchor in self.anchors and anchor not in self._sizes:
            raise YamlLimitError(f"{_line(event)}: alias *{anchor} is used inside its own anchor (a loop)")
        return self._sizes.get(anchor, 0)  # an undefined alias: PyYAML reports it

    def _grow(self, count: int, event: Any) -> None:
        self._nodes += count
        if self._nodes > MAX_NODES:
            how = " once its aliases (*name) are expanded" if self._aliases else ""
            raise YamlLimitError(
                f"{_line(event)}: the document grows past {MAX_NODES:,} YAML nodes{how}; "
                "a config needs far fewer, so it is refused"
            )

    def _note_duplicates(self, node: MappingNode) -> None:
        first: dict[Hashable, tuple[int, int]] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                continue  # later keys may override merged ones (<<: *base); complex keys are rare
            key = self.construct_object(key_node)
            if not isinstance(key, Hashable):
                continue  # PyYAML reports it
            mark = key_node.start_mark
            if key not in first:
                first[key] = (mark.line + 1, 1)
                continue
            first_line, count = first[key]
            first[key] = (first_line, count + 1)
            line = mark.line + 1
            message = (
                f"line {line}: key {key!r} appears {'twice' if count == 1 else 'again'} (first at line {first_line})"
            )
            self.duplicates.append((line, mark.column, message))


def load(text: str) -> tuple[Any, list[str]]:
    r"""The data in ``text`` (as ``yaml.safe_load``) and one line per repeated key, in file order.

    Raises:
        yaml.YAMLError: the text is not YAML.
        YamlLimitError: the document expands past :data:`MAX_NODES` or nests deeper than :data:`MAX_DEPTH`.

    >>> load("a: 1\nb: 2\na: 3\n")
    ({'a': 3, 'b': 2}, ["line 3: key 'a' appears twice (first at line 1)"])
    """
    loader = ConfigLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return data, [message for *_, message in sorted(loader.duplicates)]


def _line(event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f"line {mark.line + 1}" if mark is not None else "(document)"
