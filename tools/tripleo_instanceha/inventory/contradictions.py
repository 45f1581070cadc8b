"""Entries that say two different things about one node: problems, never a silent choice.

Why: the node model has to pick one value where an entry gives two (the last
``profile`` of a capabilities string, ``pm_addr`` over ``ipmi_address``, the
``ports`` list over ``mac``). Picking silently can put a compute into the
controller cluster (an even-sized one) or fence the wrong BMC, so each such
case is reported with both values (never a secret's) and the fix instead.
Driver names are case-sensitive in ironic (its hardware types are entry
points looked up by exact name: ``ironic.hardware.types`` in ironic's
setup.cfg), so ``IPMI`` would be refused there and is refused here too.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Tuple

from tripleo_instanceha.errors import Problem, shorten
from tripleo_instanceha.inventory.model import (BMC_FIELDS, DRIVER_PREFIXES, node_label,
                                                node_line, normalise_driver, normalise_mac)

if TYPE_CHECKING:
    from tripleo_instanceha.plan.nodes import Node

#: BMC fields whose values a message may quote (never credentials).
_SHOWN_FIELDS = ("address", "port", "system_id", "vm_name", "namespace")


def _quote(value: Any) -> str:
    return repr(shorten(value))


def _capability_items(value: Any) -> List[Tuple[str, str]]:
    if not isinstance(value, str):
        return []
    items = []
    for item in value.split(","):
        key, sep, val = item.partition(":")
        if sep and key.strip():
            items.append((key.strip(), val.strip()))
    return items


def _capabilities(raw: Dict[str, Any]) -> Iterator[Tuple[str, str, str]]:
    """(field, message, fix) for capability keys with two values, in one string or two places."""
    props = raw.get("properties")
    nested = props.get("capabilities") if isinstance(props, dict) else None
    for where, value in (("capabilities", raw.get("capabilities")),
                         ("properties.capabilities", nested)):
        seen: Dict[str, str] = {}
        for key, val in _capability_items(value):
            if key in seen and seen[key] != val:
                yield (where, f"capability {_quote(key)} is given twice, as {_quote(seen[key])} "
                       f"and as {_quote(val)}", f"keep the one {_quote(key)} the node should have")
            seen.setdefault(key, val)
    if raw.get("capabilities") is not None and nested is not None:
        top, inner = _as_dict(raw["capabilities"]), _as_dict(nested)
        for key in sorted(set(top) & set(inner)):
            if top[key] != inner[key]:
                yield ("capabilities", f"capability {_quote(key)} is {_quote(top[key])} here but "
                       f"{_quote(inner[key])} in properties.capabilities (only the first is "
                       "read)", "give the capabilities once, under capabilities")


def _as_dict(value: Any) -> Dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if not isinstance(v, (dict, list))}
    return dict(_capability_items(value))


def _driver(raw: Dict[str, Any]) -> Iterator[Tuple[str, str, str]]:
    for key in ("pm_type", "driver"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip() and value.strip() != value.strip().lower():
            right = value.strip().lower()
            yield (key, f"driver {_quote(value)} is not how ironic spells it: driver names are "
                   f"case-sensitive and ironic would refuse it", f"write {key}: {right}")
    pm_type, driver = raw.get("pm_type"), raw.get("driver")
    if isinstance(pm_type, str) and isinstance(driver, str) \
            and normalise_driver(pm_type) != normalise_driver(driver):
        yield ("pm_type", f"pm_type {_quote(pm_type)} and driver {_quote(driver)} name two "
               "different drivers", "keep one of pm_type and driver")


def _same(first: Any, second: Any) -> bool:
    if isinstance(first, bool) or isinstance(second, bool):
        return first is second
    return str(first).strip() == str(second).strip()


@functools.lru_cache(maxsize=None)
def _bmc_keys(prefixes: Tuple[str, ...]) -> Dict[str, Tuple[str, int]]:
    """key -> (BMC field, precedence): the pm_* key and the driver's own keys, as the model
    reads them (another protocol's keys, e.g. an iDRAC's redfish_*, are a separate path)."""
    table: Dict[str, Tuple[str, int]] = {}
    for name, (pm_key, suffixes) in BMC_FIELDS.items():
        keys = [pm_key] + [f"{prefix}_{suffix}" for prefix in prefixes[:1] for suffix in suffixes]
        table.update((key, (name, rank)) for rank, key in enumerate(keys))
    return table


def _bmc(raw: Dict[str, Any], driver: Any) -> Iterator[Tuple[str, str, str]]:
    """A BMC field given under two keys (pm_* and the driver's own, top level and driver_info)."""
    info = raw.get("driver_info")
    table = _bmc_keys(DRIVER_PREFIXES.get(driver, ()) if isinstance(driver, str) else ())
    given: Dict[str, List[Tuple[int, int, str, Any]]] = {}
    for nested, source in ((0, raw), (1, info if isinstance(info, dict) else {})):
        for key, value in source.items():
            hit = table.get(key)
            if hit is not None and value is not None:
                where = f"driver_info.{key}" if nested else key
                given.setdefault(hit[0], []).append((hit[1], nested, where, value))
    for name, entries in given.items():
        if len(entries) < 2:
            continue
        entries.sort(key=lambda entry: entry[:2])  # the model's precedence: the first is read
        first, value = entries[0][2], entries[0][3]
        other = next((e for e in entries[1:] if not _same(value, e[3])), None)
        if other is None:
            continue
        both = f" ({_quote(value)} and {_quote(other[3])})" if name in _SHOWN_FIELDS else ""
        yield (first, f"{first} and {other[2]} give two different values for the BMC "
               f"{name.replace('_', ' ')}{both}; {first} would be used",
               f"keep one of {first} and {other[2]}")


def _macs(raw: Dict[str, Any]) -> Iterator[Tuple[str, str, str]]:
    """`mac` is read only without `ports`: a MAC it adds would be dropped without a word."""
    ports, macs = raw.get("ports"), raw.get("mac")
    if not isinstance(ports, list) or not ports or macs is None:
        return
    listed = {normalise_mac(p.get("address")) for p in ports if isinstance(p, dict)}
    for mac in [macs] if isinstance(macs, str) else macs if isinstance(macs, list) else []:
        normal = normalise_mac(mac)
        if normal is not None and normal not in listed:
            yield ("mac", f"MAC {normal} is in mac but not in ports; with ports given, mac is "
                   "not read", "list every NIC of the node under ports and drop mac")


def find(node: Node, source: str) -> List[Problem]:
    """Every contradiction in one node's entry."""
    raw = node.raw
    found = list(_capabilities(raw)) + list(_driver(raw)) + list(_bmc(raw, node.driver)) \
        + list(_macs(raw))
    return [Problem(source, message, fix=fix, field=f"node {node_label(node)}: {key}",
                    line=node_line(node)) for key, message, fix in found]
