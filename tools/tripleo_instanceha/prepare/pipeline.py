"""`prepare`: from an inventory to checked, rehearsed deploy inputs, all or nothing.

Why staged: every generated file is first written to a private staging
directory next to the output directory (a `fileio.OutputSet`: 0700, same file
system) and checked there (validate, rehearse, optionally the Heat engine on
the composed overcloud). Only when all checks pass are the files moved into
the output directory, so a failed or interrupted run leaves that directory
exactly as it was, and no copy of the BMC passwords stays behind.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tripleo_instanceha import fileio, heat_engine
from tripleo_instanceha.cluster import stacks
from tripleo_instanceha.errors import InputError, InstanceHAError
from tripleo_instanceha.inventory import load_inventory
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan import tunables as T
from tripleo_instanceha.plan.plan import Plan
from tripleo_instanceha.prepare import checks, command, envs, manifest, profiles
from tripleo_instanceha.prepare import roles as roles_mod
from tripleo_instanceha.prepare import templates
from tripleo_instanceha.yamlio import load_file

ROLES = "roles_data.yaml"
NODE_INFO = "node-info.yaml"
FENCING = "fencing.yaml"
PARAMETERS = "instance-ha-parameters.yaml"
#: Files holding secrets (BMC passwords): written 0600, never printed.
SECRET_FILES = (FENCING,)


@dataclass
class Request:
    templates: str
    nodes_file: str
    output_dir: str
    roles_file: Optional[str] = None
    env_files: List[str] = field(default_factory=list)
    settings: Dict[str, Any] = field(default_factory=dict)
    force: bool = False
    stack_name: str = "overcloud"
    heat_check: bool = True
    rehearse: bool = True
    #: Without Heat installed: skip the Heat check with a note (True) or refuse (False).
    heat_optional: bool = False
    #: Rehearsal scenarios to replay (empty: all of them).
    scenarios: List[str] = field(default_factory=list)


@dataclass
class Outcome:
    request: Request
    files: Dict[str, str] = field(default_factory=dict)
    written: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)
    role_counts: Dict[str, int] = field(default_factory=dict)
    changes: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    #: Every inventory node the plan places: its own name, host name and role.
    placed: List[Dict[str, Any]] = field(default_factory=list)
    fenced_nodes: List[str] = field(default_factory=list)
    findings: List[Any] = field(default_factory=list)
    rehearsal: Optional[checks.Rehearsal] = None
    heat: Optional[checks.HeatCheck] = None
    #: Why the Heat check was not run although asked for ('' when it ran or was not asked).
    heat_skipped: str = ""
    budget: Optional[Any] = None
    deploy: List[str] = field(default_factory=list)
    #: Why nothing was written ('' when the files are in place).
    stopped: str = ""

    @property
    def ok(self) -> bool:
        return not self.stopped


def placed_nodes(plan: Plan) -> List[Dict[str, Any]]:
    """Each placed inventory node with its host name and role, in inventory order.

    Why: the report otherwise speaks only of host names, which the operator
    has never written; their own node names are how they find a node again.
    """
    placed = [{"node": slot.node.name, "index": slot.node.index, "host": slot.hostname,
               "role": slot.role.name} for slot in plan.placements if slot.node is not None]
    return sorted(placed, key=lambda item: item["index"])


def _check_inputs(req: Request) -> None:
    if not os.path.isfile(os.path.join(req.templates, "overcloud.j2.yaml")):
        raise InputError.single(req.templates, "not a tripleo-heat-templates tree (no "
                                "overcloud.j2.yaml)", fix="pass --templates "
                                "/usr/share/openstack-tripleo-heat-templates or --tht-release")
    for path in req.env_files:
        load_file(path)
    out = os.path.abspath(req.output_dir)
    if os.path.exists(out) and not os.path.isdir(out):
        raise InputError.single(req.output_dir, "exists and is not a directory",
                                fix="choose another --output-dir")
    for path in [req.nodes_file, req.roles_file] + list(req.env_files):
        if path and os.path.abspath(os.path.dirname(os.path.abspath(path))) == out:
            name = os.path.basename(path)
            if name in (ROLES, NODE_INFO, FENCING, PARAMETERS):
                raise InputError.single(path, "is an input and would be overwritten by an output",
                                        fix="keep inputs outside --output-dir")


def _pacemaker_environment(req: Request, plan: Plan) -> Optional[str]:
    """The release's pacemaker environment, when neither its registry nor -e maps Pacemaker."""
    if plan.environment.is_mapped(P.SERVICE_PACEMAKER):
        return None
    for name in ("podman-ha.yaml", "docker-ha.yaml", "puppet-pacemaker.yaml"):
        path = os.path.join(req.templates, "environments", name)
        if os.path.isfile(path):
            return path
    return None


def _check_tunables(plan: Plan, settings: Dict[str, Any]) -> None:
    """Refuse (exit 2, naming the operator's file) a tunable value outside its rule before
    it is copied into the parameters file: a later finding would name our copy instead."""
    found = [p for p in T.plan_problems(plan.environment, plan.roles)
             if p.role or p.parameter not in settings]
    if found:
        raise InputError(found)


def _stage(outputs: fileio.OutputSet, files: Dict[str, str]) -> None:
    for name, text in files.items():
        outputs.write(name, text, 0o600 if name in SECRET_FILES else 0o644)


