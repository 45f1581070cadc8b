"""A real keystone (the PyPI release in the test venv) on 127.0.0.1, for the fence agents.

Why a real keystone: fence_compute and NovaEvacuate authenticate with the
parameters puppet-tripleo gives them, and whether that works is decided by
keystone's own scoping rules, which no fake would reproduce. Keystone alone
runs on sqlite (fernet tokens, no writes on authentication) and is up in
about ten seconds; the real-Nova tests reuse this helper.

Secrets stay off command lines: the bootstrap password reaches
``keystone-manage`` through ``OS_BOOTSTRAP_PASSWORD``, users are created
in-process with keystoneclient. The server runs in its own process group
and is stopped by that group's id.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import List, Optional

from tests.net import free_port

BIN = os.path.dirname(sys.executable)
KEYSTONE_MANAGE = os.path.join(BIN, "keystone-manage")
ADMIN_PASSWORD = "keystone-admin-test-password"
REGION = "regionOne"
START_TIMEOUT = 60

#: Serves keystone's WSGI app with the standard library's server; keystone
#: parses sys.argv with oslo.config, so it must see no arguments.
SERVE = """
import sys
port = int(sys.argv[1]); sys.argv = sys.argv[:1]
from wsgiref.simple_server import make_server, WSGIRequestHandler
from keystone.server.wsgi import initialize_public_application
app = initialize_public_application()
class Handler(WSGIRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("REQUEST %s\\n" % (fmt % args)); sys.stderr.flush()
make_server("127.0.0.1", port, app, handler_class=Handler).serve_forever()
"""


@dataclass
class User:
    name: str
    password: str
    project: str


class KeystoneServer:
    """keystone on a free port under ``workdir``: ``with KeystoneServer(d) as ks: ks.url``."""

    def __init__(self, workdir: str, port: Optional[int] = None):
        self.workdir = os.path.abspath(workdir)
        self.port = port or free_port(socket.SOCK_STREAM)
        self.url = f"http://127.0.0.1:{self.port}/v3"
        self.conf = os.path.join(self.workdir, "keystone.conf")
        self.log = os.path.join(self.workdir, "keystone-requests.log")
        self._process: Optional[subprocess.Popen] = None

    # -- set-up ----------------------------------------------------------
    def _env(self, **more: str) -> dict:
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.conf)
        env.update(more)
        return env

    def _manage(self, *args: str, **env: str) -> None:
        run = subprocess.run([KEYSTONE_MANAGE, "--config-file", self.conf, *args],
                             capture_output=True, text=True, env=self._env(**env), timeout=300)
        if run.returncode != 0:
            raise RuntimeError(f"keystone-manage {args[0]} failed ({run.returncode}): "
                               f"{run.stderr[-2000:]}")

    def _configure(self) -> None:
        os.makedirs(self.workdir, exist_ok=True)
        for sub in ("fernet-keys", "credential-keys"):
            os.makedirs(os.path.join(self.workdir, sub), mode=0o700, exist_ok=True)
        with open(self.conf, "w", encoding="utf-8") as handle:
            handle.write(
                "[DEFAULT]\n"
                f"log_file = {os.path.join(self.workdir, 'keystone.log')}\n"
                "[database]\n"
                f"connection = sqlite:///{os.path.join(self.workdir, 'keystone.sqlite')}\n"
                "[token]\nprovider = fernet\n"
                f"[fernet_tokens]\nkey_repository = {self.workdir}/fernet-keys\n"
                f"[credential]\nkey_repository = {self.workdir}/credential-keys\n")
        user = os.environ.get("USER", "root")
        self._manage("db_sync")
        owner = ["--keystone-user", user, "--keystone-group", user] if os.getuid() == 0 else \
            ["--keystone-user", str(os.getuid()), "--keystone-group", str(os.getgid())]
        self._manage("fernet_setup", *owner)
        self._manage("credential_setup", *owner)
        self._manage("bootstrap", "--bootstrap-admin-url", self.url,
                     "--bootstrap-public-url", self.url, "--bootstrap-internal-url", self.url,
                     "--bootstrap-region-id", REGION, OS_BOOTSTRAP_PASSWORD=ADMIN_PASSWORD)

    def start(self) -> "KeystoneServer":
        self._configure()
        log = open(self.log, "w", encoding="utf-8")
        self._process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(self.port)], stdout=log, stderr=log,
            env=self._env(), start_new_session=True, cwd=self.workdir)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"keystone exited ({self._process.returncode}): "
                                   f"{self.requests()[-20:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"keystone did not answer on {self.url} within {START_TIMEOUT} s")

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> "KeystoneServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- objects ---------------------------------------------------------
    def admin_client(self):
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        from keystoneclient.v3 import client
        auth = v3.Password(auth_url=self.url, username="admin", password=ADMIN_PASSWORD,
                           project_name="admin", user_domain_name="Default",
                           project_domain_name="Default")
        return client.Client(session=session.Session(auth=auth), interface="public")

    def add_user(self, name: str, password: str, project: str, role: str = "admin") -> User:
        """A user with ``role`` on ``project`` (created when missing), in domain Default."""
        ks = self.admin_client()
        found = ks.projects.list(name=project)
        proj = found[0] if found else ks.projects.create(project, domain="default")
        user = ks.users.create(name, domain="default", password=password,
                               default_project=proj)
        ks.roles.grant(ks.roles.list(name=role)[0], user=user, project=proj)
        return User(name, password, project)

    def add_endpoint(self, service_type: str, url: str) -> None:
        """A catalog entry (all three interfaces), as the overcloud's catalog has."""
        ks = self.admin_client()
        service = ks.services.create(name=service_type, type=service_type)
        for interface in ("public", "internal", "admin"):
            ks.endpoints.create(service, url, interface=interface, region=REGION)

    def requests(self) -> List[str]:
        """The server's request log: ``"POST /v3/auth/tokens HTTP/1.1" 201 ...`` lines."""
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8", errors="replace") as handle:
            return [line[len("REQUEST "):].rstrip("\n") for line in handle
                    if line.startswith("REQUEST ")]
