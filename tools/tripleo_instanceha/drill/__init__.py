"""`drill`: the spec's acceptance test on a real cloud, as a command.

Boot a canary on one Instance HA compute, really fail that compute (a crash method,
never a fence through pacemaker: that would skip detection), follow the canary to
ACTIVE on another host and the compute back into service, and time each step against
the rehearsed budget. The canary (and any flavor made for it) is always deleted.
"""
