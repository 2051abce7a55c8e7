"""Throughput of the speech-to-text stage vs plain sequential faster-whisper, on calls.

Stereo calls of 2–5 minutes are built from the real Mandarin clips of
``asr_eval/zh``: turns alternate between the agent (left) and caller (right) channel with
realistic gaps (0.3–2.5 s, sometimes a short overlap, one hold of 8–20 s per call). The
same calls are transcribed, in one run, by

* plain faster-whisper: the mono mix, one call after another, no VAD, beam 5 (the issue's
  baseline), and
* the stage: both channels of all calls, VAD, windows batched across calls.

x-realtime = audio seconds / wall seconds (model loading excluded on both sides). CER is
over each call's turns in order (speaker ignored), normalised as in ``qa eval asr``.

    .venv/bin/python benchmarks/asr_throughput.py [--calls 3] [--device cpu] [--threads 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.registry import resolve_model
from qa_pipeline.asr.stage import Transcriber, transcribe_recordings
from qa_pipeline.asr.whisper import load_model, resolve_compute_type, resolve_device
from qa_pipeline.evaluation.asr import cer
from qa_pipeline.models import CallMeta, Recording

REPO = Path(__file__).resolve().parents[1]
SR = 16000


def build_calls(shared: Path, n_calls: int, out: Path, seed: int = 12345) -> list[tuple[Path, str]]:
    """Stereo calls (path, reference text in turn order) from the zh clips."""
    tsv = shared / "asr_eval" / "zh" / "refs.tsv"
    with tsv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    rng = random.Random(seed)
    clips = []
    for r in rows:
        x, sr = sf.read(str(tsv.parent / r["file"]), dtype="float32")
        assert sr == SR
        clips.append((x if x.ndim == 1 else x.mean(axis=1), r["reference"]))
    calls = []
    for c in range(n_calls):
        target = rng.uniform(120, 300)
        order = rng.sample(range(len(clips)), len(clips))
        left: list[tuple[int, np.ndarray]] = []
        right: list[tuple[int, np.ndarray]] = []
        refs = []
        t = rng.uniform(0.3, 1.0)
        hold_at = rng.randint(6, 12)
        turn = 0
        while t < target:
            x, ref = clips[order[turn % len(order)]]
            (left if turn % 2 == 0 else right).append((int(t * SR), x))
            refs.append(ref)
            t += len(x) / SR + rng.uniform(0.3, 2.5)
            if rng.random() < 0.1:
                t -= 0.6  # the next speaker starts a little early: a short overlap
            if turn == hold_at:
                t += rng.uniform(8, 20)  # hold: nobody talks
            turn += 1
        total = int((t + 1.0) * SR)
        stereo = np.zeros((total, 2), dtype=np.float32)
        for ch, turns in ((0, left), (1, right)):
            for start, x in turns:
                stereo[start : start + len(x), ch] += x
        path = out / f"call{c:02d}.wav"
        sf.write(path, stereo, SR, subtype="PCM_16")
        calls.append((path, "".join(refs)))
    return calls


def run_plain(
    model_path: Path,
    calls: list[tuple[Path, str]],
    device: str,
    ctype: str,
    threads: int,
    tmp: Path,
) -> tuple[list[str], float]:
    model = load_model(model_path, device, ctype, threads)
    mixes = []
    for path, _ in calls:
        x, _sr = sf.read(str(path), dtype="float32")
        mix = tmp / f"{path.stem}_mix.wav"
        sf.write(mix, x.mean(axis=1), SR)
        mixes.append(mix)
    hyps = []
    t0 = time.perf_counter()
    for mix in mixes:
        segments, _ = model.transcribe(str(mix), language="zh", beam_size=5, vad_filter=False)
        hyps.append("".join(s.text for s in segments))
    return hyps, time.perf_counter() - t0


def run_stage(
    options: AsrOptions, models_dir: Path, calls: list[tuple[Path, str]]
) -> tuple[list[str], float]:
    Transcriber(options, models_dir=models_dir)  # load outside the clock
    recs = [Recording(p, CallMeta(call_id=p.stem)) for p, _ in calls]
    t0 = time.perf_counter()
    results = transcribe_recordings(recs, options, models_dir=models_dir)
    wall = time.perf_counter() - t0
    hyps = []
    for r in results:
        assert r.transcript is not None, r.error
        hyps.append("".join(s.text for s in r.transcript.segments))
    return hyps, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="base")
    ap.add_argument("--calls", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--compute-type", default="auto")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--beam-size", type=int, default=5, help="the stage's beam (plain: 5)")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--skip-plain", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    device = resolve_device(args.device)
    ctype = resolve_compute_type(args.compute_type, device)
    model = resolve_model(args.model, args.models_dir)
    options = AsrOptions(
        model=args.model,
        device=device,
        compute_type=ctype,
        cpu_threads=args.threads,
        batch_size=args.batch_size,
        beam_size=args.beam_size,
    )
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        calls = build_calls(args.shared, args.calls, tmp)
        audio = sum(sf.info(str(p)).duration for p, _ in calls)
        refs = [r for _, r in calls]
        print(
            f"{len(calls)} stereo calls, {audio:.0f} s of audio "
            f"({', '.join(f'{sf.info(str(p)).duration:.0f}' for p, _ in calls)} s); "
            f"{args.model} {device} {ctype}, {args.threads} threads",
            flush=True,
        )
        s_hyps, s_wall = run_stage(options, args.models_dir, calls)
        s_cer = cer(refs, s_hyps)
        print(
            f"stage (batch {args.batch_size} across calls): {audio / s_wall:.2f}x real time, "
            f"CER {s_cer:.2%}",
            flush=True,
        )
        summary = {
            "audio_s": round(audio, 1),
            "device": device,
            "compute_type": ctype,
            "stage_x_realtime": round(audio / s_wall, 2),
            "stage_cer": round(s_cer, 4),
        }
        if not args.skip_plain:
            p_hyps, p_wall = run_plain(model.path, calls, device, ctype, args.threads, tmp)
            p_cer = cer(refs, p_hyps)
            print(
                f"plain sequential (mono mix, no VAD): {audio / p_wall:.2f}x real time, "
                f"CER {p_cer:.2%}",
                flush=True,
            )
            summary.update(
                plain_x_realtime=round(audio / p_wall, 2),
                plain_cer=round(p_cer, 4),
                ratio=round(p_wall / s_wall, 2),
            )
            print(f"ratio stage/plain: {p_wall / s_wall:.2f}x", flush=True)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
