"""What the alert tests share: the agent's path and the textfile as prometheus_client reads it."""
import os

from prometheus_client.parser import text_string_to_metric_families

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
AGENT = os.path.join(ROOT, "deployment", "pacemaker", "alerts", "tripleo-instanceha-alert")
COMPUTES = ("compute-0", "compute-1")


def counters(text: str) -> dict:
    """{(sample name, frozenset(labels)): value} by prometheus_client's own parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "counter", family
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def key(name: str, **labels) -> tuple:
    return (name, frozenset(labels.items()))
