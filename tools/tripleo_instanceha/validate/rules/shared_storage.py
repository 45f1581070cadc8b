"""InstanceHANoSharedStorage must match the ephemeral storage the plan configures.

Why: nova-evacuate passes on_shared_storage = not InstanceHANoSharedStorage
to nova. Ceph RBD ephemeral disks and NFS-backed instances are shared; local
disks are not. A mismatch makes evacuations fail or lose disks.
"""
from __future__ import annotations

from typing import Iterator, List

from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, warning

ID = "shared-storage"
KIND = "plan"
DESCRIPTION = "InstanceHANoSharedStorage matches the ephemeral storage (Ceph RBD, NFS = shared)"
NAME = "InstanceHANoSharedStorage"
FIX = f"set {NAME} to false for RBD/NFS ephemeral storage, true for local disks"

#: Parameters that put instance disks on shared storage when true.
SHARED_BACKENDS = {"NovaEnableRbdBackend": "Ceph RBD ephemeral storage",
                   "NovaNfsEnabled": "NFS instance storage"}


def _true(ctx: PlanContext, value) -> bool:
    return ctx.plan._bool(value) if value is not None else False


def shared_backends(ctx: PlanContext) -> List[str]:
    found = []
    for name, what in SHARED_BACKENDS.items():
        if _true(ctx, ctx.param(name, None)):
            found.append(f"{what} ({name})")
            continue
        for role in ctx.iha_roles:
            params = ctx.param(f"{role.name}Parameters", None)
            if isinstance(params, dict) and _true(ctx, params.get(name)):
                found.append(f"{what} ({role.name}Parameters.{name})")
                break
    return found


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested:
        return
    no_shared = _true(ctx, ctx.plan.param(NAME))
    shared = shared_backends(ctx)
    source, line = ctx.param_location(NAME)
    if shared and no_shared:
        yield warning(ID, f"{NAME} is true (the default) but the plan uses "
                      f"{' and '.join(shared)}: nova-evacuate tells nova the disks are local "
                      "(on_shared_storage=false), nova finds them on shared storage and refuses "
                      "the evacuation (InvalidSharedStorage), leaving the instances in ERROR",
                      source, line, f"set {NAME}: false")
    elif not shared and not no_shared:
        yield warning(ID, f"{NAME} is false but no shared ephemeral storage is configured "
                      "(NovaEnableRbdBackend/NovaNfsEnabled are off): nova-evacuate tells nova the "
                      "disks are shared, nova finds local disks and refuses the evacuation "
                      "(InvalidSharedStorage), leaving the instances in ERROR", source, line,
                      f"set {NAME}: true, or configure the shared backend")
