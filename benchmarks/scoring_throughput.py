"""Scoring throughput: calls scored per second on one core for ~5-minute transcripts.

Builds synthetic 5-minute calls by concatenating dev-corpus calls (shifting timestamps),
then varies the segments' text a little (a different number per segment) so the engine's
per-text cache cannot remember a previous call, and scores them with the 12345 rubric in
this process, pinned to one core.

    .venv/bin/python benchmarks/scoring_throughput.py [--calls 1000] [--minutes 5] [--unique 1.0]

``--compare-confidence`` scores fresh calls (new seeds, so no cached text) alternately
without the verdict-confidence model and with the shipped one, three rounds each, and
prints both rates and their ratio (with / without), all in one run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa_pipeline.intake.transcript_io import load_labelled_call  # noqa: E402
from qa_pipeline.models import Segment, Transcript  # noqa: E402
from qa_pipeline.scoring import (  # noqa: E402
    ScoringOptions,
    load_rubric,
    score_call,
)


def build_calls(
    corpus: Path, n: int, minutes: float, unique: float = 1.0, seed: int = 7, mixed: bool = False
) -> list[Transcript]:
    """``n`` calls of about ``minutes``: one corpus call expanded (its turns repeated, one
    topic, like a real long call) or, with ``mixed``, several different calls strung
    together (every policy topic in one call: the engine's worst case)."""
    sources = [load_labelled_call(p).transcript for p in sorted(corpus.glob("dev_*.json"))]
    rng = random.Random(seed)
    calls = []
    for k in range(n):
        segs: list[Segment] = []
        offset = 0.0
        first = rng.choice(sources)
        while offset < minutes * 60:
            src = rng.choice(sources) if mixed else first
            for s in src.segments:
                text = s.text
                if rng.random() < unique:  # vary the text so per-text caches cannot help
                    text = f"{text}{rng.randint(0, 99999)}"
                segs.append(
                    replace(
                        s,
                        start=None if s.start is None else s.start + offset,
                        end=None if s.end is None else s.end + offset,
                        text=text,
                    )
                )
            offset = segs[-1].end or offset + 60
        calls.append(Transcript(call_id=f"bench-{k}", segments=tuple(segs), duration_s=offset))
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument(
        "--unique",
        type=float,
        default=1.0,
        help="share of segments made unique (1.0: no segment text ever repeats; real calls "
        "repeat scripted lines such as greetings, so 0.5 is closer to practice)",
    )
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="string different corpus calls together (all topics in every call: worst case)",
    )
    parser.add_argument(
        "--compare-confidence",
        action="store_true",
        help="rates without and with the verdict-confidence model, alternating, and the ratio",
    )
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "dev")
    parser.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "hotline_12345.yaml")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rubric = load_rubric(args.rubric)
    if args.compare_confidence:
        compare_confidence(args, rubric)
        return
    calls = build_calls(args.corpus, args.calls, args.minutes, args.unique, mixed=args.mixed)
    score_call(calls[0], rubric)  # warm-up: compile the rubric once
    segs = sum(len(c.segments) for c in calls) / len(calls)
    chars = sum(len(s.text) for c in calls for s in c.segments) / len(calls)
    t0, c0 = time.perf_counter(), time.process_time()
    for call in calls:
        score_call(call, rubric)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0  # CPU time: not inflated by other processes on the box
    rate = len(calls) / elapsed
    cpu_rate = len(calls) / cpu
    print(
        f"{len(calls)} {'mixed-topic ' if args.mixed else ''}calls of ~{args.minutes:g} min, "
        f"{args.unique:.0%} unique segments "
        f"({segs:.0f} segments, {chars:.0f} chars each) in {elapsed:.2f} s on one core: "
        f"{rate:.0f} calls/s wall-clock, {cpu_rate:.0f} calls/s of CPU time"
    )


def compare_confidence(args: argparse.Namespace, rubric: object) -> None:
    """CPU-time rates without / with the confidence model, alternating over fresh calls."""
    configs = {"without": ScoringOptions(confidence_model=None), "with": ScoringOptions()}
    cpu = dict.fromkeys(configs, 0.0)
    n = dict.fromkeys(configs, 0)
    score_call(build_calls(args.corpus, 1, args.minutes, seed=1)[0], rubric)  # warm-up
    for r in range(3):
        for k, (name, opts) in enumerate(configs.items()):
            calls = build_calls(
                args.corpus, args.calls, args.minutes, args.unique, seed=100 + 2 * r + k,
                mixed=args.mixed,
            )  # fmt: skip
            c0 = time.process_time()
            for call in calls:
                score_call(call, rubric, opts)
            cpu[name] += time.process_time() - c0
            n[name] += len(calls)
    rate = {k: n[k] / cpu[k] for k in configs}
    print(
        f"{'mixed-topic ' if args.mixed else ''}calls of ~{args.minutes:g} min, one core, "
        f"CPU time: without confidence {rate['without']:.0f} calls/s, with "
        f"{rate['with']:.0f} calls/s, ratio {rate['with'] / rate['without']:.3f}"
    )


if __name__ == "__main__":
    main()
