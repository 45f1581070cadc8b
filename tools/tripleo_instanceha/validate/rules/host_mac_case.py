"""Every host_mac of FencingConfig is written in lower case.

Why: puppet-tripleo creates a node's stonith device only when the node has an
interface with that MAC (``local_fence_devices``, stdlib's
``has_interface_with``), a plain string comparison with facter's MACs, which
are lower case. A device written ``52:54:00:AA:BB:CC`` is silently never
created: an Instance HA compute then fails puppet ("Instance HA requires at
least one valid stonith device"), a controller simply has no fencing.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "host-mac-case"
KIND = "plan"
DESCRIPTION = "every FencingConfig host_mac is lower case, as puppet-tripleo compares it"
FIX = "write the MAC in lower case (tripleo-instanceha fencing generate does)"


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested or ctx.param(P.FENCING_CONFIG, None) in (None, "", {}):
        return
    try:
        config = ctx.plan.fencing
    except InputError:
        return  # fencing-config reports it
    for device in config.devices:
        mac = device.mac
        if mac and mac != mac.lower():
            source, line = ctx.device_location(device, config)
            yield error(ID, f"level{device.level} {device.agent}: host_mac {mac} is not lower "
                        "case; puppet-tripleo compares it exactly with the node's MACs "
                        f"(lower case), so it creates this device on no node", source, line,
                        f"write {mac.lower()}")
