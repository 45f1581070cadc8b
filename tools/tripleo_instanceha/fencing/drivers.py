"""Which fence agent serves which ironic driver, and the agent parameters it gets.

Why one table: the generator, the checks and the docs must agree on what each
driver maps to. Only agents puppet-tripleo's ``tripleo::fencing`` can create
are used (anchors §2.3): fence_ipmilan, fence_redfish, fence_rhevm,
fence_kubevirt and fence_kdump. Vendor BMCs (iDRAC, iLO, iRMC, XClarity)
speak both IPMI-over-LAN and Redfish; which one is used is an option.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from tripleo_instanceha.inventory import bmc_fields
from tripleo_instanceha.plan.nodes import Node

#: Protocol -> fence agent.
AGENTS = {
    "ipmi": "fence_ipmilan",
    "redfish": "fence_redfish",
    "rhevm": "fence_rhevm",
    "kubevirt": "fence_kubevirt",
    "kdump": "fence_kdump",
}
#: Hardware type -> the power protocols its BMC offers (first = what tripleo-common uses).
DRIVER_PROTOCOLS: Dict[str, Tuple[str, ...]] = {
    "ipmi": ("ipmi",),
    "redfish": ("redfish",),
    "idrac": ("ipmi", "redfish"),
    "ilo": ("ipmi", "redfish"),
    "irmc": ("ipmi", "redfish"),
    "xclarity": ("ipmi", "redfish"),
    "staging-ovirt": ("rhevm",),
    "kubevirt": ("kubevirt",),
}
#: Drivers whose protocol is chosen by --bmc-protocol.
VENDOR_DRIVERS = ("idrac", "ilo", "irmc", "xclarity")
#: The Redfish system each vendor's BMC exposes when the inventory names none.
VENDOR_SYSTEMS = {
    "idrac": "/redfish/v1/Systems/System.Embedded.1",
    "ilo": "/redfish/v1/Systems/1",
    "irmc": "/redfish/v1/Systems/0",
    "xclarity": "/redfish/v1/Systems/1",
}
#: Level names --levels accepts: a protocol, the node's primary power path, or kdump.
LEVEL_NAMES = ("power", "kdump", "ipmi", "redfish")
IPMI_LEVELS = ("callback", "user", "operator", "administrator")
#: BMC fields each protocol needs, with the instackenv key that supplies them.
REQUIRED_FIELDS = {
    "ipmi": (("address", "pm_addr"), ("username", "pm_user"), ("password", "pm_password")),
    "redfish": (("address", "pm_addr"), ("username", "pm_user"), ("password", "pm_password"),
                ("system_id", "pm_system_id")),
    "rhevm": (("address", "pm_addr"), ("username", "pm_user"), ("password", "pm_password"),
              ("vm_name", "pm_vm_name")),
    "kubevirt": (("vm_name", "pm_vm_name"),),
}


@dataclass(frozen=True)
class Options:
    """What the operator chose (tripleoclient's options plus ours)."""

    delay: Optional[int] = None
    ipmi_lanplus: bool = True
    ipmi_cipher: Optional[int] = None
    ipmi_level: Optional[str] = None
    #: ipmi or redfish, for iDRAC/iLO/iRMC/XClarity.
    bmc_protocol: str = "ipmi"
    #: Fence levels in order; ("power",) is tripleoclient's single device per node.
    levels: Tuple[str, ...] = ("power",)
    kdump_timeout: Optional[int] = None

    @property
    def leveled(self) -> bool:
        return len(self.levels) > 1


@dataclass(frozen=True)
class Address:
    """A BMC address split into what the agents take."""

    host: str
    port: Optional[int] = None
    scheme: Optional[str] = None

    @property
    def is_ipv6(self) -> bool:
        return ":" in self.host

    def for_url_agent(self) -> str:
        """fence_redfish and fence_rhevm paste ip and port into a URL: IPv6 needs brackets."""
        return f"[{self.host}]" if self.is_ipv6 else self.host


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")
#: RFC 1123 labels, plus the underscore the system resolver accepts in lab DNS names.
_HOSTNAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?",
                       re.IGNORECASE)
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")


