"""``item_results.confidence`` (migration 0005): stored and read back on SQLite and PostgreSQL."""

from __future__ import annotations

import math

from qa_pipeline.models import CallScore, Evidence, ItemResult, Status
from qa_pipeline.store import Store


def _score(confidences: list[float | None]) -> CallScore:
    statuses = [Status.PASS, Status.FAIL, Status.REVIEW]
    items = tuple(
        ItemResult(
            item_id=f"i{k}",
            status=statuses[k % 3],
            points=5.0,
            reason="r",
            evidence=(Evidence("agent", 0.0, 1.0, "您好"),),
            confidence=c,
        )
        for k, c in enumerate(confidences)
    )
    return CallScore(
        call_id="c1",
        rubric_id="hotline-12345",
        rubric_version="1",
        rubric_sha256="sha",
        score=50.0,
        grade=None,
        critical_failed=False,
        items=items,
    )


def test_item_confidence_is_stored_and_read_back(store: Store) -> None:
    assert store.current_revision() == store.head_revision()
    store.save_score(_score([0.9731, 0.41, None]), None)
    df = store.items_frame()
    got = dict(zip(df["item_id"], df["confidence"], strict=True))
    assert math.isclose(got["i0"], 0.9731) and math.isclose(got["i1"], 0.41)
    assert math.isnan(got["i2"])  # review: no confidence


def test_a_rescore_replaces_the_confidence(store: Store) -> None:
    store.save_score(_score([0.5]), None)
    store.save_score(_score([0.99]), None)
    assert store.items_frame()["confidence"].tolist() == [0.99]
