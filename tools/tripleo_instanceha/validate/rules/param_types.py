"""Parameters the Instance HA plan depends on must have the type Heat declares for them.

Why: Heat rejects `EnableFencing: [true]` or `ComputeInstanceHACount: two`
only when the stack is created; and a wrong type makes every later check
guess. Values are judged the way Heat converts them (strings "true"/"1"
are booleans, numeric strings are numbers).
"""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional

from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "param-types"
KIND = "plan"
DESCRIPTION = "Instance HA, fencing, storage and role-count parameters have Heat's types"
FIX = "give the value the parameter's type (boolean, number, JSON/mapping or string)"

_BOOLEANS = ("true", "false", "t", "f", "yes", "no", "y", "n", "on", "off", "1", "0")

TYPES = {
    P.ENABLE: "boolean", P.ENABLE_FENCING: "boolean",
    "NovaEnableRbdBackend": "boolean", "NovaNfsEnabled": "boolean",
    P.STARTUP_DELAY: "number", P.FENCING_CONFIG: "json", "HostnameMap": "mapping",
}
# The InstanceHA* tunables are judged by the `tunables` rule (plan.tunables.RULES):
# type and range together, the same rules `--set` applies.


def problem(kind: str, value: Any) -> Optional[str]:
    """Why `value` is not a Heat `kind`, or None if it is."""
    if kind == "boolean":
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return None
        if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
            return None
        return "is not a boolean"
    if kind == "number":
        if isinstance(value, bool):
            return "is a boolean, not a number"
        if isinstance(value, (int, float)):
            return None
        try:
            float(str(value))
            return None
        except ValueError:
            return "is not a number"
    if kind == "json":
        if isinstance(value, (dict, list)):
            return None
        if isinstance(value, str):
            try:
                json.loads(value)
                return None
            except ValueError:
                return "is a string but not JSON"
        return "is not a mapping"
    if kind == "mapping":  # json in Heat, but THT reads it as a map (map_merge, .get)
        if isinstance(value, dict):
            return None
        if isinstance(value, str):
            try:
                return None if isinstance(json.loads(value), dict) else "is not a mapping"
            except ValueError:
                return "is a string but not JSON"
        return "is not a mapping"
    if kind == "string":
        return None if isinstance(value, (str, int, float)) and not isinstance(value, bool) \
            else "is not a string"
    return None


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def expected_types(ctx: PlanContext) -> dict:
    types = dict(TYPES)
    for role in ctx.plan.roles:
        types[f"{role.name}Count"] = "number"
        types[f"{role.name}HostnameFormat"] = "string"
        types[f"{role.name}Parameters"] = "mapping"
        types[f"{role.name}SchedulerHints"] = "mapping"
    return types


def check(ctx: PlanContext) -> Iterator[Finding]:
    for name, kind in expected_types(ctx).items():
        if not ctx.is_set(name):
            continue
        value = ctx.param(name)
        if value is None:
            continue
        why = problem(kind, value)
        # Only scalars of harmless parameters are echoed: FencingConfig, role
        # parameters and passwords may hold secrets, whatever their (wrong) type.
        secretive = kind in ("json", "mapping") or "Password" in name
        shown = "value" if secretive or isinstance(value, (dict, list)) else _show(value)
        if why:
            source, line = ctx.param_location(name)
            yield error(ID, f"{name} {shown} {why} (Heat type: {kind})", source, line, FIX)
        elif kind == "number" and name.endswith("Count"):
            try:
                count = float(str(value))
            except ValueError:
                continue
            if count < 0 or count != int(count):
                source, line = ctx.param_location(name)
                yield error(ID, f"{name} {shown} is not a whole number >= 0", source, line, FIX)
