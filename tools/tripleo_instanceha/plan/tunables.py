"""The value rules of the Instance HA tunables, one per tunable, for every way a value arrives.

Why one table: a tunable reaches the tools from ``--set NAME=VALUE``, from the
``parameter_defaults`` (or ``parameters``) of a ``-e`` file, or from a
``<Role>Parameters`` map; validate, rehearse, prepare and the recovery budget
must accept and refuse exactly the same values, and agree with the
``constraints`` the service template declares (a test compares them). Values
are judged the way Heat converts them: a boolean may be ``"true"``/``"1"``, a
number may be the string ``"30"``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Tuple

from tripleo_instanceha.errors import InputError, Problem
from tripleo_instanceha.plan import parameters as P

#: Heat's boolean strings (oslo strutils.bool_from_string, strict).
TRUE_STRINGS = ("true", "t", "yes", "y", "on", "1")
FALSE_STRINGS = ("false", "f", "no", "n", "off", "0")

BOOLEAN = "boolean"
SECONDS = "seconds"
TEXT = "string"


@dataclass(frozen=True)
class Rule:
    """What one tunable accepts: its kind, and bounds or a minimum length."""

    kind: str
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    min_length: Optional[int] = None
    #: A secret's value is never repeated in a message.
    secret: bool = False
    #: What a whole number of the SECONDS kind counts, as a message says it (the storm
    #: guard's tunables are a percentage and a count, judged like seconds otherwise).
    unit: str = "seconds"

    def accepted(self) -> str:
        """The accepted values, as a message says them."""
        if self.kind == BOOLEAN:
            return "true or false"
        if self.kind == SECONDS:
            return f"a whole number of {self.unit} from {self.minimum} to {self.maximum}"
        if self.min_length:
            return "a non-empty string"
        return "a string"

    def heat_constraints(self) -> List[dict]:
        """The constraints the service template declares for this rule."""
        if self.kind == SECONDS:
            return [{"range": {"min": self.minimum, "max": self.maximum}}]
        if self.min_length:
            return [{"length": {"min": self.min_length}}]
        return []


#: One rule per tunable of `parameters.TUNABLES` (a test keeps the two tables in step).
#: An hour bounds every time: beyond it the recovery is no longer "high availability".
RULES = {
    "InstanceHANoSharedStorage": Rule(BOOLEAN),
    "InstanceHAEvacuateDelay": Rule(SECONDS, minimum=0, maximum=3600),
    "InstanceHAKeystoneUser": Rule(TEXT, min_length=1),
    "InstanceHAKeystoneProject": Rule(TEXT, min_length=1),
    "InstanceHAKeystonePassword": Rule(TEXT, secret=True),
    "InstanceHARemoteMonitorInterval": Rule(SECONDS, minimum=1, maximum=3600),
    "InstanceHARemoteReconnectInterval": Rule(SECONDS, minimum=1, maximum=3600),
    "InstanceHAEvacuatePollInterval": Rule(SECONDS, minimum=1, maximum=3600),
    "InstanceHARemoteMonitorTimeout": Rule(SECONDS, minimum=1, maximum=3600),
    # the storm guard: a percentage of the Instance HA computes, a window up to a day
    # (a storm's end is judged by an operator, the window only groups failures), a count
    "InstanceHAStormThreshold": Rule(SECONDS, minimum=0, maximum=100,
                                     unit="percent of the Instance HA computes"),
    "InstanceHAStormWindow": Rule(SECONDS, minimum=1, maximum=86400),
    "InstanceHAEvacuationsPerPass": Rule(SECONDS, minimum=0, maximum=1000,
                                         unit="evacuations"),
}


#: Why a tunable belongs in parameter_defaults and not in <Role>Parameters.
ROLE_NOTE = ("the service template reads the Instance HA tunables from parameter_defaults "
             "only (they are cluster-wide), so <Role>Parameters cannot set them")


@dataclass
class TunableProblem(Problem):
    """A tunable value outside its rule: which tunable, set where (file or --set, role)."""

    parameter: str = ""
    role: Optional[str] = None
    accepted: str = ""


def _convert(rule: Rule, value: Any) -> Tuple[Any, Optional[str]]:
    """(value as Heat would read it, None) or (None, why it is not of the rule's kind)."""
    if rule.kind == BOOLEAN:
        if isinstance(value, bool):
            return value, None
        if isinstance(value, int) and value in (0, 1):
            return bool(value), None
        if isinstance(value, str) and value.strip().lower() in TRUE_STRINGS + FALSE_STRINGS:
            return value.strip().lower() in TRUE_STRINGS, None
        return None, "is not a boolean"
    if rule.kind == SECONDS:
        if isinstance(value, bool):
            return None, "is a boolean, not a number"
        number: Any = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                return None, "is not a number"
        if not isinstance(number, (int, float)) or number != number:  # NaN
            return None, "is not a number"
        if number != int(number):
            return None, "is not a whole number"
        return int(number), None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None, "is not a string"
    return str(value), None


def _shown(rule: Rule, value: Any) -> str:
    if rule.secret or isinstance(value, (dict, list)):
        return "the value"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check(name: str, value: Any, source: str, role: Optional[str] = None,
          line: Optional[int] = None) -> Tuple[Any, Optional[TunableProblem]]:
    """(the value as Heat reads it, None), or (None, the problem naming source, role and fix).

    `source` is the file that set the value, or ``--set``; `role` the role whose
    ``<Role>Parameters`` holds it. Names that are not tunables pass unchanged.
    """
    rule = RULES.get(name)
    if rule is None:
        return value, None
    converted, why = _convert(rule, value)
    if why is None:
        if rule.kind == SECONDS and not rule.minimum <= converted <= rule.maximum:
            why = "is below" if converted < rule.minimum else "is above"
            why += " the accepted range"
        elif rule.min_length and len(converted) < rule.min_length:
            why = "is empty"
    if why is None:
        return converted, None
    accepted = rule.accepted()
    where = f"{role}Parameters.{name}" if role else name
    default = P.TUNABLES[name].default
    example = "" if rule.secret else f" (default {str(default).lower()})"
    fix = f"set {name} to {accepted}{example}"
    if source == "--set":
        fix = f"pass --set {name}=VALUE with VALUE {accepted}{example}"
    elif role:
        fix += " in parameter_defaults, not in <Role>Parameters (the tunables are cluster-wide)"
    problem = TunableProblem(source, f"{where} {_shown(rule, value)} {why} (accepted: "
                             f"{accepted})", fix=fix, line=line, parameter=name, role=role,
                             accepted=accepted)
    return None, problem


def plan_problems(environment: Any, roles: Iterable[Any]) -> List[TunableProblem]:
    """Every tunable value of a plan outside its rule: the merged environment, then each
    ``<Role>Parameters`` (later files win, as in Heat, so only the value in effect counts)."""
    found: List[TunableProblem] = []
    for name in RULES:
        if not environment.has_param(name):
            continue
        value = environment.param(name)
        if value is None:
            continue
        _, problem = check(name, value, environment.param_source.get(name, "environment"))
        if problem:
            found.append(problem)
    for role in roles:
        key = f"{role.name}Parameters"
        params = environment.param(key, None)
        if not isinstance(params, dict):
            continue
        source = environment.param_source.get(key, "environment")
        for name in RULES:
            if name in params and params[name] is not None:
                _, problem = check(name, params[name], source, role=role.name)
                if problem:
                    found.append(problem)
    return found


def require_valid(plan: Any) -> None:
    """Refuse (InputError, exit 2) a plan with a tunable outside its rule: nothing that
    computes times or writes a cluster configuration may work from such a value."""
    found = plan_problems(plan.environment, plan.roles)
    if found:
        raise InputError(found)
