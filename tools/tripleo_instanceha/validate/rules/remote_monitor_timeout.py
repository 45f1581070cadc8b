"""InstanceHARemoteMonitorTimeout leaves room for a compute that pauses for a moment.

Why: the timeout is how long pacemaker waits for one answer from a compute's
pacemaker_remote before the compute counts as failed and is fenced. A compute
that freezes for a few seconds (a hypervisor pause, a storage stall, a kernel
hiccup) has lost no instance; fencing it evacuates every instance for
nothing. The floor (``MINIMUM``) is provisional, chosen by reasoning, until
the live measurement of how long a frozen compute takes to answer replaces
it (doc/source/templates.rst, "The remote monitor timeout"): TripleO's
controllers already ride out a 10 s stall (THT sets corosync's token timeout
to 10000 ms), and a compute frozen that long hears the monitor's request only
when Linux TCP retransmits it, at 0.2, 0.6, 1.4, 3.0, 6.2 and 12.6 s after
the send (the 200 ms minimum retransmission timeout, doubled each time), so
its answer comes about 12.6 s after the request: below 13 s that monitor
fails. Values outside the rule's range are the ``tunables`` rule's findings.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import tunables as T
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, warning

ID = "remote-monitor-timeout"
KIND = "plan"
NAME = "InstanceHARemoteMonitorTimeout"
#: Seconds a whole compute may stall (frozen, or its link down) without being fenced:
#: what the project promises with a timeout of at least MINIMUM; the live e2e's
#: "link loss" scenario stalls a compute this long and checks nothing is fenced.
TOLERATED_STALL = 10
#: Seconds; provisional (see the module's docstring).
MINIMUM = 13
DESCRIPTION = (f"{NAME} is at least {MINIMUM} s, so a compute frozen for a few seconds is "
               "not fenced")
FIX = (f"set {NAME} to {MINIMUM} or more (the default is 15); detection of a silent failure "
       "takes the monitor interval plus this timeout, so shorten "
       "InstanceHARemoteMonitorInterval instead to detect sooner")


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested or not ctx.is_set(NAME):
        return
    value, problem = T.check(NAME, ctx.param(NAME), "parameter_defaults")
    if problem is not None or value >= MINIMUM:
        return
    source, line = ctx.param_location(NAME)
    yield warning(ID, f"{NAME} is {value:g} s: pacemaker fences an Instance HA compute whose "
                  f"pacemaker_remote does not answer one monitor within {value:g} s, so a "
                  f"compute frozen for a few seconds (answered only after TCP's "
                  f"retransmissions, 12.6 s for a 10 s stall) would be fenced and its "
                  f"instances evacuated for nothing", source, line, FIX)
