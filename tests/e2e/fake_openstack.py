"""A small fake Keystone v3 + Nova + Glance for the live cluster test.

Why: the fencing chain under test uses the *real* clients (Debian's
fence_compute and fence_evacuate with python3-novaclient), so the fake only has
to answer exactly the calls those clients make, keep the state a real Nova
would keep (which server runs where, in which status, which compute service is
forced down or disabled) and record every call so the test can assert on what
was asked, in which order and when.

The servers run as threads of the test process, with their listening sockets
created inside the harness's "api" network namespace (``setns`` on one thread),
so the test reads the state directly while the cluster reaches it over the
namespace bridge.
"""
from __future__ import annotations

import ctypes
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLONE_NEWNET = 0x40000000
KEYSTONE_PORT = 5000
NOVA_PORT = 8774
GLANCE_PORT = 9292
#: The seconds a fake rebuild takes between REBUILD and ACTIVE.
REBUILD_SECONDS = 1.0
SECRET_KEYS = ("password", "adminPass")


@dataclass
class Service:
    host: str
    id: int
    status: str = "enabled"
    forced_down: bool = False

    @property
    def state(self) -> str:
        return "down" if self.forced_down else "up"

    def to_dict(self) -> dict:
        return {"id": self.id, "binary": "nova-compute", "host": self.host, "zone": "nova",
                "status": self.status, "state": self.state, "forced_down": self.forced_down,
                "disabled_reason": None, "updated_at": "2026-01-01T00:00:00.000000"}


@dataclass
class Server:
    id: str
    name: str
    host: str
    flavor: str
    image: str
    status: str = "ACTIVE"
    history: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "status": self.status,
                "tenant_id": "p1", "user_id": "u1",
                "OS-EXT-SRV-ATTR:host": self.host,
                "OS-EXT-SRV-ATTR:hypervisor_hostname": self.host,
                "flavor": {"id": self.flavor, "links": []},
                "image": {"id": self.image, "links": []},
                "addresses": {}, "metadata": {}, "links": []}


@dataclass
class Call:
    time: float
    service: str
    method: str
    path: str
    query: dict
    body: Any
    status: int = 0


class FakeCloud:
    """State and call record of the fake cloud; every method is thread-safe."""

    def __init__(self, ip: str, hosts: list[str], password: str,
                 user: str = "admin", project: str = "admin") -> None:
        self.ip = ip
        self.password = password
        self.user = user
        self.project = project
        self.lock = threading.RLock()
        self.services = {h: Service(h, i + 1) for i, h in enumerate(hosts)}
        self.servers: dict[str, Server] = {}
        self.flavors: dict[str, dict] = {}
        self.images: dict[str, dict] = {}
        self.calls: list[Call] = []
        self.add_flavor("m1.small", {})
        self.add_image("cirros", tagged=False)

    # --- setup used by the test -------------------------------------------------
    def add_flavor(self, name: str, extra_specs: dict) -> str:
        with self.lock:
            fid = "flavor-%s" % name
            self.flavors[fid] = {"name": name, "extra_specs": dict(extra_specs)}
            return fid

    def add_image(self, name: str, tagged: bool) -> str:
        with self.lock:
            iid = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
            self.images[iid] = {"name": name, "tags": ["evacuable"] if tagged else []}
            return iid

    def boot(self, name: str, host: str, flavor: str = "m1.small",
             image: str = "cirros") -> str:
        with self.lock:
            fid = "flavor-%s" % flavor
            iid = next(i for i, img in self.images.items() if img["name"] == image)
            sid = str(uuid.uuid4())
            self.servers[sid] = Server(sid, name, host, fid, iid)
            return sid

    def reset(self) -> None:
        """Forget VMs, tags and calls between scenarios (services keep their state)."""
        with self.lock:
            self.servers.clear()
            self.calls.clear()
            self.flavors = {k: v for k, v in self.flavors.items() if k == "flavor-m1.small"}
            self.images = {k: v for k, v in self.images.items() if v["name"] == "cirros"}

    # --- what the test reads ----------------------------------------------------
    def server(self, name: str) -> Server:
        with self.lock:
            return next(s for s in self.servers.values() if s.name == name)

    def calls_matching(self, method: str, pattern: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    def evacuations(self) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == "POST" and c.path.endswith("/action")
                    and isinstance(c.body, dict) and "evacuate" in c.body]

    # --- API behaviour ----------------------------------------------------------
    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def evacuate(self, sid: str, args: dict) -> tuple[int, dict]:
        """Nova's evacuate: refused while the source compute is up, else rebuilt elsewhere."""
        with self.lock:
            server = self.servers.get(sid)
            if server is None:
                return 404, {"itemNotFound": {"code": 404, "message": "no server %s" % sid}}
            source = self.services.get(server.host)
            if source is not None and source.state == "up":
                return 409, {"conflictingRequest": {
                    "code": 409, "message": "Compute service of %s is still in use." % server.host}}
            targets = [h for h, s in self.services.items()
                       if h != server.host and s.state == "up" and s.status == "enabled"]
            server.history.append((time.time(), server.host, args))
            if not targets:
                server.status = "ERROR"
                return 200, {}
            server.status = "REBUILD"
            server.host = sorted(targets)[0]
            threading.Timer(REBUILD_SECONDS, self._rebuilt, (sid,)).start()
            return 200, {}

    def _rebuilt(self, sid: str) -> None:
        with self.lock:
            server = self.servers.get(sid)
            if server is not None and server.status == "REBUILD":
                server.status = "ACTIVE"
                server.history.append((time.time(), server.host, "ACTIVE"))

    def token(self) -> dict:
        base = "http://%s" % self.ip
        catalog = [
            {"type": "compute", "name": "nova", "id": "nova", "endpoints": [
                {"id": "n-%s" % itf, "interface": itf, "region": "regionOne",
                 "region_id": "regionOne", "url": "%s:%d/v2.1" % (base, NOVA_PORT)}
                for itf in ("public", "internal", "admin")]},
            {"type": "image", "name": "glance", "id": "glance", "endpoints": [
                {"id": "g-%s" % itf, "interface": itf, "region": "regionOne",
                 "region_id": "regionOne", "url": "%s:%d" % (base, GLANCE_PORT)}
                for itf in ("public", "internal", "admin")]},
        ]
        domain = {"id": "default", "name": "Default"}
        return {"token": {
            "methods": ["password"], "expires_at": "2099-01-01T00:00:00.000000Z",
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "user": {"id": "u1", "name": self.user, "domain": domain},
            "project": {"id": "p1", "name": self.project, "domain": domain},
            "roles": [{"id": "r1", "name": "admin"}], "catalog": catalog}}


