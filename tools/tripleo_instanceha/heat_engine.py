"""Offline, in-process template validation with the real openstack-heat engine.

Why: THT's yaml-validate.py only looks at YAML structure; the only thing that
knows what Heat will accept is Heat itself. openstack-heat's engine validates
a stack (parameters and constraints, intrinsic functions, resource types via
the resource_registry, properties, nested template resources) without a
database, keystone or RPC -- once a few pieces of its service environment are
faked. This module owns that setup so every caller gets it right the same way:

* ``cfg.CONF(args=[], project='heat', default_config_files=[])`` before
  anything else (no /etc/heat/heat.conf is read);
* ``resources.initialise()`` to load the built-in resource plugins;
* an in-memory sqlite database (``OS::Heat::ResourceChain`` needs one), a
  ``fake://`` messaging transport (``ResourceGroup`` removal policies build an
  RPC client), and ``max_nested_stack_depth`` raised to 10 (THT nests deeper
  than Heat's default 5);
* Heat's logging (plugin deprecation chatter, and the tracebacks it logs for
  errors it then raises to us) and eventlet warnings silenced while Heat
  runs (restored afterwards, so the rest of the process keeps its logging).

The import and initialisation cost (about 2 s) is paid once, lazily, on the
first validation; later validations take milliseconds.

Heat's own blind spots, measured (real-tools.md section 2): it never reports an
undeclared ``get_param`` inside ``outputs``, nor one inside a nested template
(only its resource types are checked), nor a bad attribute name of a nested
template resource. That is why every template should also be validated as its
own top-level stack (:func:`validate_template`) and why the validate rules add
static checks for the rest.

Public API (the validators return a list of :class:`EngineError`, empty when valid;
an input our own reading refuses -- unreadable, or expanding past the bound of
every YAML the tools read -- is one error of kind ``InputError`` naming the file):

* :func:`validate_template` -- one template file as a standalone stack;
* :func:`validate_overcloud` -- a whole rendered THT ``overcloud.yaml`` with
  its environment files, as ``openstack overcloud deploy`` would send it;
* :func:`valid_template_versions` -- the ``heat_template_version`` values the
  installed engine accepts.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence

import yaml

from tripleo_instanceha import yamlio
from tripleo_instanceha.errors import InputError

#: Nesting depth THT needs (overcloud -> role -> service chain -> service -> ...).
MAX_NESTED_DEPTH = 10
#: A required parameter missing from the environment is given a dummy value and
#: validation is retried, at most this many times (passwords THT generates at
#: deploy time, such as AdminPassword, are never in a plan's environments).
MAX_DUMMY_PARAMETERS = 300
#: Stack name used for validation; some THT templates read it via RootStackName.
STACK_NAME = "overcloud"

#: A YAML anchor (``&name``) where YAML allows one: only files with one can expand.
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s,\[\]{}]+", re.MULTILINE)
_MISSING_PARAM = re.compile(r"The Parameter \((?P<name>[^)]+)\) was not provided")
_NESTED_PATH = re.compile(r"<(/[^<>]+\.(?:yaml|template))>")
_FILE_URL = re.compile(r"file://(?P<path>/[^\s\"'<>,]*)")

#: Required parameters found missing in earlier validations of this process
#: (generated passwords of nested templates): filled up front next time, which
#: saves a full engine pass per name on every later validation.
_learned_dummies: Dict[str, Any] = {}

_lock = threading.Lock()
_engine: Optional["_Engine"] = None

#: Why Heat's engine cannot run here. It is the optional ``heat`` extra
#: (``pip install 'tripleo-instanceha[heat]'``), so its absence is a skipped
#: check that each command names, never a failed one.
NOT_INSTALLED = "openstack-heat is not installed"
HEAT_MISSING = (NOT_INSTALLED + " (fix: pip install openstack-heat python-heatclient, or pass "
                "--skip-heat-check)")


def missing() -> str:
    """Why the engine cannot run here ('' when it can), found without importing Heat."""
    import importlib.util
    for module in ("heat.engine", "heatclient.common", "oslo_config"):
        try:
            if importlib.util.find_spec(module) is None:
                return NOT_INSTALLED
        except ImportError:
            return NOT_INSTALLED
    return ""


@dataclass
class EngineError:
    """One thing the Heat engine refused, with the file it was found in."""

    #: The template (or environment) file being validated.
    source: str
    #: Heat's message, with file:// URLs turned back into plain paths.
    message: str
    #: Heat's exception class name (StackValidationFailed, InvalidTemplateVersion, ...).
    kind: str = "StackValidationFailed"
    #: Parameters given dummy values to get past "was not provided" (never secrets).
    dummy_parameters: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.source}: {self.kind}: {self.message}"

    @property
    def innermost_file(self) -> str:
        """The deepest nested template Heat names (``...<path>.resources.X``), else source.

        Why: in a composed stack the error is in the last template of the chain,
        not in overcloud.yaml; that is the file the operator has to edit.
        """
        paths = _NESTED_PATH.findall(self.message)
        return paths[-1] if paths else self.source

    def to_dict(self) -> dict:
        return {"source": self.source, "kind": self.kind, "message": self.message}


class _Engine:
    """The initialised Heat modules; built once per process."""

    def __init__(self) -> None:
        with _quiet():
            from oslo_config import cfg
            from heat.common import config as heat_config  # noqa: F401 registers options
            from heat.common import context, messaging, template_format
            from heat.engine import environment, resources
            from heat.engine import stack as stack_mod
            from heat.engine import template as template_mod
            from heatclient.common import template_utils

            try:
                cfg.CONF(args=[], project="heat", default_config_files=[])
            except cfg.Error:
                # Already parsed by an embedding process (e.g. a Heat plugin host).
                pass
            cfg.CONF.set_override("max_nested_stack_depth", MAX_NESTED_DEPTH)
            cfg.CONF.set_override("connection", "sqlite://", group="database")
            resources.initialise()
            messaging.setup("fake://", optional=True)
            from heat.db import migration
            migration.db_sync()

        self.template_format = template_format
        self.environment = environment
        self.stack = stack_mod
        self.template = template_mod
        self.template_utils = template_utils
        self.context = context.RequestContext(user_id="validate", project_id="validate",
                                              is_admin=True)

    def versions(self) -> List[str]:
        """The heat_template_version values this engine knows (dates and names)."""
        from heat.engine import template as template_mod
        with _quiet():
            mgr = template_mod._get_template_extension_manager()
        names = []
        for name in mgr.names():
            key, _, value = name.partition(".")
            if key == "heat_template_version":
                names.append(value)
        return sorted(names)


def _get_engine() -> _Engine:
    """Initialise Heat once; later calls return the same engine."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = _Engine()
        return _engine


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence Heat's logging and warnings for the duration, then restore them."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def _services_available() -> Iterator[None]:
    """Let Heat take every OpenStack service as present while validating offline.

    Why: Heat asks keystone's catalogue whether the service behind a resource
    type exists (neutron for ports, heat itself for DeployedServer); with no
    keystone every such type is "unavailable", which says nothing about the
    templates. Restored afterwards.
    """
    from heat.engine import resource
    saved = resource.Resource.__dict__["is_service_available"]
    resource.Resource.is_service_available = classmethod(lambda cls, context: (True, None))
    try:
        yield
    finally:
        resource.Resource.is_service_available = saved


