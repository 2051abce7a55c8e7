"""The review queue's pages: chosen on the queue table alone, then joined (issue 19).

The risk order must be the same whether the site has the rubric (critical items read
from it) or not (the machine's critical fails looked up per entry), and pages must
follow each other without gaps or repeats.
"""

from __future__ import annotations

from sqlalchemy import select

from qa_pipeline.review import Workbench
from qa_pipeline.store.schema import call_scores, item_results

from .conftest import Centre


def _critical_failed(centre: Centre) -> set[tuple[str, str]]:
    q = select(call_scores.c.call_id, item_results.c.item_id).select_from(
        item_results.join(call_scores)
    )
    with centre.store._read("t") as conn:
        return {tuple(r) for r in conn.execute(q.where(item_results.c.critical_failed))}


def test_pages_follow_each_other_in_risk_order(centre: Centre) -> None:
    centre.bench.fill_queue(rate=1.0, seed=5)
    whole, more = centre.bench.queue(per_page=10_000)
    assert not more and len(whole) > 30
    paged = []
    page = 1
    while True:
        rows, more = centre.bench.queue(page, per_page=7)
        paged += rows
        if not more:
            break
        page += 1
    assert [r.id for r in paged] == [r.id for r in whole]
    assert all(r.item_name and r.agent_id for r in paged)  # joined to items and calls


def test_without_the_rubric_the_machines_critical_fails_come_first(centre: Centre) -> None:
    centre.bench.fill_queue(rate=1.0, seed=5)
    failed = _critical_failed(centre)
    assert failed  # the demo centre has critical fails
    blind = Workbench(centre.store)  # a site without the rubric: no critical items known
    rows, _ = blind.queue(per_page=10_000)
    flags = [(r.call_id, r.item_id) in failed for r in rows]
    first_other = flags.index(False)
    assert any(flags) and not any(flags[first_other:])
    # with the rubric, those entries are among the critical ones at the top too
    known, _ = centre.bench.queue(per_page=10_000)
    top = {(r.call_id, r.item_id) for r in known[: len(failed)]}
    assert {(r.call_id, r.item_id) for r in rows[:first_other]} <= top | failed