def _redact(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: ("***" if k in SECRET_KEYS else _redact(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [_redact(v) for v in body]
    return body


class _Handler(BaseHTTPRequestHandler):
    cloud: FakeCloud
    service: str
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # the call record replaces the access log
        pass

    def _reply(self, call: Call, status: int, body: Any, headers: dict | None = None) -> None:
        call.status = status
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        version = self.headers.get("X-OpenStack-Nova-API-Version")
        if version:
            self.send_header("X-OpenStack-Nova-API-Version", version)
            self.send_header("OpenStack-API-Version", "compute %s" % version)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        call = Call(time.time(), self.service, self.command, url.path.rstrip("/"), query,
                    _redact(body))
        self.cloud.record(call)
        route = getattr(self, "_%s" % self.service)
        status, reply, headers = route(call, body or {})
        self._reply(call, status, reply, headers)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def _authorized(self) -> bool:
        return self.headers.get("X-Auth-Token") == "fake-token"

    # Keystone v3 --------------------------------------------------------------
    def _keystone(self, call: Call, body: dict):
        cloud = self.cloud
        if call.method == "GET" and call.path in ("", "/v3"):
            version = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                       "links": [{"rel": "self", "href": "http://%s:%d/v3/" % (
                           cloud.ip, KEYSTONE_PORT)}],
                       "media-types": [{"base": "application/json",
                                        "type": "application/vnd.openstack.identity-v3+json"}]}
            if call.path == "":
                return 300, {"versions": {"values": [version]}}, None
            return 200, {"version": version}, None
        if call.method == "POST" and call.path == "/v3/auth/tokens":
            user = body.get("auth", {}).get("identity", {}).get("password", {}).get("user", {})
            if user.get("name") != cloud.user or user.get("password") != cloud.password:
                return 401, {"error": {"code": 401, "message": "bad credentials"}}, None
            return 201, cloud.token(), {"X-Subject-Token": "fake-token"}
        return 404, {"error": {"code": 404, "message": call.path}}, None

    # Nova v2.1 ----------------------------------------------------------------
    def _nova(self, call: Call, body: dict):
        cloud = self.cloud
        path = re.sub(r"^/v2\.1", "", call.path)
        if call.method == "GET" and path == "":
            return 200, {"version": {"id": "v2.1", "status": "CURRENT", "version": "2.79",
                                     "min_version": "2.1", "links": []}}, None
        if not self._authorized():
            return 401, {"error": "unauthorized"}, None
        with cloud.lock:
            if call.method == "GET" and path.startswith("/os-hypervisors"):
                return 200, {"hypervisors": [
                    {"id": s.id, "hypervisor_hostname": h, "state": s.state, "status": s.status}
                    for h, s in cloud.services.items()]}, None
            if call.method == "GET" and path == "/os-services":
                host = call.query.get("host")
                return 200, {"services": [s.to_dict() for h, s in cloud.services.items()
                                          if host in (None, h)]}, None
            if call.method == "PUT" and path.startswith("/os-services/"):
                service = cloud.services.get(body.get("host"))
                if service is None or body.get("binary") != "nova-compute":
                    return 404, {"itemNotFound": {"code": 404, "message": "no service"}}, None
                verb = path.rsplit("/", 1)[1]
                if verb == "force-down":
                    service.forced_down = bool(body.get("forced_down"))
                elif verb in ("enable", "disable"):
                    service.status = verb + "d"
                else:
                    return 404, {"itemNotFound": {"code": 404, "message": verb}}, None
                return 200, {"service": {"host": service.host, "binary": "nova-compute",
                                         "status": service.status,
                                         "forced_down": service.forced_down}}, None
            if call.method == "GET" and path in ("/servers/detail", "/servers"):
                if call.query.get("host") and call.query.get("all_tenants") not in (
                        "1", "True", "true"):
                    return 403, {"forbidden": {"code": 403, "message": "host needs admin"}}, None
                host = call.query.get("host")
                return 200, {"servers": [s.to_dict() for s in cloud.servers.values()
                                         if host in (None, s.host)]}, None
            m = re.fullmatch(r"/servers/([^/]+)/action", path)
            if call.method == "POST" and m and "evacuate" in body:
                status, reply = cloud.evacuate(m.group(1), body["evacuate"])
                return status, reply, None
            if call.method == "GET" and path in ("/flavors/detail", "/flavors"):
                return 200, {"flavors": [
                    {"id": fid, "name": f["name"], "ram": 512, "vcpus": 1, "disk": 1,
                     "os-flavor-access:is_public": True, "links": []}
                    for fid, f in cloud.flavors.items()]}, None
            m = re.fullmatch(r"/flavors/([^/]+)/os-extra_specs", path)
            if call.method == "GET" and m and m.group(1) in cloud.flavors:
                return 200, {"extra_specs": cloud.flavors[m.group(1)]["extra_specs"]}, None
        return 404, {"itemNotFound": {"code": 404, "message": path}}, None

    # Glance v2 ----------------------------------------------------------------
    def _glance(self, call: Call, body: dict):
        if call.method == "GET" and call.path == "/v2/images" and self._authorized():
            with self.cloud.lock:
                return 200, {"images": [
                    {"id": iid, "name": i["name"], "status": "active", "tags": i["tags"],
                     "visibility": "public"} for iid, i in self.cloud.images.items()]}, None
        return 404, {"error": call.path}, None


class FakeCloudServer:
    """Runs the three fake APIs inside one network namespace."""

    def __init__(self, cloud: FakeCloud, netns_path: str) -> None:
        self.cloud = cloud
        self.netns_path = netns_path
        self.servers: list[ThreadingHTTPServer] = []
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for service, port in (("keystone", KEYSTONE_PORT), ("nova", NOVA_PORT),
                              ("glance", GLANCE_PORT)):
            ready = threading.Event()
            errors: list[BaseException] = []
            thread = threading.Thread(target=self._serve, args=(service, port, ready, errors),
                                      name="fake-%s" % service, daemon=True)
            thread.start()
            ready.wait(10)
            if errors:
                self.stop()
                raise errors[0]
            self.threads.append(thread)

    def _serve(self, service: str, port: int, ready: threading.Event,
               errors: list) -> None:
        try:
            _enter_netns(self.netns_path)
            handler = type("%sHandler" % service.title(), (_Handler,),
                           {"cloud": self.cloud, "service": service})
            server = ThreadingHTTPServer((self.cloud.ip, port), handler)
            server.daemon_threads = True
            self.servers.append(server)
        except BaseException as exc:  # reported to start()
            errors.append(exc)
            ready.set()
            return
        ready.set()
        server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers.clear()
        for thread in self.threads:
            thread.join(5)
        self.threads.clear()


def _enter_netns(path: str) -> None:
    """Move the calling thread (only) into the network namespace at *path*."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns(%s): %s" % (path, os.strerror(err)))
    finally:
        os.close(fd)
