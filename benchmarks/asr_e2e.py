"""End to end on call recordings: speech-to-text → scoring against the labels.

Runs ``qa eval e2e``'s evaluation (``qa_pipeline.evaluation.e2e``) on a corpus of labelled
recordings (default ``../shared/corpus/dev_audio``) in several variants, one after the
other in one process, and prints one table and one JSON line per variant:

- ``plain``: stereo, no vocabulary biasing (the "before" of CER and domain terms);
- ``hotwords``: stereo, hotwords from the rubric;
- ``vocab``: hotwords and near-miss term restoration (``qa_pipeline.asr.correct``), the
  default of ``qa eval e2e``;
- ``crosstalk``: as ``vocab`` with each side leaking into the other channel at
  ``--crosstalk-db`` (-30 dB);
- ``mono``: as ``vocab`` with the channels mixed to mono.

Usage::

    .venv/bin/python benchmarks/asr_e2e.py [--variants plain,hotwords,vocab,crosstalk,mono]
        [--corpus DIR] [--rubric R] [--limit N] [--crosstalk-db -30]

CPU-heavy (each variant transcribes the whole corpus: ~46 min of audio): run one at a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QA_SHARED_DIR", REPO.parent / "shared"))
VARIANTS = ("plain", "hotwords", "vocab", "crosstalk", "mono")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "dev_audio")
    ap.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "hotline_12345.yaml")
    ap.add_argument("--variants", default="plain,vocab,crosstalk,mono")
    ap.add_argument("--crosstalk-db", type=float, default=-30.0)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--disagreements", action="store_true", help="print each disagreement")
    ap.add_argument("--save", type=Path, default=None, help="write transcripts to SAVE/VARIANT/")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from qa_pipeline.asr.correct import correction_terms, correction_text
    from qa_pipeline.asr.options import AsrOptions
    from qa_pipeline.asr.vocabulary import hotwords_for_rubric, rubric_terms
    from qa_pipeline.config import Settings
    from qa_pipeline.evaluation.e2e import evaluate_e2e
    from qa_pipeline.scoring import load_rubric

    settings = Settings()
    rubric = load_rubric(args.rubric)
    terms = rubric_terms(rubric)
    base = AsrOptions(model=settings.asr_model, device=settings.device, language="zh")
    hot = replace(base, hotwords=hotwords_for_rubric(rubric))
    vocab = replace(hot, correct_terms=correction_text(correction_terms(rubric)))
    runs = {
        "plain": (base, None, False),
        "hotwords": (hot, None, False),
        "vocab": (vocab, None, False),
        "crosstalk": (vocab, args.crosstalk_db, False),
        "mono": (replace(vocab, channels="mono"), None, True),
    }
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [v for v in chosen if v not in runs]
    if bad:
        sys.exit(f"unknown variant(s) {bad}; choose from {', '.join(VARIANTS)}")
    print(f"corpus {args.corpus}, rubric {rubric.id} v{rubric.version}, model {base.model}")
    print(f"hotwords: {hot.hotwords}")
    print(
        f"{'variant':<34} {'agree':>7} {'review':>7} {'CER':>7} {'terms':>7} "
        f"{'segs/ref':>9} {'dup':>4} {'xRT':>6}"
    )
    lines = []
    for name in chosen:
        options, crosstalk, mono = runs[name]
        rep = evaluate_e2e(
            args.corpus,
            rubric,
            options,
            models_dir=settings.models_dir,
            crosstalk_db=crosstalk,
            mono=mono,
            terms=terms,
            limit=args.limit,
            save_dir=(args.save / name) if args.save else None,
        )
        s = rep.summary()

        def pct(x: float | None) -> str:
            return "—" if x is None else f"{x:.2%}"

        print(
            f"{s['variant']:<34} {pct(s['accuracy']):>7} {pct(s['review_rate']):>7} "
            f"{pct(s['cer']):>7} {pct(s['term_recall']):>7} "
            f"{s['segments']:>4}/{s['ref_turns']:<4} {s['duplicated_turns']:>4} "
            f"{s['x_realtime']:>6.2f}",
            flush=True,
        )
        if args.disagreements:
            for d in rep.disagreements:
                print("   ", json.dumps(d.to_dict(), ensure_ascii=False), flush=True)
            for e in rep.errors:
                print("    error:", e, flush=True)
        lines.append(json.dumps({"name": name, **s}, ensure_ascii=False))
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
