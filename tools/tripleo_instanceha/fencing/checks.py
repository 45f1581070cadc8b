"""Every problem of an inventory, found in one pass, each naming node, field and fix.

Why one pass: an operator with forty nodes should fix the file once, not run
the command forty times (tripleo-common stops at the first unknown driver,
and crashes with a KeyError on a missing field). Messages never carry a
password: only names, addresses, MACs and ports are quoted.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from tripleo_instanceha.errors import Problem, shorten
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.inventory import node_label, node_line, normalise_mac, type_name
from tripleo_instanceha.plan.nodes import Node

SUPPORTED = ", ".join(sorted(D.DRIVER_PROTOCOLS))
_BREAKS = re.compile("[\n\r\0]")
_SHELL_SPECIAL = re.compile(r'["$`\\]')


def quote(value: Any) -> str:
    """A value safe to show (never used for passwords), cut to a readable length."""
    return repr(shorten(value))


def printable(text: str) -> str:
    """Text safe for a terminal (control characters and lone surrogates escaped)."""
    return text if text.isprintable() else repr(text)[1:-1]


label = node_label


class Collector:
    """Problems and warnings of one run, attributed to a source file."""

    def __init__(self, source: str):
        self.source = source
        self.problems: List[Problem] = []
        self.warnings: List[Problem] = []

    def node(self, node: Node, key: str, message: str, fix: str, warn: bool = False) -> None:
        problem = Problem(self.source, message, fix=fix, field=f"node {label(node)}: {key}",
                          line=node_line(node))
        (self.warnings if warn else self.problems).append(problem)

    def general(self, message: str, fix: str, field: Optional[str] = None,
                warn: bool = False) -> None:
        problem = Problem(self.source, message, fix=fix, field=field)
        (self.warnings if warn else self.problems).append(problem)


# -- structure: every node -----------------------------------------------------

def check_structure(nodes: Sequence[Node], out: Collector) -> None:
    """Types, MACs, capabilities and duplicate names/MACs, for every node in the file."""
    names: Dict[str, Node] = {}
    macs: Dict[str, Node] = {}
    for node in nodes:
        raw = node.raw
        name = raw.get("name")
        if name is not None and not isinstance(name, str) and (
                isinstance(name, bool) or not isinstance(name, (int, float))):
            out.node(node, "name", f"must be text, not {type_name(name)}",
                     "give the node a name like compute-0")
        elif isinstance(name, str) and not name.strip():
            out.node(node, "name", "is empty", "give the node a name or remove the key")
        if node.name:
            key = node.name.lower()
            if key in names:
                out.node(node, "name", f"{quote(node.name)} is also the name of node "
                         f"#{names[key].index}", "give every node its own name")
            else:
                names[key] = node
        pm_type = raw.get("pm_type", raw.get("driver"))
        if pm_type is None:
            out.node(node, "pm_type", "is missing",
                     f"set pm_type to the node's ironic driver ({SUPPORTED})")
        elif not isinstance(pm_type, str) or not pm_type.strip():
            out.node(node, "pm_type", f"must be a driver name, not {type_name(pm_type)}",
                     f"use one of {SUPPORTED}")
        info = raw.get("driver_info")
        if info is not None and not isinstance(info, dict):
            out.node(node, "driver_info", f"must be a mapping, not {type_name(info)}",
                     "give ironic driver_info as key: value pairs")
        _check_ports(node, out, macs)
        _check_capabilities(node, out)


def _check_ports(node: Node, out: Collector, seen: Dict[str, Node]) -> None:
    raw = node.raw
    addresses: List[Tuple[str, Any]] = []
    ports = raw.get("ports")
    if ports is not None:
        if not isinstance(ports, list):
            out.node(node, "ports", f"must be a list, not {type_name(ports)}",
                     "write ports: [{address: 52:54:00:aa:bb:cc}]")
        else:
            for i, port in enumerate(ports):
                where = f"ports[{i}]"
                if not isinstance(port, dict):
                    out.node(node, where, f"must be a mapping, not {type_name(port)}",
                             "write {address: 52:54:00:aa:bb:cc}")
                    continue
                if "address" not in port:
                    out.node(node, f"{where}.address", "is missing",
                             "give the port's MAC address")
                    continue
                addresses.append((f"{where}.address", port["address"]))
                pxe = port.get("pxe_enabled")
                if pxe is not None and not isinstance(pxe, bool) and not (
                        isinstance(pxe, str) and pxe.strip().lower() in ("true", "false")):
                    out.node(node, f"{where}.pxe_enabled", f"must be true or false, "
                             f"not {type_name(pxe)}", "write pxe_enabled: true")
    mac = raw.get("mac")
    if mac is not None:
        if isinstance(mac, str):
            addresses.append(("mac", mac))
        elif not isinstance(mac, list):
            out.node(node, "mac", f"must be a list of MAC addresses, not {type_name(mac)}",
                     "write mac: [52:54:00:aa:bb:cc], or better ports: [{address: ...}]")
        else:
            addresses.extend((f"mac[{i}]", m) for i, m in enumerate(mac))
    own: Dict[str, str] = {}  # MAC -> "ports" or "mac": the same NIC may be in both lists
    for where, value in addresses:
        if not isinstance(value, str):
            out.node(node, where, f"must be a MAC address, not {type_name(value)}",
                     "write it as six hex pairs, e.g. 52:54:00:aa:bb:cc (quote it in YAML)")
            continue
        normal = normalise_mac(value)
        if normal is None:
            out.node(node, where, f"{quote(value)} is not a MAC address",
                     "write six hex pairs, e.g. 52:54:00:aa:bb:cc")
            continue
        if normal in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff") or int(normal[:2], 16) & 1:
            out.node(node, where, f"{quote(value)} is not a NIC address (zero, broadcast or "
                     "multicast)", "use the MAC of the node's provisioning NIC")
            continue
        kind = where.split("[")[0]
        if normal in own:
            if own[normal] == kind:
                out.node(node, where, f"MAC {normal} is listed twice for this node",
                         "list each port once")
            continue
        own[normal] = kind
        if normal in seen:
            out.node(node, where, f"MAC {normal} also belongs to node {label(seen[normal])}",
                     "every NIC has its own MAC: correct the copy-pasted one")
        else:
            seen[normal] = node


def _check_capabilities(node: Node, out: Collector) -> None:
    caps = node.raw.get("capabilities")
    if caps is None and isinstance(node.raw.get("properties"), dict):
        caps = node.raw["properties"].get("capabilities")
    if isinstance(caps, dict):
        for key, value in caps.items():
            if isinstance(value, (dict, list)):
                out.node(node, f"capabilities.{key}", f"must be a single value, not "
                         f"{type_name(value)}", "write e.g. profile: compute")
        return
    if caps is None:
        return
    if not isinstance(caps, str):
        out.node(node, "capabilities", f"must be text like 'profile:compute', not "
                 f"{type_name(caps)}", "write capabilities: 'profile:compute,boot_option:local'")
        return
    for item in filter(None, (i.strip() for i in caps.split(","))):
        key, sep, value = item.partition(":")
        if not sep or not key.strip():
            out.node(node, "capabilities", f"{quote(item)} is not key:value",
                     "write capabilities as 'profile:compute,node:compute-0'")


# -- what a fence device needs: selected nodes ---------------------------------

def check_devices(nodes: Iterable[Node], options: D.Options, out: Collector) -> None:
    """Drivers, addresses, credentials, ports and BMC uniqueness of the nodes that get devices."""
    identities: Dict[Tuple, Node] = {}
    # A --levels kind we do not know is one error of the options; judging every node's
    # levels against it would repeat that error once per node.
    levels_known = all(level in D.LEVEL_NAMES for level in options.levels) \
        and any(level != "kdump" for level in options.levels)
    for node in nodes:
        driver = node.driver
        if not isinstance(driver, str) or not driver:
            continue  # already reported by check_structure
        if not D.protocols_for(driver):
            out.node(node, "pm_type", f"driver {quote(node.raw.get('pm_type', driver))} has no "
                     "fence agent puppet-tripleo can create",
                     f"use one of {SUPPORTED}; a node that is not in the pacemaker "
                     "cluster can be left out ('fencing generate --exclude NAME')")
            continue
        protocols = []
        for _, level, protocol in D.node_levels(driver, options):
            if protocol is not None:
                protocols.append(protocol)
            elif level not in D.LEVEL_NAMES:
                continue
            elif D.level_protocol(level, driver, options) is None:
                out.node(node, "pm_type", f"driver {driver} offers no {level} fencing; "
                         "this level is left out for the node",
                         "give the node a BMC that speaks it, or drop the level", warn=True)
            else:
                out.node(node, "pm_type", f"level {level} would repeat an earlier level's "
                         "device; left out (puppet-tripleo allows one device per agent and "
                         "host)", "drop the duplicate level", warn=True)
        if levels_known and not any(p != "kdump" for p in protocols):
            out.node(node, "pm_type", f"driver {driver} gives this node no power fencing "
                     "at any level", "add a level its BMC speaks, e.g. --levels kdump,power")
        for protocol in protocols:
            if protocol != "kdump":
                _check_bmc(node, protocol, D.bmc_for(node, protocol), out, identities)
        if not node.ports:
            out.node(node, "ports", "no MAC address: puppet-tripleo matches fence devices to "
                     "hosts by MAC and will ignore this node's device",
                     "add ports: [{address: <provisioning MAC>, pxe_enabled: true}]", warn=True)


def _check_bmc(node: Node, protocol: str, bmc: Dict[str, Any], out: Collector,
               identities: Dict[Tuple, Node]) -> None:
    agent = D.AGENTS[protocol]
    for field, key in D.REQUIRED_FIELDS[protocol]:
        if field == "system_id" and node.driver in D.VENDOR_SYSTEMS:
            continue  # the vendor's well-known system path is used
        if bmc.get(field) is None or bmc.get(field) == "":
            out.node(node, key, f"is missing; {agent} needs it",
                     f"set {key} (or the ironic driver_info key) for this node")
    address = None
    if bmc.get("address") not in (None, ""):
        address = D.parse_address(bmc["address"])
        if address is None:
            value = bmc["address"]
            shown = quote(value) if isinstance(value, str) else type_name(value)
            out.node(node, "pm_addr", f"{shown} is not a valid IP address or host name",
                     "use the BMC's IPv4/IPv6 address or DNS name, e.g. 192.0.2.10")
        elif address.scheme == "http" and protocol == "redfish":
            out.node(node, "pm_addr", "fence_redfish always connects with HTTPS; the http:// "
                     "scheme is dropped", "make the BMC's Redfish service reachable over HTTPS",
                     warn=True)
    port = None
    if bmc.get("port") is not None:
        port = D.parse_port(bmc["port"])
        if port is None:
            value = bmc["port"]
            shown = quote(value) if isinstance(value, (str, int, float)) and not isinstance(
                value, bool) else type_name(value)
            out.node(node, "pm_port", f"{shown} is not an integer 1-65535",
                     "use the BMC's port, e.g. 623 for IPMI or 443 for Redfish")
    for field, key in (("username", "pm_user"), ("password", "pm_password"),
                       ("vm_name", "pm_vm_name"), ("system_id", "pm_system_id"),
                       ("namespace", "pm_namespace"), ("kubeconfig", "pm_kubeconfig")):
        value = bmc.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            out.node(node, key, f"must be text, not {type_name(value)}",
                     f"write {key} as a quoted string")
        elif isinstance(value, str) and _BREAKS.search(value):
            out.node(node, key, "contains a line break or NUL character",
                     f"write {key} on one line")
        elif isinstance(value, str) and _SHELL_SPECIAL.search(value):
            out.node(node, key, "contains \", $, ` or \\, which puppet-pacemaker writes "
                     "unescaped inside double quotes of the pcs command it runs through a "
                     "shell: the stonith device may fail to be created or get a mangled value",
                     "choose a value without these characters (on the BMC too)", warn=True)
    if protocol == "ipmi":
        if bmc.get("priv_level") is not None and D.parse_priv_level(bmc["priv_level"]) is None:
            out.node(node, "ipmi_priv_level", "is not an IPMI privilege level",
                     f"use one of {', '.join(level.upper() for level in D.IPMI_LEVELS)}")
        if bmc.get("cipher_suite") is not None and D.parse_cipher(bmc["cipher_suite"]) is None:
            out.node(node, "ipmi_cipher_suite", "is not an IPMI cipher suite (0 to 17)",
                     "use the suite the BMC supports, usually 3 or 17")
        version = bmc.get("protocol_version")
        if version is not None and str(version) not in ("1.5", "2.0"):
            out.node(node, "ipmi_protocol_version", "must be 1.5 or 2.0",
                     "write ipmi_protocol_version: '2.0' (quoted)")
    verify = bmc.get("verify_ca")
    if verify is not None and protocol in ("redfish", "kubevirt") \
            and D.parse_verify_ca(verify) is None:
        out.node(node, "redfish_verify_ca", f"must be true, false or a CA file path, not "
                 f"{type_name(verify)}", "write redfish_verify_ca: false to skip verification")
    identity = _identity(protocol, address, port, bmc)
    if identity is not None:
        other = identities.get(identity)
        if other is not None and other is not node:
            where = "pm_vm_name" if protocol in ("rhevm", "kubevirt") else "pm_addr"
            out.node(node, where, f"the same {agent} target as node {label(other)} "
                     f"({_identity_text(identity)})",
                     "each node needs its own BMC address/port (or VM): fix the copied entry")
        else:
            identities[identity] = node


_DEFAULT_PORTS = {"ipmi": 623, "redfish": 443, "rhevm": 443}


def _identity(protocol: str, address: Optional[D.Address], port: Optional[int],
              bmc: Dict[str, Any]) -> Optional[Tuple]:
    """What makes two devices fence the same machine (as tripleo-common's unique ids)."""
    if protocol == "kubevirt":
        vm = bmc.get("vm_name")
        return (protocol, str(bmc.get("namespace") or ""), str(vm)) if vm else None
    if address is None:
        return None
    port = port or address.port or _DEFAULT_PORTS[protocol]
    if protocol == "redfish":
        return (protocol, address.host, port, str(bmc.get("system_id") or ""))
    if protocol == "rhevm":
        return (protocol, address.host, str(bmc.get("vm_name") or ""))
    return (protocol, address.host, port)


def _identity_text(identity: Tuple) -> str:
    return " ".join(str(part) for part in identity[1:] if part != "")


def check_options(options: D.Options, source: str = "options") -> List[Problem]:
    """Option values that cannot produce a valid device."""
    problems = []
    if options.delay is not None and options.delay < 0:
        problems.append(Problem(source, "must be 0 or more seconds", field="--delay",
                                fix="pass --delay 0 or a positive number"))
    if options.ipmi_cipher is not None and not 0 <= options.ipmi_cipher <= 17:
        problems.append(Problem(source, "IPMI cipher suites are 0 to 17", field="--ipmi-cipher",
                                fix="use the suite your BMCs support, usually 3 or 17"))
    if options.ipmi_level is not None and options.ipmi_level not in D.IPMI_LEVELS:
        problems.append(Problem(source, f"{quote(options.ipmi_level)} is not an IPMI "
                                "privilege level", field="--ipmi-level",
                                fix=f"use one of {', '.join(D.IPMI_LEVELS)}"))
    if options.bmc_protocol not in ("ipmi", "redfish"):
        problems.append(Problem(source, f"{quote(options.bmc_protocol)} is not ipmi or redfish",
                                field="--bmc-protocol", fix="use ipmi or redfish"))
    if not options.levels:
        problems.append(Problem(source, "no fence level given", field="--levels",
                                fix="use e.g. --levels power or --levels kdump,power"))
    unknown = [level for level in options.levels if level not in D.LEVEL_NAMES]
    if unknown:
        value = ",".join(options.levels)
        kinds = ", ".join(quote(level) for level in unknown)
        what = "is not a fence level kind" if len(unknown) == 1 else "are not fence level kinds"
        prefix = "" if [value] == unknown else f"{quote(value)}: "
        problems.append(Problem(
            source, f"{prefix}{kinds} {what}", field="--levels",
            fix=f"give a comma list of the kinds {', '.join(D.LEVEL_NAMES)} in fencing "
                "order, each once, e.g. --levels power or --levels kdump,power"))
    elif options.levels and all(level == "kdump" for level in options.levels):
        problems.append(Problem(source, f"{quote(','.join(options.levels))} gives no node "
                                "power fencing: fence_kdump only confirms a crashed node, "
                                "it cannot power one off", field="--levels",
                                fix="add a power level after it, e.g. --levels kdump,power"))
    if len(set(options.levels)) != len(options.levels):
        problems.append(Problem(source, "a level kind is repeated", field="--levels",
                                fix="name each kind once"))
    if len(options.levels) > 9:
        problems.append(Problem(source, "pacemaker allows at most 9 fence levels",
                                field="--levels", fix="use fewer levels"))
    if options.kdump_timeout is not None and options.kdump_timeout <= 0:
        problems.append(Problem(source, "must be a positive number of seconds",
                                field="--kdump-timeout", fix="pass e.g. --kdump-timeout 60"))
    return problems
