"""The pacemaker configuration (CIB) a plan's deployment ends up with.

Why a model and not a template: what puppet-tripleo creates depends on the
roles, the inventory, the fencing environment and the Instance HA tunables,
and the same facts feed the scenario checks, the recovery budget and the live
cluster test. The model mirrors puppet-tripleo:

- ``tripleo::profile::base::pacemaker``: one ``ocf:pacemaker:remote`` resource
  per pacemaker_remote node (``reconnect_interval``, monitor interval), and
  ``cluster-recheck-interval=60s`` when remotes exist;
- ``tripleo::fencing``: per node, one stonith device per supported agent whose
  ``host_mac`` is one of the node's MACs (id ``stonith-fence_<agent>-<mac>``,
  ``pcmk_host_list`` = that node), and per level one fencing level; on an
  Instance HA compute the level also holds ``stonith-fence_compute-fence-nova``;
- puppet-pacemaker's ``pcmk_stonith`` provider: with more than one cluster
  member, every device with a ``pcmk_host_list`` also gets
  ``pcs constraint location <device> avoids <pcmk_host_list>=10000`` (see
  ``Avoid``);
- ``tripleo::profile::base::pacemaker::instance_ha``: resource default
  ``requires=fencing``, the ``fence-nova`` device (``record_only=1``,
  ``provides=unfencing``), the ``compute-unfence-trigger`` clone and
  ``nova-evacuate`` with their location rules;
- ``tripleo::profile::pacemaker::compute_instanceha``: node attribute
  ``compute-instanceha-role=true`` on each Instance HA compute;
- the lifecycle template's external deploy step 5
  (``deployment/pacemaker/compute-instanceha-lifecycle.yaml``, see
  doc/source/evacuation-agent.rst): the project's own evacuation agent
  ``nova-evacuate-iha`` (``ocf:tripleo-instanceha:NovaEvacuate``, with
  nova-evacuate's parameters plus ``poll_interval``), its location rule, and
  the two constraints that keep puppet's ``nova-evacuate`` stopped, and
  ``InstanceHARemoteMonitorTimeout`` as the timeout of each Instance HA
  compute's connection monitor (puppet gives it none).

The CIB holds keystone and BMC passwords, as the real one does: write it with
``yamlio.atomic_write`` (0600) and show it only through ``masked``.
"""
from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from tripleo_instanceha.cluster import stacks
from tripleo_instanceha.cluster.stacks import ClusterStack

from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.fencing_config import SECRET_PARAMS

#: Agents puppet-tripleo's ``tripleo::fencing`` turns into stonith devices
#: (fence_xvm only on non-containerised deployments, so not here).
CREATED_AGENTS = ("fence_ironic", "fence_redfish", "fence_ipmilan", "fence_kdump", "fence_rhevm")
FENCE_NOVA = "stonith-fence_compute-fence-nova"
UNFENCE_TRIGGER = "compute-unfence-trigger"
UNFENCE_CLONE = "compute-unfence-trigger-clone"
NOVA_EVACUATE = "nova-evacuate"
ROLE_ATTRIBUTE = "compute-instanceha-role"
#: pacemaker's timeout for an operation that declares none (the scheduler's
#: unpack_timeout falls back to CRM_DEFAULT_OP_TIMEOUT_S, "20s"; 2.1's
#: PCMK_DEFAULT_ACTION_TIMEOUT_MS is 20000). puppet-tripleo creates each
#: connection's monitor with an interval only, and pcs completes only the ops it
#: was not given from the agent's metadata (30 s for monitor), so this applies to
#: the connection monitor of a puppet-only deployment (doc/source/templates.rst).
PACEMAKER_DEFAULT_OP_TIMEOUT = 20
#: InstanceHARemoteMonitorTimeout's default: the timeout the lifecycle tasks set
#: at external deploy step 5 on each Instance HA compute's connection monitor.
REMOTE_MONITOR_TIMEOUT = 15
#: puppet-pacemaker creates every stonith device with this monitor interval.
STONITH_MONITOR_INTERVAL = 60
#: ocf:openstack:NovaEvacuate's metadata: monitor every 10 s, timeout 600 s.
NOVA_EVACUATE_MONITOR = (10, 600)
#: The project's evacuation agent, run beside puppet's nova-evacuate by the lifecycle tasks.
EVACUATE_IHA = "nova-evacuate-iha"
EVACUATE_IHA_PROVIDER = "tripleo-instanceha"
EVACUATE_IHA_TYPE = "NovaEvacuate"
#: Its monitor only checks that the worker lives: short interval and timeout.
EVACUATE_IHA_MONITOR = (10, 20)
#: Its stop waits for an evacuation under way (the agent's metadata says 600 s).
EVACUATE_IHA_STOP_TIMEOUT = 600
#: InstanceHAEvacuatePollInterval's default.
EVACUATE_POLL_DEFAULT = P.TUNABLES["InstanceHAEvacuatePollInterval"].default
#: The storm guard's parameters of nova-evacuate-iha and the Heat parameters the
#: lifecycle tasks set them from (doc/source/evacuation-agent.rst, "Storm guard").
STORM_PARAMS = {"storm_threshold": "InstanceHAStormThreshold",
                "storm_window": "InstanceHAStormWindow",
                "max_per_pass": "InstanceHAEvacuationsPerPass"}
