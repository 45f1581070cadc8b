"""The drill itself: preflight, canary, crash, follow, clean up, and the timeline.

Why Nova is what the drill follows: the drill runs where the operator's credentials
are (the undercloud's overcloudrc or clouds.yaml), which is not where the cluster is.
Every step of the recovery shows in Nova: the service goes down, fence-nova forces it
down, the canary is rebuilt elsewhere, and the compute is "back" only once the unfence
has cleared the force-down and nova-compute reports again.

Every call to Nova goes through openstacksdk with a timeout; the canary and any flavor
made for it are deleted in a ``finally``, so an error, a timeout or a signal still
cleans up (what could not be deleted is reported by name).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional

from tripleo_instanceha.drill.methods import CrashMethod, DrillRefused
from tripleo_instanceha.nova import evacuable, read

PASSED, FAILED, DRY_RUN = "passed", "failed", "dry-run"
CANARY_PREFIX = "iha-drill-"
#: seconds between two looks at Nova while following
POLL = 1.0
BOOT_TIMEOUT = 300.0
DELETE_TIMEOUT = 120.0


@dataclass
class Request:
    """What the operator asked for (names or ids, as the openstack CLI takes them)."""

    compute: str
    image: str
    flavor: str
    network: Optional[str] = None
    #: seconds from the crash to the canary ACTIVE elsewhere, before the drill fails
    timeout: float = 600.0
    #: seconds from the canary's recovery to the compute back in service
    return_timeout: float = 900.0
    #: the rehearsed budget (rehearse --format json's "budget"), if given
    budget: Optional[dict] = None


@dataclass
class Event:
    #: seconds from the crash (negative before it)
    at: float
    what: str

    def to_dict(self) -> dict:
        return {"at_s": round(self.at, 1), "event": self.what}


@dataclass
class Drill:
    """The outcome: the timeline (seconds from the crash), the verdict and its reasons."""

    request: Request
    method: str
    steps: List[str] = field(default_factory=list)
    events: List[Event] = field(default_factory=list)
    reasons: List[str] = field(default_factory=list)
    canary: str = ""
    recovered_on: str = ""
    verdict: str = DRY_RUN
    leftovers: List[str] = field(default_factory=list)

    def seconds(self, what: str) -> Optional[float]:
        return next((e.at for e in self.events if e.what.startswith(what)), None)


# -- Nova -----------------------------------------------------------------------
def _service(conn, host: str):
    for service in conn.compute.services():
        if service.binary == "nova-compute" and service.host == host:
            return service
    return None


def _find(finder: Callable, kind: str, name: str, option: str):
    found = finder(name, ignore_missing=True)
    if found is None:
        raise DrillRefused(f"{option} {name}: no such {kind} (fix: name one from "
                           f"'openstack {kind} list')")
    return found


@dataclass
class _Preflight:
    zone: str
    image: object
    flavor: object
    network: object
    #: the canary's flavor must be a tagged copy: the cloud filters and neither is tagged
    tag_flavor: bool
    rule: str


def preflight(conn, request: Request) -> _Preflight:
    """Everything that can be checked without changing anything; refuses with the fix."""
    service = _service(conn, request.compute)
    if service is None:
        known = sorted(s.host for s in conn.compute.services() if s.binary == "nova-compute")
        raise DrillRefused(f"--compute {request.compute}: no nova-compute service on that "
                           f"host (known: {', '.join(known[:10]) or 'none'})")
    state = (service.state, service.status, bool(service.is_forced_down))
    if state != ("up", "enabled", False):
        raise DrillRefused(f"--compute {request.compute} is not in service (state "
                           f"{state[0]}, {state[1]}, forced_down {state[2]}): a drill starts "
                           "from a healthy compute (fix: 'tripleo-instanceha status')")
    others = [s.host for s in conn.compute.services() if s.binary == "nova-compute"
              and s.host != request.compute and s.state == "up" and s.status == "enabled"
              and not s.is_forced_down]
    if not others:
        raise DrillRefused("no other nova-compute is up and enabled: the canary would have "
                           "nowhere to go (fix: drill on a cloud with two healthy computes)")
    image = _find(conn.image.find_image, "image", request.image, "--image")
    flavor = _find(conn.compute.find_flavor, "flavor", request.flavor, "--flavor")
    network = "none"
    if request.network:
        network = _find(conn.network.find_network, "network", request.network, "--network")
    first_page, images = read.images(conn)
    flavors, tagged_images = evacuable.tagged({"flavors": read.flavors(conn),
                                               "images_first_page": first_page,
                                               "images": images})
    if not (flavors or tagged_images):
        tag, rule = False, "no flavor or image is tagged evacuable: every instance is evacuated"
    elif flavor.id in flavors:
        tag, rule = False, f"flavor {flavor.name} has evacuable=true"
    elif image.id in tagged_images:
        tag, rule = False, f"image {image.name} is tagged evacuable"
    else:
        tag, rule = True, (f"the cloud tags evacuable instances and neither flavor "
                           f"{flavor.name} nor image {image.name} is: the canary gets a "
                           "private copy of the flavor with evacuable=true")
    return _Preflight(service.availability_zone or "nova", image, flavor, network, tag, rule)


def _steps(request: Request, method: CrashMethod, pre: _Preflight, stamp: str) -> List[str]:
    net = getattr(pre.network, "name", pre.network)
    steps = []
    if pre.tag_flavor:
        steps.append(f"create the private flavor {CANARY_PREFIX}{stamp} (a copy of "
                     f"{pre.flavor.name}) with evacuable=true")
    steps += [
        f"boot the canary {CANARY_PREFIX}{stamp} (image {pre.image.name}, flavor "
        f"{pre.flavor.name}, network {net}) on {request.compute} "
        f"(zone {pre.zone}:{request.compute}); evacuable: {pre.rule}",
        f"wait up to {BOOT_TIMEOUT:g} s for it to be ACTIVE there",
        method.describe(),
        f"follow the canary to ACTIVE on another compute (up to {request.timeout:g} s)",
        f"follow {request.compute} back into service: up, enabled, not forced down (up to "
        f"{request.return_timeout:g} s)",
        "delete the canary" + (" and its flavor" if pre.tag_flavor else "") + ", whatever "
        "happened"]
    return steps


def run(conn, request: Request, method: CrashMethod, dry_run: bool,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep) -> Drill:
    """The drill (or, with *dry_run*, its preflight and plan only)."""
    stamp = f"{request.compute.split('.', 1)[0]}-{int(time.time())}"
    pre = preflight(conn, request)
    drill = Drill(request, method.NAME, steps=_steps(request, method, pre, stamp))
    method.check()
    if dry_run:
        return drill
    _Runner(conn, request, method, pre, drill, stamp, clock, sleep).go()
    return drill


class _Runner:
    def __init__(self, conn, request, method, pre, drill, stamp, clock, sleep):
        self.conn, self.request, self.method, self.pre = conn, request, method, pre
        self.drill, self.name, self.clock, self.sleep = drill, CANARY_PREFIX + stamp, \
            clock, sleep
        self.crashed_at: Optional[float] = None
        self.started = clock()
        self.made_flavor = None

    def event(self, what: str) -> None:
        self.drill.events.append(Event(self.clock(), what))

    def _relative(self) -> None:
        """Event times from the crash (from the start when nothing was crashed)."""
        origin = self.crashed_at if self.crashed_at is not None else self.started
        for event in self.drill.events:
            event.at -= origin

    def fail(self, why: str) -> None:
        self.drill.reasons.append(why)
        self.drill.verdict = FAILED

    def go(self) -> None:
        from keystoneauth1 import exceptions as ks_exc
        from openstack import exceptions as sdk_exc
        server = None
        try:
            flavor = self._flavor() if self.pre.tag_flavor else self.pre.flavor
            server = self.conn.compute.create_server(
                name=self.name, image_id=self.pre.image.id, flavor_id=flavor.id,
                networks=("none" if self.pre.network == "none"
                          else [{"uuid": self.pre.network.id}]),
                availability_zone=f"{self.pre.zone}:{self.request.compute}")
            self.drill.canary = server.id
            if not self._booted(server.id):
                return
            self.crashed_at = self.clock()
            self.event(f"crash started: {self.method.NAME}")
            note = self.method.crash()
            self.event(f"crash done: {self.method.NAME}" + (f" ({note})" if note else ""))
            if self._follow(server.id):
                self._back()
            self._judge()
        except (ks_exc.ClientException, sdk_exc.SDKException) as exc:
            if self.crashed_at is None:
                raise  # nothing was crashed: the drill could not run (exit 2)
            # After the crash the operator needs the timeline so far, not only an error.
            self.event("following stopped: a Nova call failed")
            self.fail(f"a Nova call failed after the crash: {read.first_line(exc)}")
        finally:
            self._clean(server, self.made_flavor)
            self._relative()

    def _flavor(self):
        base = self.pre.flavor
        flavor = self.conn.compute.create_flavor(name=self.name, ram=base.ram,
                                                 vcpus=base.vcpus, disk=base.disk,
                                                 is_public=False)
        self.made_flavor = flavor  # deleted at the end even if the next calls fail
        self.conn.compute.create_flavor_extra_specs(flavor, {evacuable.TAG: "true"})
        project = self.conn.current_project_id
        if project:
            self.conn.compute.flavor_add_tenant_access(flavor, project)
        self.event(f"flavor {self.name} created (evacuable=true)")
        return flavor

    def _booted(self, sid: str) -> bool:
        deadline = self.clock() + BOOT_TIMEOUT
        while self.clock() < deadline:
            server = self.conn.compute.get_server(sid)
            if server.status == "ACTIVE":
                if server.compute_host != self.request.compute:
                    self.fail(f"the canary went to {server.compute_host}, not "
                              f"{self.request.compute}: nothing was crashed")
                    return False
                self.event(f"canary ACTIVE on {self.request.compute}")
                return True
            if server.status == "ERROR":
                self.fail(f"the canary did not boot: {(server.fault or {}).get('message', '')}"
                          " (nothing was crashed)")
                return False
            self.sleep(POLL)
        self.fail(f"the canary was not ACTIVE within {BOOT_TIMEOUT:g} s: nothing was crashed")
        return False

    def _follow(self, sid: str) -> bool:
        seen = set()
        host = self.request.compute
        deadline = self.crashed_at + self.request.timeout
        while self.clock() < deadline:
            service = _service(self.conn, host)
            server = self.conn.compute.get_server(sid)
            if service.state == "down" and "down" not in seen:
                seen.add("down")
                self.event(f"nova-compute on {host} reported down")
            if service.is_forced_down and "forced" not in seen:
                seen.add("forced")
                self.event(f"{host} forced down (fence-nova: the node is fenced)")
            moved = server.compute_host and server.compute_host != host
            if (server.status == "REBUILD" or moved) and "rebuild" not in seen:
                seen.add("rebuild")
                self.event("canary rebuilding" + (f" on {server.compute_host}" if moved
                                                  else f" (still listed on {host})"))
            if server.status == "ACTIVE" and moved:
                self.drill.recovered_on = server.compute_host
                self.event(f"canary ACTIVE on {server.compute_host}")
                return True
            if server.status == "ERROR":
                self.fail(f"the canary's evacuation failed: "
                          f"{(server.fault or {}).get('message', 'ERROR')}")
                return False
            self.sleep(POLL)
        self.fail(f"the canary was not ACTIVE on another compute within "
                  f"{self.request.timeout:g} s of the crash")
        return False

    def _back(self) -> None:
        host = self.request.compute
        deadline = self.clock() + self.request.return_timeout
        while self.clock() < deadline:
            s = _service(self.conn, host)
            if (s.state, s.status, bool(s.is_forced_down)) == ("up", "enabled", False):
                self.event(f"{host} back in service (unfenced, nova-compute up)")
                return
            self.sleep(POLL)
        s = _service(self.conn, host)
        self.fail(f"{host} was not back in service within {self.request.return_timeout:g} s "
                  f"of the canary's recovery (state {s.state}, {s.status}, forced_down "
                  f"{bool(s.is_forced_down)}; fix: 'tripleo-instanceha status')")

    def _judge(self) -> None:
        if self.drill.verdict == DRY_RUN:
            self.drill.verdict = PASSED
        budget = self.request.budget
        rebuilt = self.drill.seconds("canary rebuilding")
        if budget and rebuilt is not None:
            rebuilt -= self.crashed_at
            worst = budget["to_rebuild_s"]["worst"]
            if rebuilt > worst:
                self.fail(f"the canary was rebuilding {rebuilt:.1f} s after the crash, over "
                          f"the rehearsed worst case of {worst:g} s")

    def _clean(self, server, flavor) -> None:
        if server is not None:
            try:
                self.conn.compute.delete_server(server.id, ignore_missing=True)
                self.conn.compute.wait_for_delete(server, wait=DELETE_TIMEOUT)
                self.event("canary deleted")
            except Exception as exc:  # reported by name: the operator deletes it by hand
                self.drill.leftovers.append(f"server {server.id} ({self.name}): "
                                            f"{read.first_line(exc)}")
        if flavor is not None:
            try:
                self.conn.compute.delete_flavor(flavor.id, ignore_missing=True)
            except Exception as exc:
                self.drill.leftovers.append(f"flavor {flavor.id} ({self.name}): "
                                            f"{read.first_line(exc)}")
        if self.drill.leftovers:
            self.fail("could not delete: " + "; ".join(self.drill.leftovers))
