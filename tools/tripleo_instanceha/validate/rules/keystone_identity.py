"""The keystone identity of fence-nova and nova-evacuate is one puppet-tripleo can use.

Why: puppet-tripleo creates fence-nova with ``login => $keystone_admin`` and
``tenant_name => $keystone_admin`` (the *user* name as the project,
manifests/profile/base/pacemaker/instance_ha.pp), and only nova-evacuate gets
``$keystone_tenant``. A user whose name is not its project's (the ``nova``
service user in ``service``) makes fence-nova fail keystone with 401 on every
action: no compute is fenced to completion and no instance is evacuated,
while the deploy succeeds. A post-deploy ``pcs stonith update`` does not
help: puppet's deep compare puts the device back on the next run. And with no
InstanceHAKeystonePassword puppet uses keystone's admin password, which only
the admin user has.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "keystone-identity"
KIND = "plan"
DESCRIPTION = "InstanceHAKeystoneUser is also the name of its project, and a user other " \
    "than admin has its own InstanceHAKeystonePassword"
FIX = "use a keystone user whose name equals its project's (the default admin/admin), " \
    "with InstanceHAKeystonePassword set unless it is admin"

USER = "InstanceHAKeystoneUser"
PROJECT = "InstanceHAKeystoneProject"
PASSWORD = "InstanceHAKeystonePassword"


def _location(ctx: PlanContext, *names: str) -> tuple:
    for name in names:
        if ctx.is_set(name):
            return ctx.param_location(name)
    return None, None


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested:
        return
    user = str(ctx.plan.param(USER))
    project = str(ctx.plan.param(PROJECT))
    if user != project:
        source, line = _location(ctx, USER, PROJECT)
        yield error(ID, f"{USER} is {user!r} but {PROJECT} is {project!r}: puppet-tripleo "
                    "creates fence-nova with tenant_name => $keystone_admin (the user, "
                    "instance_ha.pp), so fence-nova would authenticate to project "
                    f"{user!r} and keystone refuses it (401): no compute would be fenced to "
                    "completion and no instance evacuated", source, line,
                    f"set {PROJECT} to {user!r} (a user that is a member of a project of its "
                    "own name) or use the admin user and project")
    if user != "admin" and not str(ctx.plan.param(PASSWORD) or ""):
        source, line = _location(ctx, USER)
        yield error(ID, f"{USER} is {user!r} but {PASSWORD} is empty: puppet-tripleo then uses "
                    "keystone's admin password for this user, and fence-nova and "
                    "nova-evacuate fail to authenticate", source, line,
                    f"set {PASSWORD} to {user!r}'s password (environment file, 0600)")
