"""Reading Heat (HOT) templates the way our static rules need.

Why our own walker: Heat resolves intrinsic functions lazily and never looks
inside `outputs` or nested templates at validation time, so the rules walk
the raw data and check references themselves.
"""
from __future__ import annotations

import datetime
from typing import Any, Iterator, Mapping, Optional, Tuple

Path = Tuple[Any, ...]

#: Parameters every THT service template declares (THT's yaml-validate
#: `required_params`); never "unused", since the service chain passes them.
SERVICE_REQUIRED_PARAMS = ("EndpointMap", "ServiceNetMap", "RoleName", "RoleParameters",
                           "ServiceData")
#: Parameters Heat provides itself.
PSEUDO_PARAMS = ("OS::stack_name", "OS::stack_id", "OS::project_id", "AWS::StackName",
                 "AWS::StackId", "AWS::Region")
#: Attributes every resource has, whatever its type.
COMMON_ATTRS = ("show", "OS::stack_id", "OS::stack_name")

#: HOT versions by release alias, with the date they stand for.
HOT_ALIASES = {
    "newton": "2016-10-14", "ocata": "2017-02-24", "pike": "2017-09-01",
    "queens": "2018-03-02", "rocky": "2018-08-31", "wallaby": "2021-04-16",
}
HOT_DATES = ("2013-05-23", "2014-10-16", "2015-04-30", "2015-10-15", "2016-04-08",
             "2016-10-14", "2017-02-24", "2017-09-01", "2018-03-02", "2018-08-31",
             "2021-04-16")


def version_string(value: Any) -> str:
    """heat_template_version as text (YAML reads an unquoted 2016-10-14 as a date)."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def version_date(value: Any) -> Optional[str]:
    """The date a HOT version stands for, or None if Heat does not know it."""
    text = version_string(value)
    if text in HOT_ALIASES:
        return HOT_ALIASES[text]
    return text if text in HOT_DATES else None


def is_heat_template(data: Any) -> bool:
    return isinstance(data, Mapping) and "heat_template_version" in data


def is_environment(data: Any) -> bool:
    return isinstance(data, Mapping) and not is_heat_template(data) and bool(
        {"resource_registry", "parameter_defaults", "parameters"} & set(data))


def section(template: Mapping, name: str) -> Mapping:
    """A template section as a mapping (empty if absent or of the wrong type)."""
    value = template.get(name)
    return value if isinstance(value, Mapping) else {}


FUNCTION_NAMES = ("if", "not", "and", "or", "equals", "contains", "yaql", "repeat", "digest",
                  "filter", "make_url", "condition", "resolve")


def is_function(value: Any) -> bool:
    """Whether `value` is an intrinsic function call ({get_attr: [...]}, {if: [...]}, ...)."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key.startswith(("get_", "list_", "str_", "map_"))
                                     or key in FUNCTION_NAMES)


def functions(data: Any, path: Path = ()) -> Iterator[Tuple[str, Any, Path]]:
    """Every intrinsic function call (name, argument, path) anywhere under `data`."""
    stack = [(data, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            if is_function(node):
                (key, value), = node.items()
                yield key, value, where
            for key, value in node.items():
                stack.append((value, where + (key,)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                stack.append((value, where + (index,)))


def get_param_name(argument: Any) -> Optional[str]:
    """The parameter a get_param names, if static (`X` or `[X, key...]`)."""
    if isinstance(argument, str):
        return argument
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        return argument[0]
    return None


def declared_parameters(template: Mapping) -> set:
    return {str(name) for name in section(template, "parameters")}


def referenced_parameters(template: Mapping) -> set:
    """Every parameter named by a static get_param anywhere in the template."""
    names = set()
    for name, argument, _ in functions(template):
        if name == "get_param":
            param = get_param_name(argument)
            if param:
                names.add(param)
    for group in template.get("parameter_groups") or []:
        if isinstance(group, Mapping):
            names.update(str(p) for p in group.get("parameters") or [])
    return names