#: Its location rule (controllers only); the id must not contain
#: ``location-nova-evacuate``, which puppet greps for to find its own rule.
EVACUATE_IHA_RULE = "tripleo-instanceha-evacuate-on-controllers"
#: -INFINITY for puppet's nova-evacuate on every node.
STOCK_EVACUATE_OFF = "tripleo-instanceha-stock-evacuate-off"
#: stop nova-evacuate, then start nova-evacuate-iha (mandatory, not symmetrical).
STOCK_EVACUATE_FIRST = "tripleo-instanceha-stock-evacuate-first"
MASK = "********"
SECRET_KEYS = tuple(SECRET_PARAMS) + ("passwd",)


@dataclass
class Op:
    name: str
    interval: int = 0
    timeout: Optional[int] = None
    on_fail: Optional[str] = None


@dataclass
class Primitive:
    """A resource or stonith device: its agent, parameters, meta attributes and operations."""

    id: str
    cls: str
    type: str
    provider: Optional[str] = None
    params: Dict[str, str] = field(default_factory=dict)
    meta: Dict[str, str] = field(default_factory=dict)
    ops: List[Op] = field(default_factory=list)
    #: For stonith devices: the node whose device it is (None for fence-nova).
    owner: Optional[str] = None

    @property
    def host_list(self) -> List[str]:
        value = self.params.get("pcmk_host_list", "")
        return [h for h in value.replace(",", " ").split() if h]

    def op(self, name: str) -> Optional[Op]:
        return next((o for o in self.ops if o.name == name), None)

    def masked_params(self) -> Dict[str, str]:
        return masked(self.params)


@dataclass
class FencingLevel:
    target: str
    index: int
    devices: List[str]

    @property
    def id(self) -> str:
        return f"fl-{self.target}-{self.index}"


@dataclass
class Location:
    """``rsc_location`` with one rule expression, as puppet's location_rule makes it."""

    rsc: str
    attribute: str
    operation: str
    #: None for operations without a value (``defined``)
    value: Optional[str]
    score: str = "-INFINITY"
    discovery: Optional[str] = "never"
    #: the constraint's id when it is not pcs's ``location-<rsc>``
    cid: Optional[str] = None

    @property
    def id(self) -> str:
        return self.cid or f"location-{self.rsc}"


@dataclass
class Order:
    """``rsc_order``: ``first``'s ``first_action`` before ``then``'s ``then_action``."""

    id: str
    first: str
    then: str
    first_action: str = "stop"
    then_action: str = "start"
    kind: str = "Mandatory"
    symmetrical: bool = False


