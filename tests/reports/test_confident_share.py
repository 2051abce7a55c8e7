"""Reports say how many verdicts the machine decided confidently (issue 18 item 1)."""

from __future__ import annotations

import math

import pandas as pd

from qa_pipeline.reports import aggregate as agg
from qa_pipeline.reports.builders import kpis
from qa_pipeline.reports.labels import labels

from .synth import make_history


def test_confident_share_is_a_headline_figure_when_items_carry_confidences() -> None:
    scores, items = make_history(days=7, calls_per_day=4)
    lab = labels("zh")
    plain = agg.call_summary(scores, items, 80.0)
    assert "confident" not in plain  # no confidences stored: no figure
    assert lab["confident"] not in [k.label for k in kpis(lab, plain, None)]
    conf = items.copy()
    conf["confidence"] = [0.9 if s != "review" else math.nan for s in conf["status"]]
    decided = conf["status"].isin(("pass", "fail", "na")).sum()
    now = agg.call_summary(scores, conf, 80.0)
    assert now["confident"] == decided / len(conf)
    shown = {k.label: k.value for k in kpis(lab, now, None)}
    assert shown[lab["confident"]].endswith("%")


def test_machine_confident_counts_only_decided_verdicts_with_a_confidence() -> None:
    items = pd.DataFrame(
        {
            "status": ["pass", "fail", "review", "na", "pass"],
            "confidence": [0.99, 0.95, math.nan, 0.97, math.nan],
        }
    )
    assert agg.machine_confident(items) == {"confident": 3 / 5}
    assert agg.machine_confident(items.assign(confidence=math.nan)) == {}


def test_proposed_critical_fails_awaiting_a_person_are_a_headline_figure() -> None:
    scores, items = make_history(days=7, calls_per_day=4)
    lab = labels("zh")
    items = items.assign(critical_failed=False)
    assert "critical_pending" not in agg.call_summary(scores, items, 80.0)
    first, second = items["call_id"].unique()[:2]
    proposed = items.copy()
    for call in (first, second):
        row = proposed.index[proposed["call_id"] == call][0]
        proposed.loc[row, ["status", "critical_failed"]] = ["review", True]
    now = agg.call_summary(scores, proposed, 80.0)
    assert now["critical_pending"] == 2.0
    labels_shown = [k.label for k in kpis(lab, now, None)]
    assert labels_shown.index(lab["critical_pending"]) == labels_shown.index(lab["critical"]) + 1
    confirmed = proposed.copy()
    confirmed.loc[confirmed["critical_failed"], "status"] = "fail"  # a person confirmed both
    assert "critical_pending" not in agg.call_summary(scores, confirmed, 80.0)
