"""FencingConfig as puppet-tripleo's `tripleo::fencing` reads it.

Why a model: the generator writes it, `validate` checks it and `rehearse`
turns it into stonith devices and levels; all three must agree on what a
list versus a `levelN` mapping means (a plain list is level 1).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List

from tripleo_instanceha.errors import InputError, Problem

#: Agents puppet-tripleo (puppet-pacemaker) can create (anchors §2.3).
PUPPET_AGENTS = ("fence_xvm", "fence_ironic", "fence_redfish", "fence_ipmilan", "fence_kdump",
                 "fence_kubevirt", "fence_rhevm", "fence_cisco_ucs", "fence_watchdog")
#: Agents that really cut power (what LP#1953042's check counts at level 1).
POWER_AGENTS = ("fence_ironic", "fence_redfish", "fence_ipmilan", "fence_kdump", "fence_rhevm")

_LEVEL_RE = re.compile(r"^level([1-9][0-9]?)$")
SECRET_PARAMS = ("passwd", "password", "login_password", "token")


@dataclass
class FencingDevice:
    agent: str
    host_mac: str | None
    params: Dict[str, Any] = field(default_factory=dict)
    level: int = 1

    @property
    def mac(self) -> str | None:
        """host_mac exactly as written: puppet-tripleo's has_interface_with compares it with
        facter's (lower-case) MACs case-sensitively, so 52:54:00:AA:... matches no node."""
        return self.host_mac.strip() if isinstance(self.host_mac, str) else None

    @property
    def resource_id(self) -> str:
        """The stonith resource id puppet-tripleo gives this device."""
        return f"stonith-{self.agent}-{(self.mac or 'nomac').replace(':', '')}"

    def to_dict(self) -> dict:
        data: Dict[str, Any] = {"agent": self.agent}
        if self.host_mac:
            data["host_mac"] = self.host_mac
        data["params"] = dict(self.params)
        return data

    def masked_params(self) -> Dict[str, Any]:
        return {k: ("********" if k in SECRET_PARAMS else v) for k, v in self.params.items()}


@dataclass
class FencingConfig:
    levels: Dict[int, List[FencingDevice]] = field(default_factory=dict)
    leveled: bool = False

    @property
    def devices(self) -> List[FencingDevice]:
        return [d for lvl in sorted(self.levels) for d in self.levels[lvl]]

    def devices_for_mac(self, mac: str) -> List[FencingDevice]:
        return [d for d in self.devices if d.mac == mac]

    def to_heat(self) -> dict:
        if not self.leveled:
            return {"devices": [d.to_dict() for d in self.levels.get(1, [])]}
        return {"devices": {f"level{n}": [d.to_dict() for d in self.levels[n]]
                            for n in sorted(self.levels)}}

    @classmethod
    def from_heat(cls, value: Any, source: str = "FencingConfig") -> "FencingConfig":
        """Parse the Heat parameter value; raise InputError listing every problem."""
        problems: List[Problem] = []
        if value in (None, "", {}):
            return cls()
        if isinstance(value, str):
            import json
            try:
                value = json.loads(value)
            except ValueError:
                raise InputError.single(source, "FencingConfig is a string but not JSON",
                                        fix="give it as a mapping with a 'devices' key") from None
        if not isinstance(value, dict) or "devices" not in value:
            raise InputError.single(source, "FencingConfig has no 'devices' key",
                                    field="FencingConfig",
                                    fix="use {devices: [...]} or {devices: {level1: [...]}}")
        devices = value["devices"]
        config = cls()
        if isinstance(devices, list):
            groups = {1: devices}
        elif isinstance(devices, dict):
            config.leveled = True
            groups = {}
            for key, items in devices.items():
                match = _LEVEL_RE.match(str(key))
                if not match:
                    problems.append(Problem(source, f"'{key}' is not a fencing level",
                                            field=f"FencingConfig.devices.{key}",
                                            fix="name levels level1, level2, ..."))
                    continue
                if not isinstance(items, list):
                    problems.append(Problem(source, "a level must be a list of devices",
                                            field=f"FencingConfig.devices.{key}",
                                            fix="make it a YAML list"))
                    continue
                groups[int(match.group(1))] = items
        else:
            raise InputError.single(source, "'devices' must be a list or a levelN mapping",
                                    field="FencingConfig.devices",
                                    fix="use a list of devices or {level1: [...]}")
        for level, items in sorted(groups.items()):
            for index, item in enumerate(items):
                where = "FencingConfig.devices" + (f".level{level}" if config.leveled else "") \
                    + f"[{index}]"
                if not isinstance(item, dict) or not item.get("agent"):
                    problems.append(Problem(source, "device has no 'agent'", field=where,
                                            fix="set agent, e.g. fence_ipmilan"))
                    continue
                params = item.get("params") or {}
                if not isinstance(params, dict):
                    problems.append(Problem(source, "'params' must be a mapping", field=where,
                                            fix="give the agent's options as key: value"))
                    params = {}
                config.levels.setdefault(level, []).append(
                    FencingDevice(str(item["agent"]), item.get("host_mac"), dict(params), level))
        if problems:
            raise InputError(problems)
        return config