#: The score puppet-pacemaker gives the constraint keeping a device off its target.
AVOID_SCORE = 10000
#: Keystone's public endpoint without TLS (THT's endpoint_map default for KeystonePublic).
KEYSTONE_PUBLIC_DEFAULT = {"protocol": "http", "port": "5000", "host": "IP_ADDRESS"}


@dataclass
class Avoid:
    """``pcs constraint location <rsc> avoids <node>=10000`` as pcs writes it.

    Why: puppet-pacemaker creates one per stonith device when the cluster has
    more than one member (openstack-archive/puppet-pacemaker
    ``lib/puppet/provider/pcmk_stonith/default.rb:132-141``, commit 93d1edce,
    ``stonith_location_rule_create``: ``nodes_count = crm_node_l().lines.size``,
    skipped for ``watchdog``). It passes ``pcmk_host_list`` verbatim as the node:
    for fence-nova that is the comma-joined compute list, which pcs takes as
    ONE node name (``node="c0,c1"``, id without the comma). That node does not
    exist, so fence-nova's constraint binds nothing.
    """

    rsc: str
    node: str
    score: int = AVOID_SCORE

    @property
    def id(self) -> str:
        # pcs derives the id from "location-<rsc>-<node>-<-score>" and drops
        # the characters an XML id cannot hold (the comma of a host list).
        return _pcs_id(f"location-{self.rsc}-{self.node}--{self.score}")


def _pcs_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "", text)


def masked(params: Dict[str, str]) -> Dict[str, str]:
    """Parameters with every password replaced, for reports and logs."""
    return {k: (MASK if k in SECRET_KEYS else v) for k, v in params.items()}


def _seconds(value: object, default: int) -> int:
    try:
        return int(str(value).rstrip("s"))
    except (TypeError, ValueError):
        return default


