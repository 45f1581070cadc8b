"""Reading operator files safely and writing files that may hold secrets.

Why this module exists: inventories and environments come from operators, so
every read must turn encoding, syntax and alias-bomb problems into one
`InputError` naming the file and line; and every file that may hold a BMC or
keystone password must appear atomically with mode 0600, never half-written.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

import yaml

from tripleo_instanceha import fileio
from tripleo_instanceha.errors import InputError

#: How many YAML nodes aliases may add to one document, in total. Merge keys
#: (``<<: *defaults``) on every node of a 10,000-node inventory stay far below;
#: a "billion laughs" document passes it within a few levels. Every YAML the
#: tools read goes through this bound, and so does every value handed to Heat's
#: engine (:func:`check_expansion`), which walks shared values as copies.
MAX_EXPANSION = 1_000_000
#: Files larger than this are refused before parsing (an inventory of 10,000
#: nodes is about 5 MiB).
MAX_BYTES = fileio.MAX_BYTES

_BOMB_FIX = "write the values out instead of nesting aliases"


class ExpansionError(yaml.composer.ComposerError):
    """A document whose aliases expand past MAX_EXPANSION nodes."""


class ExpansionGuard:
    """Counts the nodes each alias adds while composing; mixed into every loader.

    Why by expansion and not by alias count: operators write ``<<: *defaults``
    on every node, which a fixed count refuses, while ~70 nested aliases
    (10**7 nodes) pass any sensible count and still exhaust a consumer that
    walks the data as a tree (Heat's engine, a dumper, a deep copy).  Sizes
    are memoised per node, so counting costs one pass over the node graph.
    """

    def _init_guard(self) -> None:
        self._expanded = 0
        self._sizes: Dict[int, int] = {}

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                self._expanded += _node_size(target, self._sizes)
                if self._expanded > MAX_EXPANSION:
                    raise ExpansionError(
                        None, None, f"YAML aliases expand to more than {MAX_EXPANSION} "
                        "nodes; refusing a document built to exhaust memory", event.start_mark)
        return yaml.composer.Composer.compose_node(self, parent, index)


def _node_size(node: yaml.Node, sizes: Dict[int, int]) -> int:
    key = id(node)
    if key not in sizes:
        sizes[key] = 1  # a node reached again while counting itself (a recursive anchor)
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(_node_size(item, sizes) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(_node_size(k, sizes) + _node_size(v, sizes) for k, v in node.value)
        else:
            size = 1
        sizes[key] = size
    return sizes[key]


class GuardedLoader(ExpansionGuard, yaml.SafeLoader):
    """SafeLoader with the expansion bound (pure Python: exact PyYAML messages)."""

    def __init__(self, stream):
        yaml.SafeLoader.__init__(self, stream)
        self._init_guard()


#: Kept for the readers that subclass it by this name.
_GuardedLoader = GuardedLoader
#: libyaml-backed variant (scanning and parsing in C, composing in Python where
#: the guard lives), or None when PyYAML was built without libyaml.
FastGuardedLoader: Optional[type] = None
if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    class _FastGuardedLoader(ExpansionGuard, yaml.composer.Composer, CParser,
                             yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """About 3x faster on large files; the same guard and constructors."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._init_guard()

    FastGuardedLoader = _FastGuardedLoader


def yaml_error(exc: BaseException, source: str, text: str = "") -> InputError:
    """The one message for a YAML document that cannot be loaded (every reader uses it)."""
    if isinstance(exc, ExpansionError):
        mark = exc.problem_mark
        return InputError.single(source, exc.problem, line=mark.line + 1 if mark else None,
                                 fix=_BOMB_FIX)
    if isinstance(exc, RecursionError):
        return InputError.single(source, "YAML nested too deeply", fix="flatten the document")
    if isinstance(exc, yaml.reader.ReaderError):
        position = exc.position if isinstance(exc.position, int) else None
        line = text[:position].count("\n") + 1 if position is not None and text else None
        return InputError.single(source, "a character YAML does not allow (a control "
                                 "character)", line=line,
                                 fix="remove it, or write the value in double quotes with an "
                                     "escape")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:
            return InputError.single(source, "YAML nested too deeply",
                                     fix="flatten the document")
        return InputError.single(source, f"broken YAML: {problem}",
                                 line=mark.line + 1 if mark else None,
                                 fix="correct the syntax at that line")
    return InputError.single(source, f"broken YAML: {type(exc).__name__}",
                             fix="correct the syntax")


def check_expansion(value: Any, source: str, limit: int = MAX_EXPANSION) -> None:
    """Refuse (InputError naming `source`) a value that expands past `limit` nodes.

    Why: YAML aliases come out of any loader as shared Python objects, small in
    memory but walked as a tree by Heat's engine; this measures the tree
    without walking it (sizes memoised per object), so the same bound applies
    to every value handed to the engine, whichever parser read it.
    """
    sizes: Dict[int, int] = {}

    def size(item: Any) -> int:
        if isinstance(item, dict):
            children: Any = (part for pair in item.items() for part in pair)
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            return 1
        key = id(item)
        if key not in sizes:
            sizes[key] = 1  # reached again while counting itself (a cycle)
            sizes[key] = 1 + sum(size(child) for child in children)
        return sizes[key]

    try:
        total = size(value)
    except RecursionError:
        raise InputError.single(source, "nested too deeply", fix="flatten the document") \
            from None
    if total > limit:
        raise InputError.single(source, f"expands to {total} values, more than {limit} "
                                "(YAML aliases nested to exhaust memory)", fix=_BOMB_FIX)


def read_text(path: str) -> str:
    """Read a UTF-8 text file (or a pipe with a writer), or raise InputError naming it."""
    data = fileio.read_bytes(path, MAX_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError.single(path, f"not valid UTF-8 (byte {exc.start})", line=line,
                                fix="save the file as UTF-8") from None
    return text.lstrip("\ufeff")


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML (which includes JSON) safely, raising InputError with the line."""
    try:
        return yaml.load(text, Loader=GuardedLoader)  # noqa: S506 - guarded SafeLoader
    except (yaml.YAMLError, RecursionError) as exc:
        raise yaml_error(exc, source, text) from None


def parse_json(text: str, source: str) -> Any:
    """Parse JSON, raising InputError with the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.single(source, f"broken JSON: {exc.msg}", line=exc.lineno,
                                fix="correct the syntax at that line") from None
    except RecursionError:
        raise InputError.single(source, "JSON nested too deeply",
                                fix="flatten the document") from None


def load_file(path: str) -> Any:
    """Load a JSON or YAML file (chosen by extension, JSON first for .json)."""
    text = read_text(path)
    if path.endswith(".json"):
        return parse_json(text, path)
    return parse_yaml(text, path)


#: The one write path (kept under this name for its many callers).
atomic_write = fileio.atomic_write


class _Dumper(yaml.SafeDumper):
    """Block-style dumper that indents lists under their key, like THT files."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def dump_yaml(data: Any) -> str:
    """Dump data as block YAML in a stable key order (input order kept)."""
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False,
                     width=100, allow_unicode=True)
