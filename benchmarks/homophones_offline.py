"""Apply the in-context homophone correction to saved transcripts, for a before/after.

    .venv/bin/python benchmarks/homophones_offline.py SAVED_DIR OUT_DIR [--rubric R]

``SAVED_DIR`` holds transcripts saved by ``qa eval e2e --save`` (recognised with the
default ``correction_terms(rubric)``); each segment's text is corrected again with
``correction_terms(rubric, in_context=True)`` — the topic groups scored by jieba's
word frequencies — and written to ``OUT_DIR``. Score both with
``qa eval e2e --corpus CORPUS --transcripts DIR`` to compare CER, domain-term recall and
agreement. Prints every changed segment and the count.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa_pipeline.asr.correct import correct_terms, correction_terms  # noqa: E402
from qa_pipeline.scoring import load_rubric  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("saved", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "hotline_12345.yaml")
    args = parser.parse_args()
    terms = correction_terms(load_rubric(args.rubric), in_context=True)
    args.out.mkdir(parents=True, exist_ok=True)
    changed = 0
    for path in sorted(args.saved.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for seg in data.get("segments", []):
            new, _ = correct_terms(seg["text"], terms)
            if new != seg["text"]:
                changed += 1
                print(f"{path.stem} {seg['speaker']}: {seg['text']} => {new}")
                seg["text"] = new
        (args.out / path.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    print(f"{changed} segments changed")


if __name__ == "__main__":
    main()