@dataclass
class ClusterModel:
    """The cluster: members, remotes, resources, stonith topology and properties."""

    controllers: List[str] = field(default_factory=list)
    #: pacemaker_remote nodes (every role with PacemakerRemote).
    remotes: List[str] = field(default_factory=list)
    #: Instance HA computes (carry compute-instanceha-role=true; subset of remotes).
    computes: List[str] = field(default_factory=list)
    primitives: List[Primitive] = field(default_factory=list)
    #: clone id -> primitive id
    clones: Dict[str, str] = field(default_factory=dict)
    levels: List[FencingLevel] = field(default_factory=list)
    locations: List[Location] = field(default_factory=list)
    #: the constraints keeping each stonith device off the node(s) it fences
    avoids: List[Avoid] = field(default_factory=list)
    orders: List[Order] = field(default_factory=list)
    node_attributes: Dict[str, Dict[str, str]] = field(default_factory=dict)
    properties: Dict[str, str] = field(default_factory=dict)
    rsc_defaults: Dict[str, str] = field(default_factory=dict)
    #: What the deployment would silently drop or refuse, found while building.
    notes: List[str] = field(default_factory=list)
    #: Where the model knowingly differs from the deployed CIB (shown in the summary).
    approximations: List[str] = field(default_factory=list)
    instance_ha: bool = True
    #: the pacemaker/pcs the deployment runs on: decides the CIB's schema and feature set
    stack: ClusterStack = field(default_factory=lambda: stacks.DEFAULT)

    # -- lookups ---------------------------------------------------------
    def primitive(self, rid: str) -> Optional[Primitive]:
        return next((p for p in self.primitives if p.id == rid), None)

    @property
    def evacuator(self) -> str:
        """The resource that evacuates: ours when the lifecycle tasks added it, else puppet's."""
        return EVACUATE_IHA if self.primitive(EVACUATE_IHA) is not None else NOVA_EVACUATE

    @property
    def held_stopped(self) -> List[str]:
        """Resources the configuration keeps stopped on purpose: puppet's
        nova-evacuate once ours runs. A health check must not wait for them."""
        return [NOVA_EVACUATE] if self.evacuator == EVACUATE_IHA else []

    @property
    def stonith(self) -> List[Primitive]:
        return [p for p in self.primitives if p.cls == "stonith"]

    @property
    def nodes(self) -> List[str]:
        return self.controllers + self.remotes

    def levels_for(self, target: str) -> List[FencingLevel]:
        return sorted((lv for lv in self.levels if lv.target == target), key=lambda lv: lv.index)

    def remote_monitor_timeout(self, node: str) -> int:
        """Seconds pacemaker gives one check of ``node``'s connection.

        Why not the agent's metadata: an op without ``timeout`` gets
        pacemaker's default (``PACEMAKER_DEFAULT_OP_TIMEOUT``), not the 30 s
        ocf:pacemaker:remote advertises, which pcs copies only into the ops it
        creates itself.
        """
        prim = self.primitive(node)
        op = prim.op("monitor") if prim else None
        if op is None or op.timeout is None:
            return PACEMAKER_DEFAULT_OP_TIMEOUT
        return op.timeout

    def remote_monitor_ms(self, node: str) -> int:
        """The monitor op key crm_simulate needs to fail a remote connection."""
        prim = self.primitive(node)
        op = prim.op("monitor") if prim else None
        return (op.interval if op else 0) * 1000

    # -- building --------------------------------------------------------
    @classmethod
    def from_plan(cls, plan, addresses: Optional[Dict[str, str]] = None,
                  keystone_url: Optional[str] = None,
                  stack: Optional[ClusterStack] = None,
                  lifecycle: bool = True) -> "ClusterModel":
        """Build what puppet-tripleo creates for this plan.

        ``addresses`` maps node names to the address pacemaker reaches
        pacemaker_remote on (the remote's ``server``; without it pacemaker uses
        the node name). ``stack`` is the target cluster stack (the CIB is
        written as its pacemaker writes one; default ``stacks.DEFAULT``).
        ``keystone_url`` is fence-nova's and nova-evacuate's
        ``auth_url``; without it the public endpoint is derived from CloudName.
        ``lifecycle`` False leaves out what the lifecycle tasks add at external
        deploy step 5 (our evacuation agent and its constraints, the Instance HA
        connections' monitor timeout): the CIB
        puppet alone builds, which those tasks start from.
        """
        addresses = addresses or {}
        model = cls(instance_ha=plan.instance_ha_enabled, stack=stack or stacks.DEFAULT)
        model.controllers = [p.name for p in plan.cluster_members]
        remote_places = plan.remotes
        model.remotes = [p.name for p in remote_places]
        iha = [p for p in plan.iha_computes]
        model.computes = [p.name for p in iha]
        monitor = _seconds(plan.param("InstanceHARemoteMonitorInterval"),
                           P.TUNABLES["InstanceHARemoteMonitorInterval"].default)
        reconnect = _seconds(plan.param("InstanceHARemoteReconnectInterval"), 60)
        # the lifecycle tasks set the timeout on the Instance HA computes' monitors
        # only; the other connections keep puppet's op (no timeout)
        timed = set(model.computes) if lifecycle and model.instance_ha else set()
        monitor_timeout = _seconds(plan.param("InstanceHARemoteMonitorTimeout"),
                                   REMOTE_MONITOR_TIMEOUT)

        # cluster-name and dc-version belong to the running cluster, not to puppet
        model.properties = {"stonith-enabled": "true" if plan.fencing_enabled else "false",
                            # config-only CIB: without this every node is "unclean" to crm_verify
                            "startup-fencing": "false"}
        if model.remotes:
            model.properties["cluster-recheck-interval"] = "60s"
        if model.instance_ha:
            model.rsc_defaults = {"requires": "fencing"}
        else:
            model.rsc_defaults = {"resource-stickiness": "INFINITY"}

        for name in model.remotes:
            params = {"reconnect_interval": str(reconnect)}
            if addresses.get(name):
                params["server"] = addresses[name]
            model.primitives.append(Primitive(
                name, "ocf", "remote", "pacemaker", params,
                ops=[Op("monitor", monitor, monitor_timeout if name in timed else None)]))

        iha_names = set(model.computes)
        for place in plan.cluster_members + remote_places:
            model._add_node_fencing(plan, place, place.name in iha_names and model.instance_ha)
        model._note_unused_devices(plan, plan.cluster_members + remote_places)

        if model.instance_ha:
            model._add_instance_ha(plan, keystone_url)
            if lifecycle:
                model._add_evacuate_iha(plan)
            for name in model.computes:
                model.node_attributes.setdefault(name, {})[ROLE_ATTRIBUTE] = "true"
        return model

    def _add_node_fencing(self, plan, place, iha_compute: bool) -> None:
        seen: Dict[int, str] = {}
        for device in plan.devices_for(place):
            if device.agent not in CREATED_AGENTS:
                self.notes.append(f"{place.name}: {device.agent} device ({device.mac}) is not "
                                  f"created by puppet-tripleo; it is ignored")
                continue
            rid = device.resource_id
            if self.primitive(rid) is None:
                params = {str(k): _str(v) for k, v in device.params.items()}
                params["pcmk_host_list"] = place.name
                self.primitives.append(Primitive(rid, "stonith", device.agent, None, params,
                                                 ops=[Op("monitor", STONITH_MONITOR_INTERVAL)],
                                                 owner=place.name))
                self._add_avoid(rid, place.name)
            if device.level in seen:
                self.notes.append(f"{place.name}: level {device.level} has two devices "
                                  f"({seen[device.level]}, {rid}); puppet-tripleo creates "
                                  f"conflicting levels, only the first is kept")
                continue
            seen[device.level] = rid
            members = [rid, FENCE_NOVA] if iha_compute else [rid]
            self.levels.append(FencingLevel(place.name, device.level, members))

    def _add_avoid(self, rid: str, host_list: str) -> None:
        """The avoid constraint puppet-pacemaker adds with the device (see ``Avoid``).

        ``crm_node -l`` counts the cluster members (the controllers; remote
        nodes are not members), so a one-controller cluster gets none.
        """
        if host_list and len(self.controllers) > 1 and rid != "watchdog":
            self.avoids.append(Avoid(rid, host_list))

    def _note_unused_devices(self, plan, places) -> None:
        """Devices puppet-tripleo silently drops: no host_mac, or no cluster node has the MAC."""
        macs = {m for p in places if p.node is not None for m in p.node.macs}
        for index, device in enumerate(plan.fencing.devices):
            where = f"FencingConfig device #{index} ({device.agent}, level {device.level})"
            if device.mac is None:
                self.notes.append(f"{where} has no host_mac: puppet-tripleo ignores it")
            elif device.mac not in macs:
                self.notes.append(f"{where}: host_mac {device.mac} is not a MAC of any cluster "
                                  "node in the inventory, so no node creates it")

    def _add_instance_ha(self, plan, keystone_url: Optional[str]) -> None:
        domain = str(plan.param("CloudDomain", "localdomain"))
        url = keystone_url or self._keystone_public(plan, domain)
        user = str(plan.param("InstanceHAKeystoneUser"))
        project = str(plan.param("InstanceHAKeystoneProject"))
        password = str(plan.param("InstanceHAKeystonePassword") or plan.param("AdminPassword", "")
                       or "AdminPassword-not-in-plan")
        region = str(plan.param("KeystoneRegion", "regionOne"))
        # puppet-tripleo (instance_ha.pp) gives fence-nova ``tenant_name =>
        # $keystone_admin``: the user name is its project; only nova-evacuate
        # gets the project (validate's keystone-identity rule says so).
        self.primitives.append(Primitive(
            FENCE_NOVA, "stonith", "fence_compute", None,
            {"auth_url": url, "login": user, "passwd": password, "tenant_name": user,
             "project_domain": "Default", "user_domain": "Default", "domain": domain,
             "region_name": region, "record_only": "1",
             "pcmk_host_list": ",".join(self.computes)},
            meta={"provides": "unfencing"}, ops=[Op("monitor", STONITH_MONITOR_INTERVAL)]))
        self._add_avoid(FENCE_NOVA, ",".join(self.computes))
        self.primitives.append(Primitive(
            UNFENCE_TRIGGER, "ocf", "Dummy", "pacemaker", meta={"requires": "unfencing"},
            ops=[Op("stop", 0, 20, "block")]))
        self.clones[UNFENCE_CLONE] = UNFENCE_TRIGGER
        self.locations.append(Location(UNFENCE_CLONE, ROLE_ATTRIBUTE, "ne", "true"))
        no_shared = "true" if _as_bool(plan.param("InstanceHANoSharedStorage")) else "false"
        params = {"auth_url": url, "username": user, "password": password,
                  "user_domain": "Default", "project_domain": "Default",
                  "tenant_name": project, "region_name": region,
                  "no_shared_storage": no_shared}
        delay = _seconds(plan.param("InstanceHAEvacuateDelay"), 0)
        if delay > 0:
            params["evacuate_delay"] = str(delay)
        interval, timeout = NOVA_EVACUATE_MONITOR
        self.primitives.append(Primitive(NOVA_EVACUATE, "ocf", "NovaEvacuate", "openstack", params,
                                         ops=[Op("monitor", interval, timeout)]))
        self.locations.append(Location(NOVA_EVACUATE, ROLE_ATTRIBUTE, "eq", "true"))

    def _add_evacuate_iha(self, plan) -> None:
        """What the lifecycle tasks create: ours with nova-evacuate's parameters, held apart.

        One CIB write in the tasks (resource, rule, both constraints), so no
        transition sees ours without the order that stops the stock agent first.
        """
        stock = self.primitive(NOVA_EVACUATE)
        params = dict(stock.params) if stock is not None else {}
        params["poll_interval"] = str(_seconds(plan.param("InstanceHAEvacuatePollInterval"),
                                               EVACUATE_POLL_DEFAULT))
        # always written, defaults included, as the tasks do: they own these
        for name, tunable in STORM_PARAMS.items():
            params[name] = str(_seconds(plan.param(tunable), P.TUNABLES[tunable].default))
        interval, timeout = EVACUATE_IHA_MONITOR
        self.primitives.append(Primitive(
            EVACUATE_IHA, "ocf", EVACUATE_IHA_TYPE, EVACUATE_IHA_PROVIDER, params,
            ops=[Op("monitor", interval, timeout), Op("stop", 0, EVACUATE_IHA_STOP_TIMEOUT)]))
        self.locations.append(Location(EVACUATE_IHA, ROLE_ATTRIBUTE, "eq", "true",
                                       cid=EVACUATE_IHA_RULE))
        self.locations.append(Location(NOVA_EVACUATE, "#uname", "defined", None,
                                       discovery=None, cid=STOCK_EVACUATE_OFF))
        self.orders.append(Order(STOCK_EVACUATE_FIRST, NOVA_EVACUATE, EVACUATE_IHA))

    def _keystone_public(self, plan, domain: str) -> str:
        """What ``hiera('keystone::endpoint::public_url')`` holds: fence-nova's auth_url.

        THT sets it from ``EndpointMap.KeystonePublic.uri_no_suffix``
        (``protocol://host:port``); the TLS environments
        (``environments/ssl/tls-endpoints-public-{dns,ip}.yaml``) make it
        https on 13000 with host ``CLOUDNAME`` or ``IP_ADDRESS``. The plan does
        not know the public VIP THT substitutes for ``IP_ADDRESS``: CloudName
        stands in for it, and the summary says so.
        """
        endpoint_map = plan.param("EndpointMap")
        entry = endpoint_map.get("KeystonePublic") if isinstance(endpoint_map, dict) else None
        if not isinstance(entry, dict):
            entry = KEYSTONE_PUBLIC_DEFAULT
            self.approximations.append(
                "auth_url: no EndpointMap.KeystonePublic in the plan, so THT's non-TLS "
                "default (http, port 5000) is assumed")
        cloud = str(plan.param("CloudName", "overcloud." + domain))
        host = str(entry.get("host", "IP_ADDRESS"))
        if "IP_ADDRESS" in host:
            self.approximations.append(
                f"auth_url: the public VIP THT puts for IP_ADDRESS is not in the plan; "
                f"CloudName ({cloud}) stands in for it")
            host = host.replace("IP_ADDRESS", cloud)
        host = host.replace("CLOUDNAME", cloud)
        protocol = str(entry.get("protocol", KEYSTONE_PUBLIC_DEFAULT["protocol"]))
        port = str(entry.get("port", KEYSTONE_PUBLIC_DEFAULT["port"]))
        return f"{protocol}://{host}:{port}"

    def subset(self, remotes: Sequence[str]) -> "ClusterModel":
        """The same cluster with only these remote nodes (all controllers kept).

        Why: pacemaker's scheduler grows with the square of the cluster, so a
        500-compute simulation takes minutes; the decisions about one failed
        compute do not depend on how many identical bystanders there are.
        """
        keep = [r for r in self.remotes if r in set(remotes)]
        dropped = set(self.remotes) - set(keep)
        model = copy.deepcopy(self)
        model.remotes = keep
        model.computes = [c for c in self.computes if c not in dropped]
        model.primitives = [p for p in model.primitives
                            if p.id not in dropped and p.owner not in dropped]
        nova = model.primitive(FENCE_NOVA)
        if nova is not None:
            nova.params["pcmk_host_list"] = ",".join(h for h in nova.host_list
                                                     if h not in dropped)
        kept = {p.id for p in model.primitives}
        model.avoids = [a for a in model.avoids if a.rsc in kept and a.rsc != FENCE_NOVA]
        if nova is not None:
            model._add_avoid(FENCE_NOVA, nova.params["pcmk_host_list"])
        model.levels = [lv for lv in model.levels if lv.target not in dropped]
        model.node_attributes = {n: a for n, a in model.node_attributes.items()
                                 if n not in dropped}
        return model

    # -- XML -------------------------------------------------------------
    def to_element(self) -> ET.Element:
        cib = ET.Element("cib", {"crm_feature_set": self.stack.feature_set,
                                 "validate-with": self.stack.schema,
                                 "epoch": "1", "num_updates": "0", "admin_epoch": "0",
                                 "have-quorum": "1"})
        conf = ET.SubElement(cib, "configuration")
        crm = ET.SubElement(conf, "crm_config")
        _nvset(crm, "cluster_property_set", "cib-bootstrap-options", self.properties,
               prefix="cib-bootstrap-options")
        defaults = ET.SubElement(conf, "rsc_defaults")
        _nvset(defaults, "meta_attributes", "rsc_defaults-options", self.rsc_defaults)
        nodes = ET.SubElement(conf, "nodes")
        for index, name in enumerate(self.controllers, start=1):
            node = ET.SubElement(nodes, "node", {"id": str(index), "uname": name})
            _node_attrs(node, name, self.node_attributes.get(name))
        for name in self.remotes:
            node = ET.SubElement(nodes, "node", {"id": name, "type": "remote", "uname": name})
            _node_attrs(node, name, self.node_attributes.get(name))
        resources = ET.SubElement(conf, "resources")
        cloned = {v: k for k, v in self.clones.items()}
        for prim in self.primitives:
            parent = resources
            if prim.id in cloned:
                parent = ET.SubElement(resources, "clone", {"id": cloned[prim.id]})
            _primitive(parent, prim)
        constraints = ET.SubElement(conf, "constraints")
        for loc in self.locations:
            attrs = {"id": loc.id, "rsc": loc.rsc}
            if loc.discovery:
                attrs["resource-discovery"] = loc.discovery
            element = ET.SubElement(constraints, "rsc_location", attrs)
            rule = ET.SubElement(element, "rule", {"id": f"{loc.id}-rule", "score": loc.score})
            expr = {"id": f"{loc.id}-rule-expr", "attribute": loc.attribute,
                    "operation": loc.operation}
            if loc.value is not None:
                expr["value"] = loc.value
            ET.SubElement(rule, "expression", expr)
        for avoid in self.avoids:
            ET.SubElement(constraints, "rsc_location", {
                "id": avoid.id, "rsc": avoid.rsc, "node": avoid.node,
                "score": f"-{avoid.score}"})
        for order in self.orders:
            ET.SubElement(constraints, "rsc_order", {
                "id": order.id, "first": order.first, "first-action": order.first_action,
                "then": order.then, "then-action": order.then_action, "kind": order.kind,
                "symmetrical": "true" if order.symmetrical else "false"})
        if self.levels:
            topo = ET.SubElement(conf, "fencing-topology")
            for level in self.levels:
                ET.SubElement(topo, "fencing-level", {
                    "id": level.id, "target": level.target, "index": str(level.index),
                    "devices": ",".join(level.devices)})
        ET.SubElement(cib, "status")
        return cib

    def to_xml(self) -> str:
        """The complete CIB (configuration and empty status), passing crm_verify."""
        element = self.to_element()
        ET.indent(element)
        return ET.tostring(element, encoding="unicode") + "\n"

    def summary(self) -> dict:
        """What the report shows of the configuration (passwords masked)."""
        return {
            "cluster_stack": self.stack.describe(),
            "controllers": list(self.controllers),
            "remotes": list(self.remotes),
            "instance_ha_computes": list(self.computes),
            "stonith_devices": [{"id": p.id, "agent": p.type, "hosts": p.host_list}
                                for p in self.stonith],
            "fencing_levels": [{"target": lv.target, "index": lv.index, "devices": lv.devices}
                               for lv in self.levels],
            "stonith_avoids": [{"id": a.id, "device": a.rsc, "node": a.node,
                                "score": -a.score} for a in self.avoids],
            "notes": list(self.notes),
            "approximations": list(self.approximations) + self._fixed_approximations(),
        }

    def _fixed_approximations(self) -> List[str]:
        found = []
        nova = next((a for a in self.avoids if a.rsc == FENCE_NOVA), None)
        if nova is not None and "," in nova.node:
            found.append(f"{FENCE_NOVA}: puppet-pacemaker's avoid constraint names the node "
                         f"{nova.node!r}, which pcs keeps as one node name; it matches no "
                         "node, so it is modelled as written and restricts nothing")
        return found


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on", "t", "y")
    return bool(value)