def valid_host(host: str) -> bool:
    """An IPv4/IPv6 address or an RFC 1123 host name (digits-only names must be IPv4)."""
    if _IPV4.fullmatch(host):
        return True
    if ":" in host:
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    return (len(host) <= 253 and not _DIGITS_AND_DOTS.fullmatch(host)
            and _HOSTNAME.fullmatch(host) is not None)


def parse_address(value: Any) -> Optional[Address]:
    """'192.0.2.1', 'fd00::1', '[fd00::1]:623', 'bmc.example.com:8443',
    'https://bmc/redfish' -> Address; None if it is none of these."""
    if isinstance(value, bool) or not isinstance(value, str):
        return None
    return _parse_address(value)


@functools.lru_cache(maxsize=65536)
def _parse_address(value: str) -> Optional[Address]:
    text = value.strip()
    if not text or any(c.isspace() for c in text):
        return None
    scheme = None
    if "://" in text:
        try:
            parts = urlsplit(text)
            host, port = parts.hostname, parts.port
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or not host or parts.username:
            return None
        scheme = parts.scheme.lower()
    else:
        port = None
        host = text
        if text.startswith("["):
            match = re.fullmatch(r"\[([^\]]+)\](?::(\d{1,5}))?", text)
            if not match:
                return None
            host, port = match.group(1), int(match.group(2)) if match.group(2) else None
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
            if not port_text.isdigit():
                return None
            port = int(port_text)
    if port is not None and not 1 <= port <= 65535:
        return None
    if not valid_host(host):
        return None
    return Address(host, port, scheme)


def parse_port(value: Any) -> Optional[int]:
    """623, '623' -> 623; None for anything else (booleans, 0, 70000, 'x')."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        port = value
    elif isinstance(value, str) and value.strip().isdigit():
        port = int(value.strip())
    else:
        return None
    return port if 1 <= port <= 65535 else None


def parse_verify_ca(value: Any) -> Optional[bool]:
    """redfish_verify_ca: True/False, 'true'/'false', or a CA bundle path (= verify)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("false", "no", "0", "off"):
            return False
        if text in ("true", "yes", "1", "on") or text.startswith("/"):
            return True
    return None


def parse_priv_level(value: Any) -> Optional[str]:
    """ironic's ipmi_priv_level (ADMINISTRATOR, ...) as fence_ipmilan's privlvl."""
    if isinstance(value, str) and value.strip().lower() in IPMI_LEVELS:
        return value.strip().lower()
    return None


def parse_cipher(value: Any) -> Optional[int]:
    """ironic's ipmi_cipher_suite: 0..17, as a number or text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 0 <= value <= 17 else None


def systems_uri(system_id: Any, driver: str) -> Optional[str]:
    """pm_system_id as fence_redfish wants it: a path (a bare id is put under /Systems/)."""
    if system_id is None or system_id == "":
        return VENDOR_SYSTEMS.get(driver)
    text = str(system_id).strip()
    return text if text.startswith("/") else f"/redfish/v1/Systems/{text}"


def protocols_for(driver: Any) -> Tuple[str, ...]:
    return DRIVER_PROTOCOLS.get(driver, ()) if isinstance(driver, str) else ()


def primary_protocol(driver: Any, options: Options) -> Optional[str]:
    """The protocol of the node's main power device."""
    protocols = protocols_for(driver)
    if not protocols:
        return None
    if driver in VENDOR_DRIVERS and options.bmc_protocol in protocols:
        return options.bmc_protocol
    return protocols[0]


def level_protocol(level: str, driver: Any, options: Options) -> Optional[str]:
    """Which protocol serves a --levels entry for this driver (None: the node has none)."""
    if level == "kdump":
        return "kdump"
    if level == "power":
        return primary_protocol(driver, options)
    return level if level in protocols_for(driver) else None


def node_levels(driver: Any, options: Options) -> Tuple[Tuple[int, str, Optional[str]], ...]:
    """(level number, level kind, protocol) per --levels entry for this driver.

    The protocol is None when the node's BMC does not offer that kind, or when
    an earlier level already uses the same agent (puppet-tripleo creates one
    device per agent and host, so a repeat would collide).
    """
    if not isinstance(driver, str):
        return ()
    return _node_levels(driver, options)