def _clean(message: str) -> str:
    """Make Heat's message readable: plain paths instead of file:// URLs."""
    return _FILE_URL.sub(lambda m: m.group("path"), str(message)).strip()


_SECRET_NAME = re.compile(r"pass(word|wd)?|secret|key|token|credential", re.IGNORECASE)


def _secrets(env: Mapping[str, Any], template: Mapping) -> List[str]:
    """Values Heat might echo in a message that must never be shown.

    Why: Heat quotes the offending value of a failed constraint even for a
    hidden parameter ("... does not match pattern"). Collected: values of
    hidden parameters of the template, and of every parameter (or nested key,
    such as FencingConfig's passwd) whose name says it is a secret.
    """
    found: List[str] = []
    params = template.get("parameters") if isinstance(template, Mapping) else None
    hidden = {str(n) for n, spec in (params or {}).items()
              if isinstance(spec, Mapping) and spec.get("hidden")}

    def walk(value: Any, secret: bool) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, secret or bool(_SECRET_NAME.search(str(key))))
        elif isinstance(value, list):
            for item in value:
                walk(item, secret)
        elif secret and isinstance(value, str) and len(value) >= 3:
            found.append(value)

    for section in ("parameter_defaults", "parameters"):
        values = env.get(section)
        if isinstance(values, Mapping):
            for name, value in values.items():
                walk(value, name in hidden or bool(_SECRET_NAME.search(str(name))))
    return sorted(set(found), key=len, reverse=True)