def _commit(outputs: fileio.OutputSet, files: Dict[str, str], outcome: Outcome) -> None:
    outputs.write(manifest.MANIFEST, manifest.render(files), 0o644)
    outputs.commit()
    outcome.written = sorted(n for n in outputs.committed if n != manifest.MANIFEST)
    outcome.unchanged = sorted(n for n in outputs.unchanged if n != manifest.MANIFEST)


def _unstaged(finding: Any, staging: str, output_dir: str) -> Any:
    """A finding about a staged file names the file it will become in the output directory."""
    path = getattr(finding, "file", None)
    if isinstance(path, str) and path.startswith(staging + os.sep):
        return dataclasses.replace(finding, file=output_dir + path[len(staging):])
    return finding


def _env_chain(root: str, pacemaker_env: Optional[str], user_envs: List[str],
               generated: tuple = (NODE_INFO, FENCING, PARAMETERS)) -> List[str]:
    """The -e files in deploy order: pacemaker, Instance HA, the operator's, then ours."""
    return (([pacemaker_env] if pacemaker_env else [])
            + [os.path.join(root, templates.ENVIRONMENT)]
            + [os.path.abspath(path) for path in user_envs]
            + [os.path.join(root, name) for name in generated])


def _checks_pass(req: Request, plan: Plan, env_chain: List[str], staging: str,
                 output_dir: str, outcome: Outcome) -> bool:
    """validate, rehearse, Heat: stop at the first that fails (outcome.stopped says which)."""
    outcome.findings = [_unstaged(f, staging, output_dir) for f in
                        checks.validate(plan, req.templates, env_chain)]
    if checks.has_errors(outcome.findings):
        outcome.stopped = "validate found errors"
        return False
    if req.rehearse:
        outcome.rehearsal = checks.rehearse(plan, req.scenarios,
                                            stacks.choose(templates_dir=req.templates))
        outcome.budget = outcome.rehearsal.report.budget
        if not outcome.rehearsal.ok:
            outcome.stopped = "the rehearsal failed"
            return False
    else:
        outcome.budget = checks.recovery_budget(plan)
    if req.heat_check and not outcome.heat_skipped:
        outcome.heat = checks.heat_check(req.templates, os.path.join(staging, ROLES), env_chain)
        if not outcome.heat.ok:
            outcome.stopped = "the Heat engine refused the composed overcloud"
            return False
    return True


def run(req: Request) -> Outcome:
    """Generate, check and (only when clean) write the deploy inputs; see the module doc."""
    _check_inputs(req)
    heat_missing = heat_engine.HEAT_MISSING if req.heat_check and heat_engine.missing() else ""
    if heat_missing and not req.heat_optional:
        raise InstanceHAError(heat_missing)
    nodes = load_inventory(req.nodes_file)
    if not nodes:
        raise InputError.single(req.nodes_file, "the inventory has no nodes",
                                fix="list the overcloud nodes under 'nodes'")
    outcome = Outcome(req, heat_skipped=heat_missing)
    roles = roles_mod.roles_for(req.templates, nodes, req.roles_file)
    assignment = profiles.assign(nodes, roles.roles)
    envs.check_assignment(roles.roles, assignment, req.nodes_file)
    outcome.changes = roles.changes
    outcome.notes = assignment.notes()
    outcome.role_counts = {r.name: assignment.counts.get(r.name, 0) for r in roles.roles}

    files: Dict[str, str] = dict(templates.adapted_templates(req.templates))
    files[ROLES] = roles.text
    files[NODE_INFO] = envs.node_info_text(roles.roles, assignment, req.nodes_file,
                                           envs.declares_flavors(req.templates))
    output_dir = os.path.abspath(req.output_dir)
    with fileio.OutputSet(output_dir) as outputs:
        staging = outputs.staging
        _stage(outputs, files)
        roles_file = os.path.join(staging, ROLES)
        base_plan = Plan.load(req.templates, roles_file, list(req.env_files), req.nodes_file,
                              req.stack_name)
        pacemaker_env = _pacemaker_environment(req, base_plan)
        user_plan = Plan.load(req.templates, roles_file,
                              _env_chain(staging, pacemaker_env, req.env_files, (NODE_INFO,)),
                              req.nodes_file, req.stack_name)
        _check_tunables(user_plan, req.settings)
        files[PARAMETERS] = envs.parameters_text(
            envs.chosen_tunables(req.settings, user_plan.param))
        files[FENCING], outcome.fenced_nodes = checks.fencing(user_plan, req.nodes_file)
        _stage(outputs, {name: files[name] for name in (PARAMETERS, FENCING)})

        found = [] if req.force else manifest.conflicts(output_dir, files)
        if found:
            raise manifest.refuse(req.output_dir, found)
        env_chain = _env_chain(staging, pacemaker_env, req.env_files)
        plan = Plan.load(req.templates, roles_file, env_chain, req.nodes_file, req.stack_name)
        outcome.placed = placed_nodes(plan)
        if not _checks_pass(req, plan, env_chain, staging, output_dir, outcome):
            return outcome
        _commit(outputs, files, outcome)
    outcome.files = {name: os.path.join(output_dir, name) for name in files}
    outcome.deploy = command.deploy_command(os.path.abspath(req.templates),
                                            os.path.join(output_dir, ROLES),
                                            _env_chain(output_dir, pacemaker_env, req.env_files),
                                            req.stack_name)
    return outcome
