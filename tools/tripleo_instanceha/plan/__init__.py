"""The deployment plan: roles, nodes, environments and fencing devices.

One model shared by `fencing generate`, `validate`, `rehearse` and `prepare`.
"""
from tripleo_instanceha.plan.fencing_config import FencingConfig, FencingDevice  # noqa: F401
from tripleo_instanceha.plan.nodes import Node, Port  # noqa: F401
from tripleo_instanceha.plan.plan import Placement, Plan  # noqa: F401
from tripleo_instanceha.plan.roles import Role  # noqa: F401