def _mask(message: str, secrets: List[str]) -> str:
    for secret in secrets:
        message = message.replace(secret, "******")
    return message


def _dummy_value(spec: Mapping) -> Any:
    """A value Heat accepts for a required parameter (type and constraints respected)."""
    for constraint in spec.get("constraints") or []:
        if not isinstance(constraint, Mapping):
            continue
        allowed = constraint.get("allowed_values")
        if isinstance(allowed, list) and allowed:
            return allowed[0]
        bounds = constraint.get("range")
        if isinstance(bounds, Mapping) and "min" in bounds:
            return bounds["min"]
    return {"number": 1, "boolean": False, "json": {},
            "comma_delimited_list": ""}.get(str(spec.get("type", "string")).lower(), "x")


def _required_parameters(template: Mapping) -> Dict[str, Any]:
    """Dummy values for the template's parameters that have no default.

    Why: these are the values an operator or tripleoclient supplies at deploy
    time (generated passwords above all); validating without them would only
    report their absence, one at a time.
    """
    params = template.get("parameters") if isinstance(template, Mapping) else None
    values: Dict[str, Any] = {}
    if not isinstance(params, Mapping):
        return values
    for name, spec in params.items():
        if isinstance(spec, Mapping) and "default" not in spec:
            values[str(name)] = _dummy_value(spec)
    return values


def _validate_stack(engine: _Engine, source: str, template: Mapping, files: Dict[str, str],
                    env: Dict[str, Any]) -> List[EngineError]:
    """Validate one stack, filling in required parameters the env does not set."""
    env = dict(env)
    env.pop("parameter_merge_strategies", None)
    defaults = dict(_learned_dummies)
    defaults.update(env.get("parameter_defaults") or {})
    env["parameter_defaults"] = defaults
    added: List[str] = []
    for _ in range(MAX_DUMMY_PARAMETERS):
        with _quiet(), _services_available():
            try:
                tmpl = engine.template.Template(template, files=files,
                                                env=engine.environment.Environment(env))
                engine.stack.Stack(engine.context, STACK_NAME, tmpl).validate()
                return []
            except Exception as exc:  # noqa: BLE001 - every Heat refusal is a finding
                message = _mask(_clean(str(exc)), _secrets(env, template))
                kind = type(exc).__name__
        missing = _MISSING_PARAM.search(message)
        if missing and missing.group("name") not in added:
            defaults[missing.group("name")] = "x"
            _learned_dummies[missing.group("name")] = "x"
            added.append(missing.group("name"))
            continue
        return [EngineError(source, message, kind, added)]
    return [EngineError(source, "too many required parameters without a value",
                        "ParameterError", added)]


def _load_environments(engine: _Engine, env_files: Sequence[str],
                       files: Dict[str, str]) -> Dict[str, Any]:
    """Merge environment files the way heatclient does before sending them to Heat.

    resource_registry paths are resolved relative to each environment file, and
    the files they name are added to the ``files`` map.
    """
    if not env_files:
        return {}
    for path in env_files:
        # heatclient parses with its own loader, which has no expansion bound.
        yamlio.load_file(path)
    env_map, env = engine.template_utils.process_multiple_environments_and_files(
        env_paths=[os.path.abspath(p) for p in env_files])
    files.update(env_map)
    return dict(env)


def _fetch_template(engine: _Engine, path: str) -> tuple:
    """Read a template and every file it references (type: x.yaml, get_file)."""
    yamlio.load_file(path)
    files, template = engine.template_utils.get_template_contents(
        template_file=os.path.abspath(path))
    # heatclient reads get_file targets as bytes and its JSON request to Heat
    # carries them as text (oslo jsonutils decodes UTF-8): Heat sees strings.
    return {k: (v.decode("utf-8") if isinstance(v, bytes) else v)
            for k, v in files.items()}, template


