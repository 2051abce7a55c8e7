"""Verdicts under synthetic speech-to-text noise, and no false critical fail from it.

Takes the clean calls of a labelled corpus, swaps each Chinese character with probability
p for another character of the corpus with the same toneless pinyin (what Mandarin
speech-to-text does) and drops half the punctuation, then prints agreement with the
labels, the review rate and the number of critical fails the labels do not have, per p;
the last line is one JSON object.

    .venv/bin/python benchmarks/scoring_noise.py [--corpus ../shared/corpus/dev2] [--rubric R]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa_pipeline.evaluation.scoring import homophone_noise  # noqa: E402
from qa_pipeline.intake.transcript_io import load_labelled_call  # noqa: E402
from qa_pipeline.scoring import (  # noqa: E402
    load_rubric,
    score_call,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "dev2")
    ap.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "hotline_12345.yaml")
    ap.add_argument("--levels", default="0.1:1,0.15:2,0.25:3", help="p:seed,…")
    args = ap.parse_args()
    rubric = load_rubric(args.rubric)
    noisy = set((args.corpus / "noisy.txt").read_text(encoding="utf-8").split())
    calls = [
        load_labelled_call(p) for p in sorted(args.corpus.glob("*.json")) if p.stem not in noisy
    ]
    texts = [s.text for call in calls for s in call.transcript.segments]
    summary = {}
    for level in args.levels.split(","):
        p_text, seed = level.split(":")
        p = float(p_text)
        noise = homophone_noise(texts, p, random.Random(int(seed)))

        agree = decided = reviews = total = false_critical = 0
        for call in calls:
            segs = tuple(replace(s, text=noise(s.text)) for s in call.transcript.segments)
            result = score_call(replace(call.transcript, segments=segs), rubric)
            for item_id, expected in call.expected:
                item = result.item(item_id)
                total += 1
                if str(item.status) == "review":
                    reviews += 1
                    continue
                decided += 1
                agree += str(item.status) == expected
                false_critical += item.critical_failed and expected != "fail"
        acc = agree / decided if decided else 0.0
        print(
            f"p={p:g}: agreement {agree}/{decided} = {acc:.1%}, review {reviews}/{total}, "
            f"critical fails the labels do not have: {false_critical}"
        )
        summary[f"{p:g}"] = {
            "accuracy": round(acc, 4),
            "review_rate": round(reviews / total, 4),
            "false_critical": false_critical,
        }
    print(json.dumps({"calls": len(calls), "levels": summary}))


if __name__ == "__main__":
    main()
