"""A ComputeInstanceHA role must also run PacemakerRemote and NovaCompute, and not Pacemaker.

Why: without PacemakerRemote the compute is not a pacemaker node, so its
failure is never detected; without NovaCompute there is nothing to evacuate;
a compute running the full Pacemaker service joins the quorum instead.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "iha-role-services"
KIND = "plan"
DESCRIPTION = "a role with ComputeInstanceHA also has PacemakerRemote and NovaCompute " \
    "(and not Pacemaker)"
FIX = "add the missing service to the role's ServicesDefault (or regenerate it with " \
    "tripleo-instanceha roles generate)"


def check(ctx: PlanContext) -> Iterator[Finding]:
    for role in ctx.iha_roles:
        source, line = ctx.role_location(role, "ServicesDefault")
        for service, why in ((P.SERVICE_PACEMAKER_REMOTE, "its failures are never detected"),
                             (P.SERVICE_NOVA_COMPUTE, "it runs no instances to evacuate")):
            if not role.has(service):
                yield error(ID, f"role {role.name} has ComputeInstanceHA but not {service}: "
                            f"{why}", source, line, FIX)
        if role.has(P.SERVICE_PACEMAKER):
            yield error(ID, f"role {role.name} has ComputeInstanceHA and the full Pacemaker "
                        "service: its computes would join the control-plane quorum", source, line,
                        "remove OS::TripleO::Services::Pacemaker; computes use PacemakerRemote")