@contextlib.contextmanager
def _bounded_reads() -> Iterator[None]:
    """Every file heatclient fetches (nested templates, get_file, registry targets)
    passes the expansion bound of every YAML the tools read, before heatclient parses it.

    Why: heatclient parses each nested template with a loader of its own (no
    expansion bound) and re-serialises it as JSON, so ~70 nested aliases
    become a 10**7-node string before anything else sees them. The file is
    named in the InputError. Restored afterwards.
    """
    from heatclient.common import utils
    original = utils.read_url_content

    def read_url_content(url: str) -> Any:
        content = original(url)
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        if isinstance(text, str) and "*" in text and _ANCHOR.search(text):
            source = url[len("file://"):] if url.startswith("file://") else url
            try:
                yaml.load(text, Loader=yamlio.GuardedLoader)  # noqa: S506 - guarded
            except yamlio.ExpansionError as exc:
                raise yamlio.yaml_error(exc, source, text) from None
            except (yaml.YAMLError, RecursionError):
                pass  # not YAML (get_file of a script, say): opaque to Heat, nothing expands
        return content

    utils.read_url_content = read_url_content
    try:
        yield
    finally:
        utils.read_url_content = original


def _refused(exc: InputError) -> List[EngineError]:
    """Our own reading refused an input: one error naming the file, Heat never runs."""
    return [EngineError(p.source, p.message + (f" (fix: {p.fix})" if p.fix else ""),
                        "InputError") for p in exc.problems]


def _bounded_values(env: Mapping[str, Any], source: str) -> None:
    """The same bound on the environment handed to the engine, whatever built it."""
    yamlio.check_expansion(dict(env), source)


def validate_template(path: str, files: Optional[Mapping[str, str]] = None,
                      env: Optional[Mapping[str, Any]] = None,
                      env_files: Sequence[str] = ()) -> List[EngineError]:
    """Validate one template file as a standalone stack.

    ``files`` adds to (or overrides) the map of nested templates Heat may fetch;
    keys are the names used in the template or registry. ``env`` is an
    environment dict (``resource_registry``, ``parameter_defaults``, ...) applied
    after ``env_files``. Parameters without a default get a dummy value of their
    type, so a service template validates on its own the way THT would use it.
    """
    engine = _get_engine()
    try:
        with _quiet(), _bounded_reads():
            fetched, template = _fetch_template(engine, path)
            merged = _load_environments(engine, env_files, fetched)
    except InputError as exc:
        return _refused(exc)
    except Exception as exc:  # noqa: BLE001 - unreadable/unparsable input is a finding
        return [EngineError(path, _clean(str(exc)), type(exc).__name__)]
    if files:
        fetched.update(files)
    if env:
        merged = _merge_env(merged, env)
    try:
        _bounded_values(merged, f"the environment given to Heat for {path}")
    except InputError as exc:
        return _refused(exc)
    defaults = _required_parameters(template)
    defaults.update(merged.get("parameter_defaults") or {})
    merged["parameter_defaults"] = defaults
    return _validate_stack(engine, path, template, fetched, merged)


def _merge_env(base: Dict[str, Any], extra: Mapping[str, Any]) -> Dict[str, Any]:
    """Later environment wins key by key, per section, as Heat merges them."""
    merged = dict(base)
    for section, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(section), Mapping):
            merged[section] = {**merged[section], **value}
        else:
            merged[section] = value
    return merged


#: Environment that lets a composed overcloud validate with no servers and no
#: generated passwords: servers become no-op resources (DeployedServer would ask
#: keystone for the heat service), and the pacemaker secrets THT generates at
#: deploy time get placeholders. Nothing here is ever printed.
#: Environments of releases whose Heat still creates servers and ports (before
#: 18.0.0): pre-provisioned servers and ports, the layout an operator deploying
#: on provisioned nodes uses; offline there is no nova or neutron to create them.
DEPLOYED_SERVER_ENVS = ("environments/deployed-server-environment.yaml",
                        "environments/deployed-server-deployed-neutron-ports.yaml")

OVERCLOUD_OFFLINE_ENV: Dict[str, Any] = {
    "resource_registry": {"OS::TripleO::Server": "OS::Heat::None"},
}


