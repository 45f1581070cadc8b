"""Fence agents' own description of their parameters (``fence_xxx -o metadata``).

Why ask the agent: a device is only as good as the parameters pacemaker hands
to the agent; a misspelt or missing one surfaces as a stonith start failure
on the deployed cloud. Reading the installed agent's metadata lets tests and
`validate` catch that before deploying.
"""
from __future__ import annotations

import functools
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from tripleo_instanceha.errors import InputError, ToolMissingError

#: Parameters pacemaker fills in itself when it runs the agent.
PACEMAKER_SUPPLIED = ("action", "port", "plug", "nodename")


@dataclass(frozen=True)
class AgentParameter:
    name: str
    required: bool = False
    deprecated: bool = False
    obsoletes: Optional[str] = None
    type: str = "string"
    default: Optional[str] = None
    choices: Tuple[str, ...] = ()


@dataclass
class AgentMetadata:
    name: str
    parameters: Dict[str, AgentParameter] = field(default_factory=dict)

    def aliases(self, name: str) -> List[str]:
        """A parameter and its old/new spelling (ip/ipaddr, username/login, ...)."""
        names = {name}
        param = self.parameters.get(name)
        if param and param.obsoletes:
            names.add(param.obsoletes)
        names.update(p.name for p in self.parameters.values() if p.obsoletes == name)
        return sorted(names)

    def problems(self, params: Dict[str, Any], pacemaker_supplies: Tuple[str, ...] = ()
                 ) -> List[str]:
        """What is wrong with a device's params for this agent (empty: valid)."""
        found = []
        for name, value in params.items():
            param = self.parameters.get(name)
            if param is None:
                found.append(f"{self.name} has no parameter '{name}'")
                continue
            if param.choices and str(value) not in param.choices:
                found.append(f"{self.name} parameter '{name}' takes one of "
                             f"{', '.join(param.choices)}")
            if param.type in ("integer", "second") and not str(value).lstrip("-").isdigit():
                found.append(f"{self.name} parameter '{name}' takes a whole number")
            if param.type == "boolean" and str(value).lower() not in (
                    "0", "1", "true", "false", "yes", "no", "on", "off"):
                found.append(f"{self.name} parameter '{name}' takes a boolean")
        for param in self.parameters.values():
            if not param.required or param.default is not None or param.deprecated:
                continue
            if param.name in PACEMAKER_SUPPLIED and param.name in pacemaker_supplies:
                continue
            if not any(alias in params for alias in self.aliases(param.name)):
                found.append(f"{self.name} requires '{param.name}'")
        return found


def parse_metadata(xml_text: str, agent: str = "agent") -> AgentMetadata:
    """The <resource-agent> XML a fence agent prints -> AgentMetadata."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise InputError.single(agent, f"metadata is not XML ({exc})",
                                fix="reinstall fence-agents") from None
    meta = AgentMetadata(root.get("name") or agent)
    for item in root.iter("parameter"):
        content = item.find("content")
        meta.parameters[item.get("name")] = AgentParameter(
            name=item.get("name"),
            required=item.get("required") == "1",
            deprecated=item.get("deprecated") == "1",
            obsoletes=item.get("obsoletes"),
            type=content.get("type", "string") if content is not None else "string",
            default=content.get("default") if content is not None else None,
            choices=tuple(o.get("value") for o in content.findall("option"))
            if content is not None else (),
        )
    return meta


@functools.lru_cache(maxsize=None)
def metadata(agent: str) -> AgentMetadata:
    """Run the installed agent once for its metadata (cached per process)."""
    path = shutil.which(agent) or shutil.which(agent, path="/usr/sbin:/sbin")
    if path is None:
        raise ToolMissingError(agent, "fence-agents")
    try:
        result = subprocess.run([path, "-o", "metadata"], capture_output=True, text=True,
                                timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError.single(agent, f"could not run it for its metadata ({exc})",
                                fix="check the fence-agents installation") from None
    if result.returncode != 0 or "<resource-agent" not in result.stdout:
        raise InputError.single(agent, "printed no metadata for -o metadata",
                                fix="check the fence-agents installation")
    return parse_metadata(result.stdout, agent)


def device_problems(agent: str, params: Dict[str, Any]) -> List[str]:
    """What the installed agent would reject in one FencingConfig device (for `validate`).

    Raises ToolMissingError when fence-agents (or this agent) is not installed.
    """
    return metadata(agent).problems(params, pacemaker_supplies=("action",))
