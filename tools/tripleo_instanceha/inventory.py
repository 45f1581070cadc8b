"""Load a node inventory: instackenv.json, nodes.yaml or the CSV tripleoclient accepts.

Why: every command starts from what the operator already has, in whichever of
the three shapes tripleoclient reads. Reading is tolerant of wrong field
types (every node still becomes a `Node`, its raw entry kept) so that the
checks in `tripleo_instanceha.fencing.checks` can report *every* problem in
one pass; only a file that cannot be read or has no node list at all raises
here. Duplicate keys, which YAML and JSON silently resolve to the last value,
are recorded as problems because a BMC password given twice is ambiguous.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import yaml

from tripleo_instanceha import yamlio
from tripleo_instanceha.errors import InputError, Problem

if TYPE_CHECKING:  # the plan package imports this module: import its model lazily
    from tripleo_instanceha.plan.nodes import Node, Port

#: Classic driver prefixes (``pxe_ipmitool``) and what a hardware type is called now.
_CLASSIC_PREFIXES = ("pxe_", "agent_", "iscsi_", "fake_")
_DRIVER_ALIASES = {"ipmitool": "ipmi", "ipmitool_socat": "ipmi", "drac": "idrac",
                   "ovirt": "staging-ovirt", "staging_ovirt": "staging-ovirt"}

#: Ironic ``driver_info`` key prefixes per hardware type, tried after the ``pm_*`` keys.
DRIVER_PREFIXES: Dict[str, Tuple[str, ...]] = {
    "ipmi": ("ipmi",),
    "redfish": ("redfish",),
    "idrac": ("drac", "redfish"),
    "ilo": ("ilo", "redfish"),
    "irmc": ("irmc", "redfish"),
    "xclarity": ("xclarity", "redfish"),
    "staging-ovirt": ("ovirt",),
    "kubevirt": ("kubevirt",),
}
#: Normalised BMC field -> instackenv key, then the driver_info suffixes that mean it.
_BMC_FIELDS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "address": ("pm_addr", ("address", "host")),
    "port": ("pm_port", ("port",)),
    "username": ("pm_user", ("username",)),
    "password": ("pm_password", ("password",)),
    "system_id": ("pm_system_id", ("system_id",)),
    "verify_ca": ("redfish_verify_ca", ("verify_ca",)),
    "vm_name": ("pm_vm_name", ("vm_name",)),
    "namespace": ("pm_namespace", ("namespace",)),
    "kubeconfig": ("pm_kubeconfig", ("kubeconfig",)),
    # ironic's per-node IPMI settings (ipmi_priv_level, ipmi_cipher_suite, ...)
    "priv_level": ("pm_priv_level", ("priv_level",)),
    "cipher_suite": ("pm_cipher_suite", ("cipher_suite",)),
    "protocol_version": ("pm_protocol_version", ("protocol_version",)),
}

_MAC_RE = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$", re.IGNORECASE)
_MAC_DOTTED_RE = re.compile(r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$", re.IGNORECASE)


@dataclass
class Inventory:
    """The nodes of one file plus what reading it already found wrong."""

    source: str
    nodes: List[Node]
    problems: List[Problem] = field(default_factory=list)


def normalise_mac(value: Any) -> Optional[str]:
    """'52-54-00-AA-BB-CC' / '5254.00aa.bbcc' -> '52:54:00:aa:bb:cc'; None if malformed."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if _MAC_RE.match(text):
        return text.replace("-", ":")
    if _MAC_DOTTED_RE.match(text):
        digits = text.replace(".", "")
        return ":".join(digits[i:i + 2] for i in range(0, 12, 2))
    return None


