"""nodes.yaml (and any YAML inventory): the shared guarded loader plus the inventory's rules.

Duplicate keys, which YAML silently resolves to the last value, are recorded
as problems because a BMC password given twice is ambiguous.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import yaml

from tripleo_instanceha import yamlio
from tripleo_instanceha.errors import Problem, shorten
from tripleo_instanceha.inventory.lines import LineDict

#: The shared bound (kept under this name for its callers).
MAX_ALIAS_EXPANSION = yamlio.MAX_EXPANSION
_NUMBER_PREFIXES = ("0", "+0", "-0")


class _InventoryRules:
    """What an inventory loader does beyond SafeLoader (mixed into both loaders below).

    Aliases are bounded by how much they expand (yamlio's shared guard, in
    both loaders), so ``<<: *defaults`` on every node is fine. Duplicate keys
    and each mapping's line are recorded. Scalars YAML 1.1 would silently turn
    into other numbers are kept as written: an unquoted MAC such as
    52:54:00:12:34:56 (base-60 integer), a password such as 0123 (octal) or
    1.50 (float).
    """

    def _init_rules(self) -> None:
        self.duplicates: List[Tuple[str, int]] = []

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen and key_node.value != "<<":
                    self.duplicates.append((key_node.value, key_node.start_mark.line + 1))
                seen.add(key_node.value)
        mapping = LineDict(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        return mapping

    def construct_literal_int(self, node):
        text = node.value
        if ":" in text or "_" in text or (text.startswith(_NUMBER_PREFIXES)
                                          and text.lstrip("+-") != "0"):
            return self.construct_scalar(node)
        return self.construct_yaml_int(node)

    def construct_literal_float(self, node):
        return self.construct_scalar(node)


class _PureInventoryLoader(_InventoryRules, yamlio.GuardedLoader):
    def __init__(self, stream):
        yamlio.GuardedLoader.__init__(self, stream)
        self._init_rules()


LOADERS: List[type] = [_PureInventoryLoader]
if yamlio.FastGuardedLoader is not None:
    class _FastInventoryLoader(_InventoryRules, yamlio.FastGuardedLoader):
        """libyaml scans and parses (about 3x faster on a 10,000-node file); composing
        and constructing stay in Python, where the guards live."""

        def __init__(self, stream):
            yamlio.FastGuardedLoader.__init__(self, stream)
            self._init_rules()

    LOADERS.insert(0, _FastInventoryLoader)

for _loader in LOADERS:
    _loader.add_constructor("tag:yaml.org,2002:map", _InventoryRules.construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:int", _InventoryRules.construct_literal_int)
    _loader.add_constructor("tag:yaml.org,2002:float", _InventoryRules.construct_literal_float)


def parse_yaml(text: str, source: str, loader_class: Optional[type] = None
               ) -> Tuple[Any, List[Problem]]:
    loader = (loader_class or LOADERS[0])(text)
    try:
        data = loader.get_single_data()
    except (yaml.YAMLError, RecursionError) as exc:
        raise yamlio.yaml_error(exc, source, text) from None
    finally:
        loader.dispose()
    problems = [Problem(source, f"key '{shorten(key)}' appears twice in one mapping", line=line,
                        fix="keep one of them: the tools will not guess which one you meant")
                for key, line in loader.duplicates]
    return data, problems
