"""The Heat parameters of the Instance HA service: one source of names and defaults.

Why: the templates, the cluster model, the recovery budget and the docs all
talk about the same knobs; reading names and defaults from here keeps them from
drifting. Tests compare these defaults with the shipped templates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Tunable:
    name: str
    default: Any
    #: the hiera key the service template sets; None for a tunable the
    #: lifecycle tasks read themselves (no puppet class takes it)
    hiera: Optional[str]


ENABLE = "EnableInstanceHA"
ENABLE_FENCING = "EnableFencing"
FENCING_CONFIG = "FencingConfig"
STARTUP_DELAY = "NovaComputeStartupDelay"

TUNABLES = {
    t.name: t for t in (
        Tunable("InstanceHANoSharedStorage", True, "tripleo::instanceha::no_shared_storage"),
        Tunable("InstanceHAEvacuateDelay", 0, "tripleo::instanceha::evacuate_delay"),
        Tunable("InstanceHAKeystoneUser", "admin",
                "tripleo::profile::base::pacemaker::instance_ha::keystone_admin"),
        Tunable("InstanceHAKeystoneProject", "admin",
                "tripleo::profile::base::pacemaker::instance_ha::keystone_tenant"),
        Tunable("InstanceHAKeystonePassword", "",
                "tripleo::profile::base::pacemaker::instance_ha::keystone_password"),
        Tunable("InstanceHARemoteMonitorInterval", 5, "pacemaker_remote_monitor_interval"),
        Tunable("InstanceHARemoteReconnectInterval", 60, "pacemaker_remote_reconnect_interval"),
        Tunable("InstanceHAEvacuatePollInterval", 2, None),
        Tunable("InstanceHARemoteMonitorTimeout", 15, None),
        # the storm guard of nova-evacuate-iha (doc/source/evacuation-agent.rst)
        Tunable("InstanceHAStormThreshold", 0, None),
        Tunable("InstanceHAStormWindow", 300, None),
        Tunable("InstanceHAEvacuationsPerPass", 0, None),
    )
}

#: Upstream puppet-tripleo's defaults for the same knobs (anchors §2.4).
UPSTREAM_DEFAULTS = {
    "InstanceHARemoteMonitorInterval": 20,
    "InstanceHARemoteReconnectInterval": 60,
    # no timeout on the connection's monitor op: pacemaker's default op timeout
    "InstanceHARemoteMonitorTimeout": 20,
    # no such knob: the stock NovaEvacuate reads the evacuate attributes in its
    # monitor, every 10 s (puppet-tripleo's op), which the poll interval stands for
    "InstanceHAEvacuatePollInterval": 10,
}

SERVICE_COMPUTE_IHA = "OS::TripleO::Services::ComputeInstanceHA"
SERVICE_PACEMAKER = "OS::TripleO::Services::Pacemaker"
SERVICE_PACEMAKER_REMOTE = "OS::TripleO::Services::PacemakerRemote"
SERVICE_NOVA_COMPUTE = "OS::TripleO::Services::NovaCompute"
