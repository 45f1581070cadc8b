"""The drill's report: the timeline from the crash, the budget, the verdict, the exit code."""
from __future__ import annotations

from tripleo_instanceha.drill.report import DrillReport
from tripleo_instanceha.drill.run import FAILED, PASSED, Drill, Event, Request

BUDGET = {"to_first_evacuate_s": {"best": 1, "worst": 90},
          "to_rebuild_s": {"best": 2, "worst": 120}}


def _drill(verdict, reasons=(), budget=None):
    drill = Drill(Request("compute-0.localdomain", "cirros", "m1.tiny", budget=budget),
                  "bmc-power-off", verdict=verdict, canary="c-1",
                  recovered_on="compute-1.localdomain", reasons=list(reasons))
    drill.events = [Event(-12.0, "canary ACTIVE on compute-0.localdomain"),
                    Event(0.0, "crash started: bmc-power-off"),
                    Event(71.0, "canary ACTIVE on compute-1.localdomain")]
    return drill


def test_passed_text_and_json():
    report = DrillReport(_drill(PASSED, budget=BUDGET))
    assert report.exit_code == 0
    text = report.to_text()
    assert "-12.0  canary ACTIVE on compute-0" in text
    assert "+71.0  canary ACTIVE on compute-1" in text
    assert "VMs rebuilding 2 to 120 s" in text and text.endswith("Verdict: PASSED")
    data = report.to_dict()
    assert data["timeline"][2] == {"at_s": 71.0,
                                   "event": "canary ACTIVE on compute-1.localdomain"}
    assert data["budget"]["to_rebuild_s"]["worst"] == 120 and data["verdict"] == "passed"


def test_failed_says_why_and_exits_1():
    report = DrillReport(_drill(FAILED, ["the canary was rebuilding 130.0 s after the crash, "
                                         "over the rehearsed worst case of 120 s"]))
    assert report.exit_code == 1
    text = report.to_text()
    assert "reason: the canary was rebuilding 130.0 s" in text
    assert "rehearsed budget: not given" in text and text.endswith("Verdict: FAILED")
