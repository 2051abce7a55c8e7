"""CER of the speech-to-text stage vs plain faster-whisper, on asr_eval/zh and zh_hard.

Plain faster-whisper is the issue's baseline: ``WhisperModel`` with the same model, int8,
2 threads, beam 5, language zh, one file after another, no VAD, no prompt. Both sides use
the same normalisation (``qa_pipeline.evaluation.asr.normalise``) in the same run.

    .venv/bin/python benchmarks/asr_cer.py [--model base] [--shared ../shared] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.registry import resolve_model
from qa_pipeline.asr.stage import Transcriber, transcribe_recordings
from qa_pipeline.asr.whisper import load_model
from qa_pipeline.evaluation.asr import cer, normalise, read_refs
from qa_pipeline.models import CallMeta, Recording

REPO = Path(__file__).resolve().parents[1]


def plain(model_path: Path, files: list[Path], threads: int) -> tuple[list[str], float]:
    """Plain sequential faster-whisper: the baseline of the issue."""
    model = load_model(model_path, "cpu", "int8", threads)
    hyps = []
    t0 = time.perf_counter()
    for f in files:
        segments, _ = model.transcribe(str(f), language="zh", beam_size=5, vad_filter=False)
        hyps.append("".join(s.text for s in segments))
    return hyps, time.perf_counter() - t0


def stage(options: AsrOptions, models_dir: Path, files: list[Path]) -> tuple[list[str], float]:
    """The stage (batched across utterances, VAD, clean-up), no cache."""
    Transcriber(options, models_dir=models_dir)  # load outside the clock, like plain
    recs = [Recording(f, CallMeta(call_id=f"u{i}")) for i, f in enumerate(files)]
    t0 = time.perf_counter()
    results = transcribe_recordings(recs, options, models_dir=models_dir)
    wall = time.perf_counter() - t0
    return [
        "".join(s.text for s in r.transcript.segments) if r.transcript else "" for r in results
    ], wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="base")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--models-dir", type=Path, default=REPO / "models")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--beam-size", type=int, default=5, help="the stage's beam (plain: 5)")
    ap.add_argument("--show", action="store_true", help="print each utterance that differs")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    model = resolve_model(args.model, args.models_dir)
    options = AsrOptions(
        model=args.model,
        device="cpu",
        compute_type="int8",
        cpu_threads=args.threads,
        channels="mono",
        batch_size=args.batch_size,
        beam_size=args.beam_size,
    )
    summary = {}
    for name in ("zh", "zh_hard"):
        refs = read_refs(args.shared / "asr_eval" / name / "refs.tsv")
        files = [r.path for r in refs]
        texts = [r.reference for r in refs]
        audio = sum(r.duration_s or 0.0 for r in refs)
        p_hyps, p_wall = plain(model.path, files, args.threads)
        s_hyps, s_wall = stage(options, args.models_dir, files)
        p_cer, s_cer = cer(texts, p_hyps), cer(texts, s_hyps)
        if args.show:
            for f, r, ph, sh in zip(files, texts, p_hyps, s_hyps, strict=True):
                if normalise(ph) != normalise(sh):
                    print(
                        f"{f.name}\n  ref   {normalise(r)}\n  plain {normalise(ph)}\n"
                        f"  stage {normalise(sh)}"
                    )
        summary[name] = {
            "utterances": len(refs),
            "audio_s": round(audio, 1),
            "plain_cer": round(p_cer, 4),
            "stage_cer": round(s_cer, 4),
            "plain_x_realtime": round(audio / p_wall, 2),
            "stage_x_realtime": round(audio / s_wall, 2),
        }
        print(
            f"{name}: {len(refs)} utterances, {audio:.0f} s — CER plain {p_cer:.2%} "
            f"({audio / p_wall:.2f}x rt) vs stage {s_cer:.2%} ({audio / s_wall:.2f}x rt)",
            flush=True,
        )
    print(json.dumps({"model": args.model, **summary}))


if __name__ == "__main__":
    main()
