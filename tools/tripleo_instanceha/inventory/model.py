"""The inventory's node model: one entry of any format -> a normalised `Node`.

Why apart from the parsers: the three formats differ only in syntax; what a
node means (its driver, BMC fields, ports, capabilities) is decided once,
here, whatever file it came from. Reading is tolerant of wrong field types
(every node still becomes a `Node`, its raw entry kept) so that the checks in
`tripleo_instanceha.fencing.checks` can report *every* problem in one pass.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from tripleo_instanceha.errors import SHOWN_MAX, Problem, shorten

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
BMC_FIELDS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
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
        for name, (pm_key, suffixes) in BMC_FIELDS.items())


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


def node_label(node: Node, limit: int = SHOWN_MAX) -> str:
    """How messages name a node: its name (escaped, cut to `limit`) and its position."""
    if not node.name:
        return f"#{node.index}"
    name = shorten(node.name, limit)
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
