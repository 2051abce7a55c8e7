"""Nightly end to end: the Prefect flow against the same stages called directly.

Builds N stereo calls (default 50) from the real Mandarin clips in
``../shared/asr_eval/zh`` (agent clips on the left channel, caller clips on the right,
alternating with gaps, 8 kHz FLAC), then, in one process and one run:

1. warms up: loads the speech model and starts Prefect (one-time costs, reported apart);
2. ``direct``: the stages of ``qa_pipeline.night.stages`` called in a loop, chunk by chunk;
3. ``flow``: the ``nightly_qa`` flow (thread runner) on the same calls.

Each pass has its own database and no transcript cache, so both do all the work.
Reports calls per hour of each and the orchestration overhead
``(flow − direct) / flow`` (target <= 5 %).

Usage: ``.venv/bin/python benchmarks/nightly_e2e.py [--calls 50] [--chunk-size 16]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QA_SHARED_DIR", REPO.parent / "shared"))
RATE = 8000


def _clip(path: Path) -> np.ndarray:
    from scipy.signal import resample_poly

    data, sr = sf.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    return resample_poly(mono, RATE, sr).astype(np.float32) if sr != RATE else mono


def build_calls(out: Path, n: int, turns: int, seed: int) -> Path:
    """Write ``n`` stereo calls and a manifest into ``out``; returns the inbox."""
    clips = sorted((SHARED / "asr_eval" / "zh" / "wav").glob("*.wav"))
    if not clips:
        sys.exit(f"no clips under {SHARED / 'asr_eval' / 'zh' / 'wav'}")
    rng = random.Random(seed)
    cache: dict[Path, np.ndarray] = {}
    (out / "audio").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        placed: list[tuple[int, int, np.ndarray]] = []
        t = int(0.3 * RATE)
        for k in range(turns):
            path = rng.choice(clips)
            audio = cache.setdefault(path, _clip(path))
            placed.append((k % 2, t, audio))
            t += len(audio) + int(rng.uniform(0.3, 0.9) * RATE)
        stereo = np.zeros((t, 2), dtype=np.float32)
        for ch, start, audio in placed:
            stereo[start : start + len(audio), ch] += audio
        name = f"call_{i:03d}.flac"
        sf.write(out / "audio" / name, stereo, RATE, subtype="PCM_16", format="FLAC")
        rows.append(
            [
                f"B-{i:03d}",
                f"audio/{name}",
                f"A10{i % 8:02d}",
                "一组",
                f"2026-11-20T{8 + i % 10:02d}:00:00+08:00",
                "咨询",
                f"{t / RATE:.1f}",
                "4",
            ]
        )
    with (out / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["call_id", "file", "agent_id", "team", "started_at", "call_type",
                    "duration_s", "satisfaction"])  # fmt: skip
        w.writerows(rows)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--turns", type=int, default=6, help="clips per call")
    ap.add_argument("--chunk-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nightly-e2e-"))
    os.environ.setdefault("QA_MODELS_DIR", str(REPO / "models"))
    os.environ["QA_DATA_DIR"] = str(work / "data")
    os.environ["QA_REPORTS_DIR"] = str(work / "reports")
    os.environ["PREFECT_HOME"] = str(work / "prefect")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    inbox = build_calls(work / "inbox", args.calls, args.turns, args.seed)
    audio_s = sum(sf.info(p).duration for p in (inbox / "audio").glob("*.flac"))

    from dataclasses import replace

    from prefect import flow

    from flows.nightly import nightly_qa
    from qa_pipeline.config import load_settings
    from qa_pipeline.intake.manifest import ManifestOptions, read_manifest
    from qa_pipeline.night import stages
    from qa_pipeline.night.config import stage_config

    # -- warm-up: model load and Prefect start are one-time costs of a process
    t0 = time.perf_counter()
    settings = load_settings()
    manifest = read_manifest(inbox, ManifestOptions(timezone=settings.timezone))
    warm = replace(
        stage_config(settings, None),
        database_url=f"sqlite:///{work / 'warm.sqlite3'}",
        asr_cache_dir=None,
    )
    stages.transcribe_chunk(manifest.recordings[:1], warm)
    model_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    flow(name="warm-up")(lambda: None)()
    prefect_s = time.perf_counter() - t0

    # -- direct: the same stages, no Prefect
    direct_cfg = replace(warm, database_url=f"sqlite:///{work / 'direct.sqlite3'}")
    t0 = time.perf_counter()
    db = stages.store(direct_cfg.database_url)
    run_id = db.start_run("benchmark-direct", {})
    recs = list(manifest.recordings)
    todo, _ = stages.split_done(recs, direct_cfg)
    scored = 0
    for chunk in stages.chunked(todo, args.chunk_size):
        paths, _ = stages.transcribe_chunk(chunk, direct_cfg)
        scored += len(stages.score_chunk(chunk, paths, direct_cfg, run_id).scored)
    db.finish_run(run_id, "completed", {"scored": scored})
    direct_s = time.perf_counter() - t0

    # -- flow: nightly_qa on the same calls, its own database, no transcript cache
    os.environ["QA_DATABASE_URL"] = f"sqlite:///{work / 'flow.sqlite3'}"
    os.environ["QA_DATA_DIR"] = str(work / "flow-data")
    t0 = time.perf_counter()
    summary = nightly_qa(str(inbox), "2026-11-20", chunk_size=args.chunk_size, write_reports=False)
    flow_s = time.perf_counter() - t0

    overhead = (flow_s - direct_s) / flow_s
    figures = {
        "calls": args.calls,
        "audio_minutes": round(audio_s / 60, 2),
        "chunk_size": args.chunk_size,
        "scored_direct": scored,
        "scored_flow": summary.scored,
        "failed_flow": len(summary.failures),
        "direct_s": round(direct_s, 2),
        "flow_s": round(flow_s, 2),
        "direct_calls_per_hour": round(args.calls / direct_s * 3600),
        "flow_calls_per_hour": round(args.calls / flow_s * 3600),
        "orchestration_overhead_pct": round(100 * overhead, 2),
        "one_time_model_load_s": round(model_s, 2),
        "one_time_prefect_start_s": round(prefect_s, 2),
    }
    for k, v in figures.items():
        print(f"{k:28} {v}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
