"""A bare-metal node as the inventory (instackenv.json / nodes.yaml) describes it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tripleo_instanceha.errors import shorten


@dataclass(frozen=True)
class Port:
    address: str
    pxe_enabled: Optional[bool] = None


@dataclass
class Node:
    """One inventory entry, normalised.

    `driver` is the hardware type (ipmi, redfish, idrac, ilo, irmc, staging-ovirt,
    kubevirt, ...) with classic `pxe_ipmitool`-style names already mapped; `bmc`
    holds the normalised BMC fields (address, port, username, password,
    system_id, verify_ca, vm_name, ...). `index` is the position in the file,
    used to name nodes that have no name.
    """

    index: int
    name: Optional[str]
    driver: Optional[str]
    bmc: Dict[str, Any] = field(default_factory=dict)
    ports: List[Port] = field(default_factory=list)
    capabilities: Dict[str, str] = field(default_factory=dict)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        """How messages name this node: its name (cut when huge), else its position."""
        return shorten(self.name) if self.name else f"node #{self.index}"

    @property
    def profile(self) -> Optional[str]:
        return self.capabilities.get("profile")

    @property
    def node_hint(self) -> Optional[str]:
        return self.capabilities.get("node")

    @property
    def macs(self) -> List[str]:
        return [p.address.lower() for p in self.ports]

    @property
    def host_mac(self) -> Optional[str]:
        """The provisioning MAC: the pxe_enabled port, else the first port."""
        for port in self.ports:
            if port.pxe_enabled:
                return port.address.lower()
        return self.ports[0].address.lower() if self.ports else None