def parse_capabilities(value: Any) -> Dict[str, str]:
    """'profile:compute,boot_option:local' or a mapping -> dict (malformed items dropped)."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    caps: Dict[str, str] = {}
    if isinstance(value, str):
        for item in value.split(","):
            if ":" in item:
                key, _, val = item.partition(":")
                caps[key.strip()] = val.strip()
    return caps


def normalise_driver(pm_type: Any) -> Any:
    """'pxe_ipmitool' -> 'ipmi', 'pxe_drac' -> 'idrac'; hardware types pass through."""
    if not isinstance(pm_type, str):
        return pm_type
    driver = pm_type.strip().lower()
    for prefix in _CLASSIC_PREFIXES:
        if driver.startswith(prefix) and len(driver) > len(prefix):
            driver = driver[len(prefix):]
            break
    return _DRIVER_ALIASES.get(driver, driver)


@functools.lru_cache(maxsize=None)
def _candidates(prefixes: Tuple[str, ...], use_pm: bool) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """Per normalised field, the keys that may hold it, in precedence order."""
    return tuple(
        (name, ((pm_key,) if use_pm else ())
         + tuple(f"{prefix}_{suffix}" for prefix in prefixes for suffix in suffixes))
        for name, (pm_key, suffixes) in _BMC_FIELDS.items())


def bmc_fields(raw: Dict[str, Any], driver: Any, prefixes: Optional[Tuple[str, ...]] = None
               ) -> Dict[str, Any]:
    """The node's BMC fields: ``pm_*`` keys first, then the driver's driver_info keys
    (at the top level of the entry or in its ironic-style ``driver_info`` mapping).

    `prefixes` picks another protocol's keys (e.g. ``("redfish",)`` for the
    Redfish path of an iDRAC that also has ``drac_*`` keys).
    """
    use_pm = prefixes is None
    if prefixes is None:
        prefixes = DRIVER_PREFIXES.get(driver, ()) if isinstance(driver, str) else ()
    info = raw.get("driver_info")
    if not isinstance(info, dict):
        info = None
    bmc: Dict[str, Any] = {}
    for name, keys in _candidates(prefixes, use_pm):
        for key in keys:
            value = raw.get(key)
            if value is None and info is not None:
                value = info.get(key)
            if value is not None:
                bmc[name] = value
                break
    return bmc


def _bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off"):
        return False
    return None


def node_ports(raw: Dict[str, Any]) -> List[Port]:
    """``ports`` (``address``, ``pxe_enabled``), else the deprecated ``mac`` list."""
    from tripleo_instanceha.plan.nodes import Port
    ports: List[Port] = []
    items = raw.get("ports")
    if isinstance(items, list):
        for port in items:
            if isinstance(port, dict) and isinstance(port.get("address"), str):
                address = port["address"]
                ports.append(Port(normalise_mac(address) or address,
                                  _bool(port.get("pxe_enabled"))))
    if not ports:
        macs = raw.get("mac")
        if isinstance(macs, str):
            macs = [macs]
        if isinstance(macs, list):
            for mac in macs:
                if isinstance(mac, str):
                    ports.append(Port(normalise_mac(mac) or mac))
    return ports


def node_from_dict(index: int, raw: Dict[str, Any]) -> Node:
    """One inventory entry -> Node; never raises on wrong field types."""
    from tripleo_instanceha.plan.nodes import Node
    caps_value = raw.get("capabilities")
    if caps_value is None and isinstance(raw.get("properties"), dict):
        caps_value = raw["properties"].get("capabilities")
    driver = normalise_driver(raw.get("pm_type", raw.get("driver")))
    name = raw.get("name")
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = str(name)
    return Node(index=index, name=name if isinstance(name, str) and name else None,
                driver=driver, bmc=bmc_fields(raw, driver), ports=node_ports(raw),
                capabilities=parse_capabilities(caps_value), raw=raw)


# -- reading -------------------------------------------------------------------

class _LineDict(dict):
    """A mapping that remembers the line it started on (for messages)."""

    line: Optional[int] = None


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
        mapping = _LineDict(super().construct_mapping(node, deep=deep))
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


_LOADERS: List[type] = [_PureInventoryLoader]
if yamlio.FastGuardedLoader is not None:
    class _FastInventoryLoader(_InventoryRules, yamlio.FastGuardedLoader):
        """libyaml scans and parses (about 3x faster on a 10,000-node file); composing
        and constructing stay in Python, where the guards live."""

        def __init__(self, stream):
            yamlio.FastGuardedLoader.__init__(self, stream)
            self._init_rules()

    _LOADERS.insert(0, _FastInventoryLoader)

for _loader in _LOADERS:
    _loader.add_constructor("tag:yaml.org,2002:map", _InventoryRules.construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:int", _InventoryRules.construct_literal_int)
    _loader.add_constructor("tag:yaml.org,2002:float", _InventoryRules.construct_literal_float)


def _parse_yaml(text: str, source: str, loader_class: Optional[type] = None
                ) -> Tuple[Any, List[Problem]]:
    loader = (loader_class or _LOADERS[0])(text)
    try:
        data = loader.get_single_data()
    except (yaml.YAMLError, RecursionError) as exc:
        raise yamlio.yaml_error(exc, source, text) from None
    finally:
        loader.dispose()
    problems = [Problem(source, f"key '{key}' appears twice in one mapping", line=line,
                        fix="keep one of them: the tools will not guess which one you meant")
                for key, line in loader.duplicates]
    return data, problems


def _parse_json(text: str, source: str) -> Tuple[Any, List[Problem]]:
    duplicates: List[str] = []

    def pairs(items):
        result: Dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError.single(source, f"broken JSON: {exc.msg}", line=exc.lineno,
                                fix="correct the syntax at that line") from None
    except RecursionError:
        raise InputError.single(source, "JSON nested too deeply", fix="flatten the document") \
            from None
    problems = [Problem(source, f"key '{key}' appears twice in one object",
                        fix="keep one of them: the tools will not guess which one you meant")
                for key in duplicates]
    return _with_json_lines(text, data), problems


_WS = re.compile(r"[ \t\n\r]*")


def _with_json_lines(text: str, data: Any) -> Any:
    """Give each node mapping the line it starts on, so messages can point at it.

    json has no positions, so the node list is walked once more with
    raw_decode; anything unexpected just leaves the lines out.
    """
    nodes = data.get("nodes") if isinstance(data, dict) else data
    if not isinstance(nodes, list) or not nodes:
        return data
    try:
        decoder = json.JSONDecoder()
        pos = _WS.match(text, 0).end()
        if isinstance(data, dict):
            if text[pos] != "{":
                return data
            pos += 1
            while True:
                pos = _WS.match(text, pos).end()
                key, pos = decoder.raw_decode(text, pos)
                pos = _WS.match(text, pos).end() + 1  # the colon
                pos = _WS.match(text, pos).end()
                if key == "nodes":
                    break
                _, pos = decoder.raw_decode(text, pos)
                pos = _WS.match(text, pos).end() + 1  # the comma
        if text[pos] != "[":
            return data
        pos += 1
        line, counted, starts = 1, 0, []
        for _ in nodes:
            pos = _WS.match(text, pos).end()
            line += text.count("\n", counted, pos)
            counted = pos
            starts.append(line)
            _, pos = decoder.raw_decode(text, pos)
            pos = _WS.match(text, pos).end() + 1  # the comma or the closing bracket
    except (ValueError, IndexError, RecursionError):
        return data
    for index, (raw, start) in enumerate(zip(nodes, starts)):
        if isinstance(raw, dict):
            nodes[index] = _LineDict(raw)
            nodes[index].line = start
    return data


_CSV_COLUMNS = ("pm_type", "pm_addr", "pm_user", "pm_password", "mac")


def _parse_csv(text: str, source: str) -> Tuple[Any, List[Problem]]:
    """tripleoclient's CSV: pm_type, pm_addr, pm_user, pm_password, mac[, pm_port]."""
    nodes: List[Dict[str, Any]] = []
    problems: List[Problem] = []
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError.single(source, f"broken CSV: {exc}", fix="correct the CSV syntax") \
            from None
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() == "pm_type":
            continue  # a header row
        if len(cells) < 5:
            problems.append(Problem(source, f"row has {len(cells)} columns, needs at least 5",
                                    line=number,
                                    fix="write pm_type,pm_addr,pm_user,pm_password,mac[,pm_port]"))
            continue
        if len(cells) > 6:
            problems.append(Problem(source, f"row has {len(cells)} columns, at most 6 are read",
                                    line=number,
                                    fix="write pm_type,pm_addr,pm_user,pm_password,mac[,pm_port]"))
            continue
        node = _LineDict(zip(_CSV_COLUMNS[:4], cells[:4]))
        node["mac"] = [cells[4]]
        if len(cells) == 6 and cells[5]:
            node["pm_port"] = cells[5]
        node.line = number
        nodes.append(node)
    return nodes, problems


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
        return _parse_csv(text, source)
    if kind == "json":
        return _parse_json(text, source)
    return _parse_yaml(text, source)


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
        nodes.append(node_from_dict(index, raw))
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


def node_label(node: Node, limit: int = 60) -> str:
    """How messages name a node: its name (escaped, cut to `limit`) and its position."""
    if not node.name:
        return f"#{node.index}"
    name = node.name if len(node.name) <= limit else node.name[:limit] + "..."
    return f"{name if name.isprintable() else repr(name)[1:-1]} (#{node.index})"


def node_line(node: Node) -> Optional[int]:
    """The line the node's entry starts on, when the format tells us."""
    return getattr(node.raw, "line", None)


def type_name(value: Any) -> str:
    """How messages name a YAML/JSON type (never its value: it may be a password)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
