"""Same recording, same transcript (issue 18, item 5): decoding is reproducible on one machine.

Beam search at temperature 0 only (no sampling fallback), threads fixed from the
options, one decoding worker. A clip of ``asr_eval/zh`` is transcribed three times in
this process and once more in a fresh process with another hash seed (set and dict
orders in clean-up and correction must not matter): the segments are identical.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.stage import transcribe_recordings
from qa_pipeline.asr.whisper import DECODE_TEMPERATURES, WhisperEngine, cpu_threads
from qa_pipeline.models import CallMeta, Recording

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
ZH = AsrOptions(
    model="base",
    device="cpu",
    compute_type="int8",
    language="zh",
    hotwords="契税、税率、居住证、12345、工号",
    correct_terms="契税、居住证、话务员、市民热线",
)

_CHILD = """
import json, sys
from pathlib import Path
from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.stage import transcribe_recordings
from qa_pipeline.models import CallMeta, Recording
opts = AsrOptions(**json.loads(sys.argv[3]))
[r] = transcribe_recordings(
    [Recording(Path(sys.argv[1]), CallMeta(call_id="det"))], opts, models_dir=Path(sys.argv[2])
)
print(json.dumps([s.to_dict() for s in r.transcript.segments], ensure_ascii=False))
"""


def test_decoding_settings_never_sample() -> None:
    assert DECODE_TEMPERATURES == (0.0,)
    assert cpu_threads(AsrOptions(cpu_threads=3)) == 3
    assert 1 <= cpu_threads(AsrOptions()) <= 4  # fixed, not the library's choice


def test_engine_decodes_at_temperature_zero(models_dir: Path) -> None:
    from qa_pipeline.asr.registry import resolve_model

    engine = WhisperEngine(resolve_model("base", models_dir).path, ZH)
    assert engine.transcription_options.temperatures == [0.0]


def test_same_clip_three_times_and_in_a_fresh_process(
    zh_rows: list[dict[str, str]], models_dir: Path
) -> None:
    path = Path(zh_rows[0]["path"])
    runs = []
    for _ in range(3):
        [res] = transcribe_recordings(
            [Recording(path, CallMeta(call_id="det"))], ZH, models_dir=models_dir
        )
        assert res.transcript is not None and res.transcript.segments
        runs.append([s.to_dict() for s in res.transcript.segments])
    assert runs[0] == runs[1] == runs[2]
    fields = {k: getattr(ZH, k) for k in ("model", "device", "compute_type", "language")}
    fields |= {"hotwords": ZH.hotwords, "correct_terms": ZH.correct_terms}
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(models_dir), json.dumps(fields)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == runs[0]