@functools.lru_cache(maxsize=None)
def _node_levels(driver: str, options: Options) -> Tuple[Tuple[int, str, Optional[str]], ...]:
    used: List[str] = []
    result = []
    for number, level in enumerate(options.levels, start=1):
        protocol = level_protocol(level, driver, options)
        if protocol in used:
            protocol = None
        elif protocol is not None:
            used.append(protocol)
        result.append((number, level, protocol))
    return tuple(result)


def bmc_for(node: Node, protocol: str) -> Dict[str, Any]:
    """The BMC fields one protocol uses: an iDRAC's Redfish path prefers its redfish_* keys."""
    if protocol == "redfish" and node.driver in VENDOR_DRIVERS and isinstance(node.raw, dict):
        return {**node.bmc, **bmc_fields(node.raw, node.driver, ("redfish",))}
    return node.bmc


def _text(value: Any) -> Any:
    """Numbers given for user names or passwords are passed on as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def device_params(protocol: str, driver: str, bmc: Dict[str, Any], options: Options
                  ) -> Dict[str, Any]:
    """Agent parameters for one device; `bmc` must already have passed the checks."""
    params: Dict[str, Any] = {}
    if protocol == "kdump":
        # No nodename: pacemaker passes the target's cluster name itself, and a
        # guessed name that differs from it would make fence_kdump wait in vain.
        if options.kdump_timeout is not None:
            params["timeout"] = options.kdump_timeout
        return params
    address = parse_address(bmc.get("address")) if bmc.get("address") is not None else None
    port = parse_port(bmc.get("port")) if bmc.get("port") is not None else None
    if port is None and address is not None and (protocol != "ipmi" or not address.scheme):
        port = address.port
    if protocol in ("ipmi", "redfish"):
        if address is not None:
            params["ipaddr"] = address.for_url_agent() if protocol == "redfish" else address.host
        if port is not None:
            params["ipport"] = port
        params["login"] = _text(bmc.get("username"))
        params["passwd"] = _text(bmc.get("password"))
        if protocol == "redfish":
            params["systems_uri"] = systems_uri(bmc.get("system_id"), driver)
            # Only "off" is written: fence-agents reads ssl_insecure=false as set
            # (fencing.py stores "0" under --ssl-insecure and fence_redfish tests only
            # that the key is there), so a device that verifies must not carry it.
            if parse_verify_ca(bmc.get("verify_ca")) is False:
                params["ssl_insecure"] = "true"
        else:
            # A node's own ironic IPMI settings are more specific than the options.
            if options.ipmi_lanplus and str(bmc.get("protocol_version", "")) != "1.5":
                params["lanplus"] = True
            cipher = parse_cipher(bmc.get("cipher_suite"))
            if cipher is None:
                cipher = options.ipmi_cipher
            if cipher is not None:
                params["cipher"] = cipher
            level = parse_priv_level(bmc.get("priv_level")) or options.ipmi_level
            if level:
                params["privlvl"] = level
        if options.delay:
            params["delay"] = options.delay
    elif protocol == "rhevm":
        if address is not None:
            params["ipaddr"] = address.for_url_agent()
        params["login"] = _text(bmc.get("username"))
        params["passwd"] = _text(bmc.get("password"))
        params["port"] = _text(bmc.get("vm_name"))
        params["ssl"] = 1
        params["ssl_insecure"] = 1
        if options.delay:
            params["delay"] = options.delay
    elif protocol == "kubevirt":
        params["port"] = _text(bmc.get("vm_name"))
        if bmc.get("namespace"):
            params["namespace"] = bmc["namespace"]
        if bmc.get("kubeconfig"):
            params["kubeconfig"] = bmc["kubeconfig"]
        verify = parse_verify_ca(bmc.get("verify_ca"))
        if verify is False:
            params["ssl_insecure"] = 1
        if options.delay:
            params["delay"] = options.delay
    return params
