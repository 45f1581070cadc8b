"""A real Nova control plane (PyPI's nova, placement, keystone, glance) for the tests.

Why real services: what the fence agents and NovaEvacuate do is judged by Nova itself
(force-down, evacuate, rebuild, the COMPUTE_STATUS_DISABLED trait in placement), and no
fake reproduces that. The recipes and their reasons are in the real-Nova feasibility
note; the ones that bite are repeated where they are applied.

Everything runs from ``.venv-cloud`` (``tools/setup-env.sh cloud``), binds to one listen
IP, optionally inside a network namespace (each daemon runs under ``nsenter --net=PATH``),
and keeps all its state under one work dir. Every daemon gets its own process group;
``stop()`` removes them all (plus the ``epmd`` RabbitMQ leaves behind, by its PID) and
returns what it could not remove.

Nova and placement use MariaDB: on sqlite a two-instance evacuation hit ``database is
locked`` and left an instance behind. Keystone and glance stay on sqlite.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.join(ROOT, ".venv-cloud")
HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "RegionOne"
SERVICE_USERS = ("nova", "placement", "glance", "neutron")

#: the product's start guard of nova-compute (the ComputeInstanceHA service installs it)
GUARD = os.path.join(ROOT, "deployment", "pacemaker", "compute", "check-run-nova-compute")
#: nova-api's log of the force-up nova 24+ refuses while "done" evacuation records
#: remain (bug 1922053)
REFUSED = '"PUT /v2.1/os-services/force-down" status: 400'

#: Seconds an idle HTTP keep-alive connection stays open on every API (gunicorn's is 2).
KEEP_ALIVE = 120

#: keystone, placement and glance parse ``sys.argv`` with oslo.config at import, so
#: gunicorn's own arguments would crash each worker (exit 2, boot loop): strip them first.
WSGI_APPS = {
    "keystone": "keystone.wsgi.api",
    "placement": "placement.wsgi.api",
    "glance": "glance.wsgi.api",
    "nova": "nova.wsgi.osapi_compute",
}


class ControlPlaneError(RuntimeError):
    """A service did not come up (the message names it and its log)."""


@dataclass
class Ports:
    keystone: int = 5000
    placement: int = 8778
    glance: int = 9292
    nova: int = 8774
    neutron: int = 9696
    mysql: int = 33306
    amqp: int = 25672
    erlang_dist: int = 25673
    epmd: int = 24369

    @classmethod
    def free(cls, ip: str = "127.0.0.1") -> "Ports":
        """Ports free on ``ip`` now, so parallel runs on one machine do not collide."""
        socks = []
        try:
            for _ in range(9):
                sock = socket.socket()
                sock.bind((ip, 0))
                socks.append(sock)
            return cls(*(s.getsockname()[1] for s in socks))
        finally:
            for sock in socks:
                sock.close()


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen
    log: str


@dataclass
class ComputeCommand:
    """How to start one nova-compute; the caller may wrap ``argv`` in its own namespace."""
    host: str
    argv: List[str]
    env: Dict[str, str]
    config: str
    state_path: str


@dataclass
class ControlPlane:
    """``with ControlPlane(workdir) as cp: cp.connection()`` -- all of it, or nothing."""
    workdir: str
    listen_ip: str = "127.0.0.1"
    netns: Optional[str] = None
    ports: Ports = field(default_factory=Ports)
    #: True when the plane has a network namespace to itself (``netns``, or the caller
    #: runs it from a thread moved into one): RabbitMQ's epmd and Erlang distribution
    #: then listen on every address of it, which rabbitmqctl needs (it dials localhost)
    own_network: bool = False
    #: keystone's region of the catalog; TripleO's is "regionOne" (KeystoneRegion)
    region: str = REGION
    report_interval: int = 2
    service_down_time: int = 10
    #: nova-compute's resource audit (update_available_resource) also re-syncs the
    #: COMPUTE_STATUS_DISABLED trait; 0 is nova's default (every periodic run, ~60 s).
    resource_audit_interval: int = 0
    admin_password: str = field(default_factory=lambda: secrets.token_hex(12))
    service_password: str = field(default_factory=lambda: secrets.token_hex(12))
    db_password: str = field(default_factory=lambda: secrets.token_hex(12))
    daemons: List[Daemon] = field(default_factory=list)
    computes: Dict[str, Daemon] = field(default_factory=dict)
    timings: Dict[str, float] = field(default_factory=dict)
    _epmd_pids: List[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workdir = os.path.abspath(self.workdir)
        self.logs = os.path.join(self.workdir, "logs")

    # -- addresses -------------------------------------------------------
    def url(self, service: str) -> str:
        suffix = {"keystone": "/v3", "nova": "/v2.1"}.get(service, "")
        return f"http://{self.listen_ip}:{getattr(self.ports, service)}{suffix}"

    @property
    def auth_url(self) -> str:
        return self.url("keystone")

    def auth(self) -> Dict[str, str]:
        """The admin credentials, in keystoneauth's names."""
        return {"auth_url": self.auth_url, "username": "admin", "password": self.admin_password,
                "project_name": "admin", "user_domain_name": "Default",
                "project_domain_name": "Default"}

    def clouds_yaml(self) -> Dict[str, dict]:
        """A clouds.yaml document (``{"clouds": {"overcloud": ...}}``) for the admin."""
        return {"clouds": {"overcloud": {"auth": self.auth(), "region_name": self.region,
                                         "identity_api_version": 3}}}

    def fence_options(self) -> Dict[str, str]:
        """fence_compute's and fence_evacuate's options, as puppet-tripleo's stonith resource."""
        return {"auth_url": self.auth_url, "username": "admin", "password": self.admin_password,
                "tenant_name": "admin", "region_name": self.region, "user_domain": "Default",
                "project_domain": "Default"}

    def connection(self):
        """An openstacksdk admin connection; every call has a timeout (a dead API hangs)."""
        import openstack
        return openstack.connect(auth=self.auth(), region_name=self.region, identity_api_version=3,
                                 api_timeout=30, compute_api_version="2.53")

    # -- processes -------------------------------------------------------
    def _bin(self, name: str) -> str:
        return os.path.join(VENV, "bin", name)

    def _wrap(self, argv: List[str]) -> List[str]:
        return ["nsenter", f"--net={self.netns}", *argv] if self.netns else argv

    def _env(self, **more: str) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("OS_", "PYTHON", "VIRTUAL_ENV"))}
        env["PATH"] = os.path.join(VENV, "bin") + os.pathsep + env.get("PATH", "/usr/bin:/bin")
        env.update(more)
        return env

    def _spawn(self, name: str, argv: List[str], env: Optional[Dict[str, str]] = None,
               cwd: Optional[str] = None) -> Daemon:
        log = os.path.join(self.logs, f"{name}.log")
        with open(log, "ab") as out:
            proc = subprocess.Popen(self._wrap(argv), stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env or self._env(),
                                    cwd=cwd or self.workdir, start_new_session=True)
        return Daemon(name, proc, log)

    def _start(self, name: str, argv: List[str], **kw) -> Daemon:
        daemon = self._spawn(name, argv, **kw)
        self.daemons.append(daemon)
        return daemon

    def _run(self, argv: List[str], env: Optional[Dict[str, str]] = None, stdin: str = "",
             timeout: int = 300) -> str:
        run = subprocess.run(self._wrap(argv), input=stdin, capture_output=True, text=True,
                             env=env or self._env(), cwd=self.workdir, timeout=timeout)
        if run.returncode != 0:
            raise ControlPlaneError(f"{os.path.basename(argv[0])} {' '.join(argv[1:3])} "
                                    f"failed ({run.returncode}): {run.stderr[-3000:]}")
        return run.stdout

    def _wait(self, what: str, ready: Callable[[], bool], timeout: float,
              daemon: Optional[Daemon] = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if daemon is not None and daemon.process.poll() is not None:
                raise ControlPlaneError(f"{what} exited ({daemon.process.returncode}); "
                                        f"see {daemon.log}")
            try:
                if ready():
                    return
            except Exception:  # noqa: BLE001 -- not ready yet is any failure
                pass
            time.sleep(0.5)
        where = f"; see {daemon.log}" if daemon else ""
        raise ControlPlaneError(f"{what} not ready within {timeout:.0f} s{where}")

    def _http_ok(self, url: str) -> bool:
        # Pitfall: a crash-looping gunicorn worker accepts and never answers; always time out.
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:
                return answer.status < 500
        except urllib.error.HTTPError as error:
            return error.code < 500
        except OSError:
            return False

    def _stamp(self, milestone: str, start: float) -> None:
        self.timings[milestone] = round(time.monotonic() - start, 1)

    # -- configuration ---------------------------------------------------
    def _write(self, path: str, text: str) -> str:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        return path

    def _authtoken(self, section: str, user: str) -> str:
        return (f"[{section}]\nauth_type = password\nauth_url = {self.auth_url}\n"
                f"www_authenticate_uri = {self.auth_url}\nusername = {user}\n"
                f"password = {self.service_password}\nproject_name = service\n"
                "user_domain_name = Default\nproject_domain_name = Default\n"
                f"region_name = {self.region}\n")

    def _db(self, name: str) -> str:
        return f"mysql+pymysql://os:{self.db_password}@{self.listen_ip}:{self.ports.mysql}/{name}"

    @property
    def nova_conf(self) -> str:
        return os.path.join(self.workdir, "nova", "nova.conf")

    def _configure(self) -> None:
        w = self.workdir
        transport = f"rabbit://guest:guest@{self.listen_ip}:{self.ports.amqp}/"
        wrap = os.path.join(w, "wsgi")
        for name, module in WSGI_APPS.items():
            self._write(os.path.join(wrap, f"w_{name}.py"),
                        f"import sys\nsys.argv = sys.argv[:1]\nfrom {module} import application"
                        "  # noqa: E402,F401\n")
        self._write(os.path.join(w, "keystone", "keystone.conf"),
                    f"[database]\nconnection = sqlite:///{w}/keystone/keystone.sqlite\n"
                    "[token]\nprovider = fernet\n"
                    f"[fernet_tokens]\nkey_repository = {w}/keystone/fernet-keys\n"
                    f"[credential]\nkey_repository = {w}/keystone/credential-keys\n")
        self._write(os.path.join(w, "placement", "placement.conf"),
                    f"[placement_database]\nconnection = {self._db('placement')}\n"
                    "[api]\nauth_strategy = keystone\n"
                    + self._authtoken("keystone_authtoken", "placement"))
        glance = os.path.join(w, "glance")
        os.makedirs(glance, exist_ok=True)
        shutil.copy(os.path.join(VENV, "etc", "glance", "glance-api-paste.ini"), glance)
        self._write(os.path.join(glance, "glance-api.conf"),
                    "[DEFAULT]\nenabled_backends = fs:file\n"
                    f"[database]\nconnection = sqlite:///{glance}/glance.sqlite\n"
                    "[glance_store]\ndefault_backend = fs\n"
                    f"[fs]\nfilesystem_store_datadir = {glance}/images\n"
                    f"[os_glance_staging_store]\nfilesystem_store_datadir = {glance}/staging\n"
                    f"[os_glance_tasks_store]\nfilesystem_store_datadir = {glance}/tasks\n"
                    "[paste_deploy]\nflavor = keystone\n"
                    + self._authtoken("keystone_authtoken", "glance"))
        self._write(self.nova_conf,
                    "[DEFAULT]\n"
                    f"transport_url = {transport}\n"
                    # Pitfall: FakeDriver and SmallFakeDriver take a random node uuid per
                    # process and never write state_path/compute_id, so a restarted compute
                    # refuses to start; this one persists it.
                    "compute_driver = fake.FakeDriverWithoutFakeNodes\n"
                    f"state_path = {w}/nova/state-control\n"
                    f"my_ip = {self.listen_ip}\n"
                    f"report_interval = {self.report_interval}\n"
                    f"service_down_time = {self.service_down_time}\n"
                    f"[wsgi]\napi_paste_config = {VENV}/etc/nova/api-paste.ini\n"
                    "[api]\nauth_strategy = keystone\n"
                    f"[api_database]\nconnection = {self._db('nova_api')}\n"
                    f"[database]\nconnection = {self._db('nova')}\n"
                    + self._authtoken("keystone_authtoken", "nova")
                    + self._authtoken("placement", "placement")
                    + self._authtoken("neutron", "neutron")
                    + f"[glance]\napi_servers = {self.url('glance')}\n"
                    "[service_user]\nsend_service_user_token = false\n"
                    f"[oslo_concurrency]\nlock_path = {w}/nova/locks\n"
                    "[conductor]\nworkers = 1\n"
                    # The harness maps hosts itself (discover_hosts()) once their compute_nodes
                    # rows exist; a periodic discovery in the scheduler would race it.
                    "[scheduler]\nworkers = 1\ndiscover_hosts_in_cells_interval = -1\n"
                    "[filter_scheduler]\nenabled_filters = ComputeFilter\n"
                    "[vnc]\nenabled = false\n"
                    # the suites boot more servers than nova's default 10 and keep them
                    "[quota]\ninstances = -1\ncores = -1\nram = -1\n")

    # -- the services ----------------------------------------------------
    def _start_mariadb(self) -> Daemon:
        data, run = os.path.join(self.workdir, "mysql", "data"), os.path.join(self.workdir, "mysql")
        os.makedirs(data, exist_ok=True)
        self._run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
                   "--auth-root-authentication-method=normal"])
        self.mysql_socket = os.path.join(run, "sock")
        return self._start("mariadb", [
            "/usr/sbin/mariadbd", "--no-defaults", f"--datadir={data}",
            f"--socket={self.mysql_socket}", f"--port={self.ports.mysql}",
            f"--bind-address={self.listen_ip}", "--user=root", "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M", "--max-connections=500",
            f"--pid-file={run}/mariadbd.pid"])

    def _create_databases(self) -> None:
        # SQL on stdin: the password never reaches a command line.
        sql = "".join(f"CREATE DATABASE {db};" for db in ("nova_api", "nova", "nova_cell0",
                                                          "placement"))
        sql += (f"CREATE USER 'os'@'{self.listen_ip}' IDENTIFIED BY '{self.db_password}';"
                f"GRANT ALL ON *.* TO 'os'@'{self.listen_ip}';")
        self._run(["mariadb", "--no-defaults", "-S", self.mysql_socket, "-uroot"], stdin=sql)

    def _rabbit_env(self) -> Dict[str, str]:
        base = os.path.join(self.workdir, "rabbitmq")
        ip = ",".join(self.listen_ip.split("."))
        shared = {} if self.own_network or self.netns else dict(
            ERL_EPMD_ADDRESS=self.listen_ip,
            # Erlang's distribution port would listen on every address otherwise.
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=f"-kernel inet_dist_use_interface {{{ip}}}")
        return self._env(
            RABBITMQ_NODENAME=f"rmq{self.ports.amqp}@localhost",
            RABBITMQ_NODE_IP_ADDRESS=self.listen_ip, RABBITMQ_NODE_PORT=str(self.ports.amqp),
            RABBITMQ_DIST_PORT=str(self.ports.erlang_dist),
            ERL_EPMD_PORT=str(self.ports.epmd), RABBITMQ_MNESIA_BASE=f"{base}/mnesia",
            RABBITMQ_LOG_BASE=f"{base}/log", RABBITMQ_CONFIG_FILE=f"{base}/rabbitmq",
            RABBITMQ_ENABLED_PLUGINS_FILE=f"{base}/enabled_plugins", HOME=base, **shared)

    def _start_rabbitmq(self) -> Daemon:
        base = os.path.join(self.workdir, "rabbitmq")
        self._write(os.path.join(base, "enabled_plugins"), "[].\n")
        self._write(os.path.join(base, "rabbitmq.conf"),
                    f"listeners.tcp.default = {self.listen_ip}:{self.ports.amqp}\n"
                    "loopback_users = none\n")
        # Not /usr/sbin/rabbitmq-server: that wrapper drops to the rabbitmq user and uses
        # /var/lib/rabbitmq as HOME (its cookie, its logs).
        return self._start("rabbitmq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
                           env=self._rabbit_env())

    def _gunicorn(self, name: str, port: int, **env: str) -> Daemon:
        # Pitfall: without --no-control-socket gunicorn 27 opens one under ~/.gunicorn.
        # Pitfall: gunicorn closes an idle keep-alive connection after 2 s, and
        # openstacksdk's wait_for_server polls every 2 s on the same pooled connection: a
        # GET sent as the server closes fails with RemoteDisconnected (requests does not
        # retry it). Keep idle connections open longer than any client waits between calls.
        return self._start(name, [
            self._bin("gunicorn"), "--no-control-socket", "-b", f"{self.listen_ip}:{port}",
            "-w", "1", "--threads", "4", "--timeout", "120", "--keep-alive", str(KEEP_ALIVE),
            "--chdir", os.path.join(self.workdir, "wsgi"), f"w_{name}:application"],
            env=self._env(**env))

    def _keystone(self) -> Daemon:
        conf = os.path.join(self.workdir, "keystone", "keystone.conf")
        env = self._env(OS_KEYSTONE_CONFIG_FILES=conf)
        manage = [self._bin("keystone-manage"), "--config-file", conf]
        for sub in ("fernet-keys", "credential-keys"):
            os.makedirs(os.path.join(self.workdir, "keystone", sub), mode=0o700, exist_ok=True)
        self._run(manage + ["db_sync"], env=env)
        owner = ["--keystone-user", "root", "--keystone-group", "root"]
        self._run(manage + ["fernet_setup", *owner], env=env)
        self._run(manage + ["credential_setup", *owner], env=env)
        self._run(manage + ["bootstrap", "--bootstrap-region-id", self.region,
                            *(f"--bootstrap-{i}-url={self.auth_url}"
                              for i in ("admin", "public", "internal"))],
                  env=self._env(OS_KEYSTONE_CONFIG_FILES=conf,
                                OS_BOOTSTRAP_PASSWORD=self.admin_password))
        return self._gunicorn("keystone", self.ports.keystone, OS_KEYSTONE_CONFIG_FILES=conf)

    def _keystone_objects(self) -> None:
        """Service project, users, roles and catalog in one process (the CLI takes 35 s)."""
        conn = self.connection()
        project = conn.identity.create_project(name="service", domain_id="default")
        admin = conn.identity.find_role("admin")
        service_role = conn.identity.find_role("service") or \
            conn.identity.create_role(name="service")
        for name in SERVICE_USERS:
            user = conn.identity.create_user(name=name, password=self.service_password,
                                             domain_id="default", default_project_id=project.id)
            conn.identity.assign_project_role_to_user(project, user, admin)
            if name == "nova":
                conn.identity.assign_project_role_to_user(project, user, service_role)
        for kind, name, url in (("compute", "nova", self.url("nova")),
                                ("placement", "placement", self.url("placement")),
                                ("image", "glance", self.url("glance")),
                                ("network", "neutron", self.url("neutron"))):
            service = conn.identity.create_service(name=name, type=kind)
            for interface in ("public", "internal", "admin"):
                conn.identity.create_endpoint(service_id=service.id, interface=interface,
                                              url=url, region_id=self.region)

    def _nova_manage(self, *args: str) -> str:
        return self._run([self._bin("nova-manage"), "--config-file", self.nova_conf, *args])

    def start(self) -> "ControlPlane":
        """Everything, ready for computes; on any failure everything started is removed."""
        t0 = time.monotonic()
        os.makedirs(self.logs, exist_ok=True)
        try:
            self._configure()
            mariadb = self._start_mariadb()
            rabbit = self._start_rabbitmq()
            keystone = self._keystone()
            self._wait("keystone", lambda: self._http_ok(self.auth_url), 90, keystone)
            self._stamp("keystone", t0)
            self._keystone_objects()
            self._stamp("keystone objects", t0)
            self._start("neutron-stub", [sys.executable, os.path.join(HERE, "neutron_stub.py"),
                                         self.listen_ip, str(self.ports.neutron)])
            self._wait("mariadb", lambda: os.path.exists(self.mysql_socket), 60, mariadb)
            self._create_databases()
            glance_dir = os.path.join(self.workdir, "glance")
            self._run([self._bin("glance-manage"), "--config-dir", glance_dir, "db_sync"])
            glance = self._gunicorn("glance", self.ports.glance, OS_GLANCE_CONFIG_DIR=glance_dir)
            placement_dir = os.path.join(self.workdir, "placement")
            self._run([self._bin("placement-manage"), "--config-file",
                       os.path.join(placement_dir, "placement.conf"), "db", "sync"])
            placement = self._gunicorn("placement", self.ports.placement,
                                       OS_PLACEMENT_CONFIG_DIR=placement_dir)
            self._nova_manage("api_db", "sync")
            # cell0's URL is derived from [database] (name + "_cell0"): no password in argv.
            self._nova_manage("cell_v2", "map_cell0")
            self._nova_manage("cell_v2", "create_cell", "--name", "cell1")
            self._nova_manage("db", "sync")
            self._stamp("databases", t0)
            self._wait("rabbitmq", lambda: self._run(
                ["/usr/lib/rabbitmq/bin/rabbitmqctl", "-q", "status"], env=self._rabbit_env(),
                timeout=30) is not None, 90, rabbit)
            self._epmd_pids = _pids_with_env("epmd", f"ERL_EPMD_PORT={self.ports.epmd}")
            # Pitfall: the paste file must come first, it is taken as the paste config.
            nova_api = self._gunicorn("nova", self.ports.nova, OS_NOVA_CONFIG_FILES=(
                f"{VENV}/etc/nova/api-paste.ini;{self.nova_conf}"))
            conductor = self._start("nova-conductor", [self._bin("nova-conductor"),
                                                       "--config-file", self.nova_conf])
            scheduler = self._start("nova-scheduler", [self._bin("nova-scheduler"),
                                                       "--config-file", self.nova_conf])
            for name, url, daemon in (("glance", self.url("glance"), glance),
                                      ("placement", self.url("placement"), placement),
                                      ("nova-api", self.url("nova"), nova_api)):
                self._wait(name, lambda u=url: self._http_ok(u), 90, daemon)
            conn = self.connection()
            for binary, daemon in (("nova-conductor", conductor), ("nova-scheduler", scheduler)):
                self._wait(binary, lambda b=binary: any(
                    s.binary == b and s.state == "up" for s in conn.compute.services()),
                    90, daemon)
            conn.image.create_image(name="tiny", data=b"\0" * 1024, disk_format="raw",
                                    container_format="bare", visibility="public")
            conn.compute.create_flavor(name="m1.tiny", ram=64, vcpus=1, disk=0)
            self._stamp("ready", t0)
        except BaseException:
            self.stop()
            raise
        return self

    # -- computes --------------------------------------------------------
    def compute_command(self, host: str, extra_env: Optional[Dict[str, str]] = None,
                        my_ip: Optional[str] = None,
                        guard: Sequence[str] = ()) -> ComputeCommand:
        """argv/env of nova-compute for ``host`` (own config and state_path), not started.

        The config is one complete file (nova.conf plus the host's own [DEFAULT] keys),
        as on a TripleO compute: a start guard (``guard``: its argv, to which
        ``--config-file`` is appended) reads the host name and the [placement]
        credentials from the one file it is given, then execs nova-compute with it.
        """
        state = os.path.join(self.workdir, "nova", f"state-{host}")
        os.makedirs(state, exist_ok=True)
        with open(self.nova_conf, encoding="utf-8") as handle:
            common = handle.read()
        own = (f"host = {host}\nstate_path = {state}\nmy_ip = {my_ip or self.listen_ip}\n"
               # debug: its start-up steps are then in its log, to wait on.
               "debug = true\n"
               f"update_resources_interval = {self.resource_audit_interval}\n")
        # nova.conf's [DEFAULT] comes first; the host's keys replace the plane's own.
        body = "".join(line + "\n" for line in common.split("\n")[1:]
                       if not line.startswith(("state_path =", "my_ip =")))
        conf = self._write(os.path.join(self.workdir, "nova", f"compute-{host}.conf"),
                           "[DEFAULT]\n" + own + body)
        env = self._env(**(extra_env or {}))
        argv = [*guard, "--config-file", conf] if guard else \
            [self._bin("nova-compute"), "--config-file", conf]
        return ComputeCommand(host, argv, env, conf, state)

    def start_compute(self, host: str, guard: Sequence[str] = (),
                      extra_env: Optional[Dict[str, str]] = None) -> Daemon:
        """Runs compute_command(host) in this plane's namespace; stop() removes it too.
        With ``guard``, nova-compute starts when the guard execs it (same process)."""
        cmd = self.compute_command(host, extra_env, guard=guard)
        daemon = self._spawn(f"nova-compute-{host}", cmd.argv, env=cmd.env)
        self.computes[host] = daemon
        return daemon

    def kill_compute(self, host: str) -> None:
        """SIGKILL, as a node that loses power: no goodbye to the conductor."""
        daemon = self.computes.pop(host)
        _kill_group(daemon.process, signal.SIGKILL, 10)

    def discover_hosts(self) -> List[str]:
        """Maps the computes whose compute_nodes rows exist; returns every mapped host."""
        self._nova_manage("cell_v2", "discover_hosts")
        table = self._nova_manage("cell_v2", "list_hosts")
        return [row.split("|")[3].strip() for row in table.splitlines()
                if row.startswith("|") and row.count("|") >= 4][1:]

    # -- teardown --------------------------------------------------------
    def stop(self) -> List[str]:
        """Removes every process started here; returns those still alive (empty = clean)."""
        for daemon in list(self.computes.values()):
            _kill_group(daemon.process, signal.SIGKILL, 10)
        self.computes.clear()
        rabbit = [d for d in self.daemons if d.name == "rabbitmq" and d.process.poll() is None]
        if rabbit:
            try:
                self._run(["/usr/lib/rabbitmq/bin/rabbitmqctl", "-q", "stop"],
                          env=self._rabbit_env(), timeout=30)
            except (ControlPlaneError, subprocess.TimeoutExpired):
                pass
        for daemon in reversed(self.daemons):
            _kill_group(daemon.process, signal.SIGTERM, 8)
        # RabbitMQ's epmd daemonizes (parent PID 1, its own session): by its PID only.
        epmd = self._epmd_pids or _pids_with_env("epmd", f"ERL_EPMD_PORT={self.ports.epmd}")
        for pid in epmd:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        groups = {d.process.pid for d in self.daemons}
        self.daemons.clear()
        time.sleep(0.2)
        return [f"{pid} {_cmdline(pid)}" for pid in _pids() if
                _pgid(pid) in groups or pid in epmd]

    def __enter__(self) -> "ControlPlane":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def rss_mb(self) -> int:
        """Resident memory of every process of this plane (computes included), in MiB."""
        groups = {d.process.pid for d in self.daemons + list(self.computes.values())}
        total = 0
        for pid in _pids():
            if _pgid(pid) in groups or pid in self._epmd_pids:
                try:
                    with open(f"/proc/{pid}/statm") as handle:
                        total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                except (OSError, IndexError):
                    pass
        return total // (1024 * 1024)


