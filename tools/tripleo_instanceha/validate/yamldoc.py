"""YAML documents that remember the line of every key.

Why: a finding is only useful if it points at the line to change. PyYAML's
node graph carries line marks; we compose it once, build the Python data from
the same nodes (no second parse) and keep a (path -> line) index beside it.
The expansion bound of `yamlio` applies, since operator files are read too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import yaml

from tripleo_instanceha import yamlio

Path = Tuple[Any, ...]


@dataclass
class YamlDoc:
    """A parsed file: its data and the 1-based line of each key path."""

    path: str
    text: str
    data: Any
    lines: Dict[Path, int] = field(default_factory=dict, repr=False)

    def line(self, *keys: Any) -> Optional[int]:
        """The line of the deepest prefix of `keys` that exists (None if none does)."""
        keys_t = tuple(str(k) if not isinstance(k, int) else k for k in keys)
        while keys_t:
            if keys_t in self.lines:
                return self.lines[keys_t]
            keys_t = keys_t[:-1]
        return None


class _LineLoader(yamlio.GuardedLoader):
    """The guarded SafeLoader, used node-first so marks survive."""


def _index(node: yaml.Node, path: Path, lines: Dict[Path, int], seen: set) -> None:
    if id(node) in seen:  # an alias: already indexed where it was anchored
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = path + (str(key_node.value),) if isinstance(key_node, yaml.ScalarNode) \
                else path + ("?",)
            lines.setdefault(key, key_node.start_mark.line + 1)
            _index(value_node, key, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            key = path + (position,)
            lines.setdefault(key, item.start_mark.line + 1)
            _index(item, key, lines, seen)


def parse(text: str, source: str) -> YamlDoc:
    """Parse `text` (named `source` in errors); raise InputError with the line if broken."""
    loader = _LineLoader(text)
    try:
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError) as exc:
        raise yamlio.yaml_error(exc, source, text) from None
    lines: Dict[Path, int] = {}
    if node is not None:
        _index(node, (), lines, set())
    return YamlDoc(source, text, data, lines)


_CACHE: Dict[str, Tuple[str, YamlDoc]] = {}


def load(path: str) -> YamlDoc:
    """Read and parse a file, reusing the parse while its text is unchanged (rules share it)."""
    text = yamlio.read_text(path)
    cached = _CACHE.get(path)
    if cached and cached[0] == text:
        return cached[1]
    doc = parse(text, path)
    _CACHE[path] = (text, doc)
    return doc