def _str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _nvset(parent: ET.Element, tag: str, set_id: str, values: Dict[str, str],
           prefix: Optional[str] = None) -> Optional[ET.Element]:
    if not values:
        return None
    element = ET.SubElement(parent, tag, {"id": set_id})
    for name, value in values.items():
        ET.SubElement(element, "nvpair", {"id": f"{prefix or set_id}-{name}", "name": name,
                                          "value": str(value)})
    return element


def _node_attrs(node: ET.Element, name: str, attrs: Optional[Dict[str, str]]) -> None:
    if attrs:
        _nvset(node, "instance_attributes", f"nodes-{name}", attrs)


def _primitive(parent: ET.Element, prim: Primitive) -> None:
    attrs = {"id": prim.id, "class": prim.cls}
    if prim.provider:
        attrs["provider"] = prim.provider
    attrs["type"] = prim.type
    element = ET.SubElement(parent, "primitive", attrs)
    _nvset(element, "instance_attributes", f"{prim.id}-instance_attributes", prim.params)
    _nvset(element, "meta_attributes", f"{prim.id}-meta_attributes", prim.meta)
    if prim.ops:
        ops = ET.SubElement(element, "operations")
        for op in prim.ops:
            oattrs = {"id": f"{prim.id}-{op.name}-interval-{op.interval}s", "name": op.name,
                      "interval": f"{op.interval}s"}
            if op.timeout is not None:
                oattrs["timeout"] = f"{op.timeout}s"
            if op.on_fail:
                oattrs["on-fail"] = op.on_fail
            ET.SubElement(ops, "op", oattrs)
