"""The live harness's own reasoning, checked without a cluster.

Why: the slow-monitor scenario used to wait until it *saw* a monitor arrive,
from ``ss``'s ``lastrcv``, and missed it in about one wait in four: ss omits
``lastrcv`` whenever it is 0, so the reading taken in the tick the monitor
arrived had no value and the drop went unseen.  The scenario no longer waits
for a monitor; these tests pin both halves of the fix.
"""
from __future__ import annotations

import pytest

from tripleo_instanceha.cluster import model as cluster_model

from . import cluster as live
from . import scenarios

# ss -tinH output read on this harness: the same socket 4 s after a monitor and in the
# tick a monitor arrived (no lastrcv field at all), with one request queued unread.
AFTER = ("0      0      [::ffff:10.99.0.22]:3121 [::ffff:10.99.0.12]:42848\n"
         "\t bbr wscale:10,10 rto:204 bytes_received:5469 lastsnd:4540 lastrcv:4540 "
         "lastack:4540 pacing_rate 4138169056bps\n")
ARRIVING = ("0      0      [::ffff:10.99.0.22]:3121 [::ffff:10.99.0.12]:42848\n"
            "\t bbr wscale:10,10 rto:204 bytes_received:5863 pacing_rate 4138169056bps\n")
QUEUED = ("197    0      [::ffff:10.99.0.22]:3121 [::ffff:10.99.0.12]:42848\n"
          "\t bbr wscale:10,10 rto:204 bytes_received:6060 lastsnd:9000 lastrcv:1200\n")


def test_a_reading_in_the_tick_a_monitor_arrives_is_zero_not_missing():
    assert live.parse_ss(AFTER) == [live.RemoteSocket(0, 4540)]
    # before the fix this reading was None, and a None broke the "value dropped" check
    assert live.parse_ss(ARRIVING) == [live.RemoteSocket(0, 0)]
    assert live.parse_ss(QUEUED) == [live.RemoteSocket(197, 1200)]
    assert live.parse_ss("") == []


def _delays(interval: float, timeout: float, pause: float, phase: float) -> list[float]:
    """How late each monitor answered when remoted is stopped over [0, pause)."""
    delays, t, rtt = [], -interval + phase, 0.005
    while t < pause + interval:
        end = max(t + rtt, pause + rtt) if -rtt < t < pause else t + rtt
        if end - t > rtt:
            delays.append(end - t)
        t = end + interval
    return delays


def _monitor(profile):
    """(interval, timeout) of the profile's connection monitor, as the live model has it."""
    timeout = profile.monitor_timeout
    return profile.monitor, (cluster_model.PACEMAKER_DEFAULT_OP_TIMEOUT if timeout is None
                             else timeout)


def test_the_profiles_monitor_timeouts():
    """The project's lifecycle tasks set InstanceHARemoteMonitorTimeout; upstream sets none."""
    assert _monitor(scenarios.PROJECT) == (5, 15)
    assert _monitor(scenarios.UPSTREAM) == (20, 20)
    assert "InstanceHARemoteMonitorTimeout" not in scenarios.UPSTREAM.parameters("pw")
    assert scenarios.PROJECT.parameters("pw")["InstanceHARemoteMonitorTimeout"] == 15


def test_the_profiles_poll_intervals():
    """Upstream's stock NovaEvacuate notices a fenced host in its 10 s monitor."""
    assert scenarios.PROJECT.parameters("pw")["InstanceHAEvacuatePollInterval"] == 2
    assert scenarios.UPSTREAM.parameters("pw")["InstanceHAEvacuatePollInterval"] == 10


@pytest.mark.parametrize("profile", [scenarios.PROJECT], ids=lambda p: p.key)
def test_the_pause_delays_a_monitor_and_never_times_one_out_at_any_phase(profile):
    interval, timeout = _monitor(profile)
    pause = scenarios.slow_monitor_pause(interval, timeout)
    assert interval < pause < timeout
    phases = [interval * k / 200.0 for k in range(200)]
    for phase in phases:
        delays = _delays(interval, timeout, pause, phase)
        assert delays, "phase %.2fs: no monitor delayed" % phase
        assert max(delays) < timeout, "phase %.2fs: a monitor timed out" % phase
    # the old pause (interval + 5 s) held for these profiles, but nothing chose it from
    # the timeout: a pause at or past the timeout would fail a monitor at some phase
    late = [p for p in phases if max(_delays(interval, timeout, timeout + 1, p)) >= timeout]
    assert late


def test_no_pause_exists_when_the_plan_leaves_no_room():
    with pytest.raises(live.HarnessError, match="leave no pause"):
        scenarios.slow_monitor_pause(28, 30)


def test_upstream_holds_one_queued_request_instead_of_a_pause():
    """20 s interval, 20 s timeout: no pause is both longer than the interval and shorter
    than the timeout, so the slow monitor holds the next request once it is queued."""
    interval, timeout = _monitor(scenarios.UPSTREAM)
    with pytest.raises(live.HarnessError, match="leave no pause"):
        scenarios.slow_monitor_pause(interval, timeout)
    hold = scenarios.slow_monitor_hold(timeout)
    assert scenarios.PAUSE_MARGIN <= hold <= timeout - scenarios.PAUSE_MARGIN
    # the wait for that request outlasts one interval, whatever the phase
    assert scenarios.monitor_wait(interval, timeout) > interval
    with pytest.raises(live.HarnessError, match="no room to hold"):
        scenarios.slow_monitor_hold(2 * scenarios.PAUSE_MARGIN)


@pytest.mark.parametrize("profile", scenarios.PROFILES, ids=lambda p: p.key)
def test_the_wait_for_a_monitor_outlasts_an_interval(profile):
    interval, timeout = _monitor(profile)
    wait = scenarios.monitor_wait(interval, timeout)
    assert wait > interval
    if timeout - scenarios.PAUSE_MARGIN > interval + scenarios.PAUSE_MARGIN:
        # below the timeout where the plan leaves room (the project's 10 s / 15 s: 13 s)
        assert wait <= timeout - scenarios.PAUSE_MARGIN
