"""Instance HA must be switched on consistently: the parameter, a role, and the service mapping.

Why: each of the three is needed; with only some of them the deploy succeeds
and nothing is protected (EnableInstanceHA without a ComputeInstanceHA role),
or the role's computes join pacemaker without evacuation (role without
EnableInstanceHA), or the service is OS::Heat::None (env file forgotten).
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.environment import NONE_TYPE
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "iha-enabled"
KIND = "plan"
DESCRIPTION = "EnableInstanceHA, a ComputeInstanceHA role and the ComputeInstanceHA/" \
    "PacemakerRemote/Pacemaker service mappings agree"
FIX = "deploy with -e environments/instance-ha.yaml and a roles file with ComputeInstanceHA"


def _mapping_problem(ctx: PlanContext, service: str) -> str:
    env = ctx.plan.environment
    target = env.resolve(service)
    if target == NONE_TYPE:
        return "maps to OS::Heat::None"
    if target is None and ctx.target:  # only THT's base registry makes "unmapped" certain
        return "is not mapped in any environment"
    return ""


def check(ctx: PlanContext) -> Iterator[Finding]:
    enabled = ctx.plan._bool(ctx.param(P.ENABLE, False))
    roles = ctx.iha_roles
    if not enabled and not roles:
        yield warning(ID, "Instance HA is not enabled in this plan (EnableInstanceHA is not true "
                      "and no role has the ComputeInstanceHA service); nothing else was checked",
                      ctx.plan.roles_file, None, FIX)
        return
    if enabled and not roles:
        source, line = ctx.param_location(P.ENABLE)
        yield error(ID, "EnableInstanceHA is true but no role has OS::TripleO::Services::"
                    "ComputeInstanceHA: no compute is protected", source, line,
                    "use the ComputeInstanceHA role (tripleo-instanceha roles generate) for the "
                    "computes to protect")
    if roles and not enabled:
        source, line = ctx.param_location(P.ENABLE)
        names = ", ".join(r.name for r in roles)
        yield error(ID, f"role(s) {names} carry ComputeInstanceHA but EnableInstanceHA is not "
                    "true: their computes join pacemaker but nothing evacuates them",
                    source or ctx.plan.roles_file, line,
                    "add -e environments/instance-ha.yaml (sets EnableInstanceHA: true)")
    if not roles:
        return
    try:
        counts = {r.name: ctx.plan.role_count(r) for r in roles}
    except Exception:  # noqa: BLE001 - a bad count is param-types' finding
        counts = {}
    if counts and not any(counts.values()):
        name = f"{roles[0].name}Count"
        source, line = ctx.param_location(name)
        yield warning(ID, f"no node uses the Instance HA role(s) ({', '.join(counts)}: count 0): "
                      "no compute is protected", source or ctx.plan.roles_file, line,
                      f"set {name} to the number of computes to protect")
    env = ctx.plan.environment
    services = [(P.SERVICE_COMPUTE_IHA, "ComputeInstanceHA roles")]
    if any(r.is_remote for r in roles):
        services.append((P.SERVICE_PACEMAKER_REMOTE, "the computes' pacemaker_remote"))
    if any(r.is_cluster_member for r in ctx.plan.roles):
        services.append((P.SERVICE_PACEMAKER, "the controllers' cluster"))
    for service, what in services:
        why = _mapping_problem(ctx, service)
        if why:
            source, line = ctx.registry_location(service)
            if source is None and env.files:
                source = env.files[-1]
            yield error(ID, f"{service} {why}, so {what} will not be deployed", source, line,
                        "add -e environments/instance-ha.yaml and a pacemaker environment "
                        "(environments/docker-ha.yaml) after any file that disables it")
