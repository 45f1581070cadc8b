"""The evacuation agent's live node (tests/agent/harness.py), one per stack and module."""
from tests.agent.harness import node  # noqa: F401
