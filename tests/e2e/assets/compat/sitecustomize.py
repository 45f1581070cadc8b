"""Python 3.11 shim for Debian 12's fence_compute and fence_evacuate.

fence-agents 4.12.1 calls ``inspect.getargspec``, which Python 3.11 removed
(fixed upstream in ClusterLabs/fence-agents later).  The e2e harness puts this
directory first on the agents' PYTHONPATH instead of editing installed files;
the shim returns the same four fields the agents read.
"""
import collections
import inspect

if not hasattr(inspect, "getargspec"):
    _ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")

    def getargspec(func):
        spec = inspect.getfullargspec(func)
        return _ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)

    inspect.getargspec = getargspec