def validate_overcloud(rendered_tree: str, env_files: Sequence[str] = (),
                       env: Optional[Mapping[str, Any]] = None,
                       template: str = "overcloud.yaml") -> List[EngineError]:
    """Validate a whole rendered THT overcloud as ``openstack overcloud deploy`` sends it.

    ``rendered_tree`` is the output of THT's process-templates.py; the
    ``overcloud-resource-registry-puppet.yaml`` found there is applied first,
    then ``env_files`` in order (later wins), then ``env``. Servers are mapped
    to ``OS::Heat::None`` and required passwords get placeholders, so a
    validation error is about the templates and environments, not about the
    missing undercloud.
    """
    engine = _get_engine()
    top = os.path.join(rendered_tree, template)
    registry = os.path.join(rendered_tree, "overcloud-resource-registry-puppet.yaml")
    envs = [registry] if os.path.isfile(registry) else []
    if _heat_creates_servers(registry):
        envs += [os.path.join(rendered_tree, rel) for rel in DEPLOYED_SERVER_ENVS
                 if os.path.isfile(os.path.join(rendered_tree, rel))]
    envs += list(env_files)
    try:
        with _quiet(), _bounded_reads():
            files, tpl = _fetch_template(engine, top)
            merged = _load_environments(engine, envs, files)
    except InputError as exc:
        return _refused(exc)
    except Exception as exc:  # noqa: BLE001 - unreadable/unparsable input is a finding
        return [EngineError(top, _clean(str(exc)), type(exc).__name__)]
    if env:
        merged = _merge_env(merged, env)
    try:
        _bounded_values(merged, f"the environment given to Heat for {top}")
    except InputError as exc:
        return _refused(exc)
    merged = _merge_env(merged, OVERCLOUD_OFFLINE_ENV)
    defaults = _required_parameters(tpl)
    defaults.update(merged.get("parameter_defaults") or {})
    # What tripleoclient passes at deploy time and no environment file carries.
    defaults.setdefault("RootStackName", STACK_NAME)
    defaults.setdefault("StackAction", "CREATE")
    merged["parameter_defaults"] = defaults
    return _validate_stack(engine, top, tpl, files, merged)


def _resolved_stack(engine: _Engine, template: Mapping, files: Dict[str, str],
                    env: Dict[str, Any], name: str):
    """A validated stack whose nested template resources answer get_attr.

    Heat resolves outputs from the state data of created resources. Offline
    nothing is created, so each nested template resource is resolved the
    same way, as a stack of its own with the properties its parent passes
    and the parent's environment (parameter_defaults reach nested stacks, as
    in a deployment), and its resolved outputs become its attribute data.
    """
    from heat.engine import node_data, stk_defn
    from heat.engine.resources.template_resource import TemplateResource

    stack = engine.stack.Stack(engine.context, name, engine.template.Template(
        template, files=files, env=engine.environment.Environment(env)))
    stack.validate()
    for res in list(stack.values()):
        if not isinstance(res, TemplateResource):
            continue
        child_env = stack.env.user_env_as_dict()
        child_env["parameters"] = res.child_params()
        child = _resolved_stack(engine, res.child_template(), files, child_env,
                                f"{name}-{res.name}")
        outputs = {key: out.get_value() for key, out in child.outputs.items()}
        attributes = dict(outputs)
        for key, value in outputs.items():
            if isinstance(value, dict):
                attributes.update({(key, sub): item for sub, item in value.items()})
        stk_defn.update_resource_data(stack.defn, res.name, node_data.NodeData(
            None, res.name, None, res.name, attributes, res.CREATE, res.COMPLETE))
    return stack


def resolve_outputs(path: str, parameter_defaults: Optional[Mapping[str, Any]] = None
                    ) -> Dict[str, Any]:
    """Every output of a template as Heat resolves it, nested template resources included.

    Why: what a service really hands to the nodes (role_data: hiera, Ansible
    tasks) is only known once Heat has evaluated its conditions and
    intrinsic functions for given parameters; this answers that offline.
    Raises Heat's own exception when the template does not validate, InputError when
    an input expands past the bound.
    """
    engine = _get_engine()
    with _quiet(), _services_available(), _bounded_reads():
        files, template = _fetch_template(engine, path)
        _bounded_values({"parameter_defaults": dict(parameter_defaults or {})},
                        f"the parameters given to Heat for {path}")
        stack = _resolved_stack(engine, template, files,
                                {"parameter_defaults": dict(parameter_defaults or {})},
                                "resolve")
        return {name: stack.outputs[name].get_value() for name in stack.outputs}


def _heat_creates_servers(registry: str) -> bool:
    try:
        with open(registry, encoding="utf-8") as handle:
            return "OS::TripleO::Server: OS::Nova::Server" in handle.read()
    except OSError:
        return False


def valid_template_versions() -> List[str]:
    """The heat_template_version values (dates and release names) Heat accepts."""
    return _get_engine().versions()


def is_initialised() -> bool:
    """Whether Heat was already imported and set up in this process (for benchmarks)."""
    return _engine is not None
