"""No false critical fails: score the look-alike agent turns and count verdicts.

Every turn of ``tests/scoring/lookalikes.py`` (long, rambling ASR-style agent turns with
words close to forbidden or hostile wording) is scored inside an ordinary call; prints the
number of critical fails (must be 0), forbidden-phrase fails, and reviews per item, and as
its last line one JSON object.

    .venv/bin/python benchmarks/scoring_lookalikes.py [--rubric rubrics/hotline_12345.yaml]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa_pipeline.models import Status  # noqa: E402
from qa_pipeline.scoring import (  # noqa: E402
    load_rubric,
    score_call,
)
from tests.scoring.lookalikes import AGENT_TURNS  # noqa: E402
from tests.scoring.test_lookalikes import _call  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rubric", default=str(REPO / "rubrics" / "hotline_12345.yaml"))
    args = ap.parse_args()
    rubric = load_rubric(args.rubric)
    critical = 0
    forbidden = 0
    reviews: Counter[str] = Counter()
    for n, text in enumerate(AGENT_TURNS):
        result = score_call(_call(n, text), rubric)
        critical += int(result.critical_failed)
        for it in result.items:
            if it.status is Status.REVIEW:
                reviews[it.item_id] += 1
                print(f"review  {it.item_id}: {it.reason}")
            elif it.critical_failed:
                print(f"CRITICAL {it.item_id}: {it.reason}")
            elif it.item_id == "forbidden_phrases" and it.status is Status.FAIL:
                forbidden += 1
                print(f"fail    {it.item_id}: {it.reason}")
    summary = {
        "turns": len(AGENT_TURNS),
        "critical_fails": critical,
        "forbidden_fails": forbidden,
        "reviews": sum(reviews.values()),
        "reviews_by_item": dict(reviews),
    }
    print(
        f"{len(AGENT_TURNS)} look-alike turns: {critical} critical fails, {forbidden} "
        f"forbidden-phrase fails, {sum(reviews.values())} reviews"
    )
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
