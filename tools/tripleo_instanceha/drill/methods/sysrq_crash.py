"""Crash the compute's kernel over ssh (sysrq ``c``), as a kernel panic would.

Why refuse a shared kernel: where "nodes" are containers or network namespaces of one
machine, the sysrq trigger crashes that machine, this one included. The kernels are
compared by their boot id (``/proc/sys/kernel/random/boot_id``), which differs between
any two running kernels; a loopback address is refused before anything is run.
"""
from __future__ import annotations

import ipaddress
import socket
import subprocess
from typing import List

from tripleo_instanceha.drill.methods.base import CrashMethod, DrillRefused

BOOT_ID = "/proc/sys/kernel/random/boot_id"
#: enable sysrq for this one trigger, then crash; sudo because ssh users are not root
TRIGGER = "sudo -n sh -c 'echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger'"
SSH_TIMEOUT = 20


class SysrqCrash(CrashMethod):
    NAME = "sysrq-crash"
    HELP = "crash the compute's kernel over ssh (echo c > /proc/sysrq-trigger)"

    @classmethod
    def add_arguments(cls, group) -> None:
        group.add_argument("--ssh-address", metavar="ADDRESS",
                           help="where to ssh (default: the Nova host name)")
        group.add_argument("--ssh-user", metavar="USER",
                           help="ssh user with sudo (heat-admin on 16.2, tripleo-admin on "
                                "17.1; default: ssh's own configuration)")

    @property
    def _address(self) -> str:
        return self.args.ssh_address or self.host

    def _ssh(self, command: str) -> List[str]:
        target = f"{self.args.ssh_user}@{self._address}" if self.args.ssh_user \
            else self._address
        return ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", target, command]

    def describe(self) -> str:
        return f"crash {self.host}'s kernel: {' '.join(self._ssh(TRIGGER))}"

    def check(self) -> None:
        try:
            addresses = {a[4][0] for a in socket.getaddrinfo(self._address, None)}
        except socket.gaierror as exc:
            raise DrillRefused(f"--ssh-address {self._address}: cannot be resolved "
                               f"({exc.strerror}); fix: pass the compute's address") from None
        if any(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
            raise DrillRefused(f"{self._address} is this machine (a loopback address): a "
                               "sysrq crash would crash it (fix: --method bmc-power-off)")
        try:
            remote = subprocess.run(self._ssh(f"sudo -n true && cat {BOOT_ID}"),
                                    capture_output=True, text=True, timeout=SSH_TIMEOUT,
                                    stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DrillRefused(f"ssh {self._address} did not answer ({exc}); fix: check "
                               "--ssh-address/--ssh-user and the key") from None
        if remote.returncode != 0:
            raise DrillRefused(f"ssh {self._address} failed (exit {remote.returncode}: "
                               f"{remote.stderr.strip()[-200:]}); fix: check --ssh-address, "
                               "--ssh-user, the key and password-less sudo")
        with open(BOOT_ID, encoding="ascii") as handle:
            local = handle.read().strip()
        if remote.stdout.strip() == local:
            raise DrillRefused(f"{self._address} runs this machine's kernel (same boot id "
                               f"{local}): the nodes share one kernel, and a sysrq crash would "
                               "crash this machine too (fix: --method bmc-power-off)")

    def crash(self) -> None:
        # The connection dies with the kernel: exit 255 or a timeout both mean it went;
        # any other exit is the remote command's own failure (sudo, no sysrq).
        try:
            run = subprocess.run(self._ssh(TRIGGER), capture_output=True, text=True,
                                 timeout=SSH_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return
        if run.returncode != 255:
            raise DrillRefused(f"the sysrq trigger on {self._address} did not crash it (exit "
                               f"{run.returncode}: {run.stderr.strip()[-200:]}); nothing was "
                               "crashed")
