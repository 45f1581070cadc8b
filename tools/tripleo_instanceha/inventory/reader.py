"""Reading an inventory file: the shared safe read, the format's parser, then the nodes.

Only a file that cannot be read or has no node list at all raises here; every
other problem is collected so that it is reported with all the others.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from tripleo_instanceha import yamlio
from tripleo_instanceha.errors import InputError, Problem
from tripleo_instanceha.inventory import contradictions
from tripleo_instanceha.inventory.csv_format import parse_csv
from tripleo_instanceha.inventory.json_format import parse_json
from tripleo_instanceha.inventory.model import (Inventory, node_from_dict, node_label, node_line,
                                                type_name)
from tripleo_instanceha.inventory.yaml_format import parse_yaml

if TYPE_CHECKING:  # the plan package imports this one: its model is imported lazily
    from tripleo_instanceha.plan.nodes import Node


def parse_inventory_text(text: str, source: str, kind: Optional[str] = None
                         ) -> Tuple[Any, List[Problem]]:
    """Parse by `kind` ('json', 'yaml', 'csv') or the file extension."""
    lower = source.lower()
    if kind is None:
        if lower.endswith(".csv"):
            kind = "csv"
        elif lower.endswith(".json") or (not lower.endswith((".yaml", ".yml"))
                                         and text.lstrip()[:1] in ("{", "[")):
            kind = "json"  # JSON read as YAML trips over tabs and some escapes
        else:
            kind = "yaml"
    if kind == "csv":
        return parse_csv(text, source)
    if kind == "json":
        return parse_json(text, source)
    return parse_yaml(text, source)


def inventory_from_data(data: Any, source: str, problems: Optional[List[Problem]] = None
                        ) -> Inventory:
    """Parsed data (a list or ``{nodes: [...]}``) -> Inventory, or InputError for the shape."""
    problems = list(problems or [])
    if data is None or (isinstance(data, str) and not data.strip()):
        raise InputError.single(source, "the inventory is empty",
                                fix="list the nodes under a top-level 'nodes' key")
    if isinstance(data, dict):
        if "nodes" not in data:
            raise InputError.single(source, "no 'nodes' key at the top level",
                                    fix="put the nodes in a list under a top-level 'nodes' key")
        data = data["nodes"]
    if not isinstance(data, list):
        raise InputError.single(source, f"the nodes must be a list, not {type_name(data)}",
                                field="nodes", fix="give the nodes as a list of mappings")
    if not data:
        raise InputError(problems or [Problem(source, "the inventory has no nodes",
                                              field="nodes", fix="list at least one node")])
    nodes = []
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            problems.append(Problem(source, f"a node must be a mapping, not {type_name(raw)}",
                                    field=f"node #{index}",
                                    fix="describe each node as key: value pairs"))
            continue
        node = node_from_dict(index, raw)
        problems.extend(contradictions.find(node, source))
        nodes.append(node)
    _attribute_to_nodes(problems, nodes)
    return Inventory(source, nodes, problems)


def _attribute_to_nodes(problems: List[Problem], nodes: List[Node]) -> None:
    """Name the node a line-numbered reading problem (a duplicate key) falls in."""
    starts = [(node_line(n), n) for n in nodes if node_line(n) is not None]
    for problem in problems:
        if problem.line is None or problem.field is not None \
                or "appears twice" not in problem.message:
            continue
        owner = None
        for line, node in starts:
            if line <= problem.line:
                owner = node
            else:
                break
        if owner is not None:
            problem.field = f"node {node_label(owner)}"


def read_inventory(path: str, kind: Optional[str] = None) -> Inventory:
    """Read an inventory file; InputError if it cannot be read or holds no node list."""
    text = yamlio.read_text(path)
    if not text.strip():
        raise InputError.single(path, "the inventory is empty",
                                fix="list the nodes under a top-level 'nodes' key")
    data, problems = parse_inventory_text(text, path, kind)
    return inventory_from_data(data, path, problems)


def load_inventory(path: str) -> List[Node]:
    """Load an inventory file into nodes (raises InputError on unreadable input)."""
    inventory = read_inventory(path)
    if inventory.problems:
        raise InputError(inventory.problems)
    return inventory.nodes