def guard_argv(marker: str, *options: str, script: str = GUARD) -> List[str]:
    """argv of a start guard of nova-compute as THT's nova_compute container runs it: the
    system Python (Debian's novaclient, keystoneauth1, oslo.config), the marker file that
    says Instance HA is on, and this venv's nova-compute to exec; compute_command() adds
    the --config-file."""
    return ["/usr/bin/python3", script, "--nova-binary", os.path.join(VENV, "bin", "nova-compute"),
            "--enable-file", marker, *options]


# -- /proc helpers (no pkill: only what this plane started) ---------------
def _pids() -> List[int]:
    """Live PIDs; zombies (dead, waiting for PID 1 to reap them) hold nothing and count not."""
    live = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if handle.read().rsplit(")", 1)[1].split()[0] != "Z":
                        live.append(int(entry))
            except (OSError, IndexError):
                pass
    return live


def _pgid(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except OSError:
        return -1


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def _pids_with_env(name: str, entry: str) -> List[int]:
    found = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/comm") as comm, open(f"/proc/{pid}/environ", "rb") as env:
                if comm.read().strip() == name and entry.encode() in env.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            pass
    return found


def _kill_group(proc: subprocess.Popen, sig: int, grace: float) -> None:
    """``sig`` to the process group, SIGKILL after ``grace`` s (nova-compute can linger)."""
    for current in (sig, signal.SIGKILL):
        try:
            os.killpg(proc.pid, current)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(_pgid(p) == proc.pid for p in _pids()):
            time.sleep(0.1)
        if not any(_pgid(p) == proc.pid for p in _pids()):
            return
