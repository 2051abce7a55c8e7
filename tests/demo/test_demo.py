"""The demo centre: deterministic, varied, realistic; the English recordings are small."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import soundfile as sf

from qa_pipeline.demo.centre import DEMO_AUDIO, MANDARIN_AUDIO_CALLS, DemoOptions, build_demo
from qa_pipeline.intake.manifest import read_manifest
from qa_pipeline.intake.transcript_io import load_transcript


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_centre(tmp_path: Path) -> None:
    a = build_demo(tmp_path / "a", DemoOptions(seed=7))
    b = build_demo(tmp_path / "b", DemoOptions(seed=7))
    c = build_demo(tmp_path / "c", DemoOptions(seed=8))
    assert _digest(a.inbox_root) == _digest(b.inbox_root) != _digest(c.inbox_root)
    assert len(a.history) == 10 and a.calls[a.tonight] == 30 + 1 + 8


def test_tonight_is_varied_and_realistic(tmp_path: Path) -> None:
    centre = build_demo(tmp_path, DemoOptions())
    manifest = read_manifest(centre.inbox(centre.tonight))
    assert not manifest.errors
    metas = [r.meta for r in manifest.recordings]
    assert len({m.agent_id for m in metas}) >= 10  # 8 Mandarin + English agents
    assert {m.team for m in metas} >= {"一组", "二组", "三组", "English desk"}
    assert {m.call_type for m in metas} >= {"咨询", "投诉", "inquiry", "complaint"}
    # 30 Mandarin calls + the damaged file, four of the calls as recordings instead
    assert sum(r.is_transcript for r in manifest.recordings) == 31 - len(MANDARIN_AUDIO_CALLS)
    spoken = {r.call_id: r.path for r in manifest.recordings if r.call_id in MANDARIN_AUDIO_CALLS}
    assert len(spoken) == len(MANDARIN_AUDIO_CALLS)
    assert all(p.suffix == ".ogg" and p.is_file() for p in spoken.values())
    assert not list((centre.inbox(centre.tonight) / "calls").glob("20261120-0002.json"))
    text = ""
    for night in (*centre.history, centre.tonight):
        for p in (centre.inbox(night) / "calls").glob("*.json"):
            if p.stem.endswith("-9001"):
                continue  # the damaged file
            t = load_transcript(p)
            assert [s.start for s in t.segments] == sorted(s.start or 0 for s in t.segments)
            text += "\n".join(s.text for s in t.segments)
    for phrase in ("契税", "居住证", "社保卡", "140平方米", "半年", "一年", "请稍等",
                   "感谢您的耐心等待", "理解您的心情", "你冲我喊有什么用", "工号"):  # fmt: skip
        assert phrase in text, phrase
    assert any(ch.isdigit() for ch in text) and "我电话是1" in text  # PII to redact
    broken = centre.inbox(centre.tonight) / "calls" / "20261120-9001.json"
    try:
        json.loads(broken.read_text(encoding="utf-8"))
        raise AssertionError("the damaged vendor file parses")
    except json.JSONDecodeError:
        pass


def test_english_recordings_are_small_stereo_8k() -> None:
    files = sorted(DEMO_AUDIO.glob("*.flac"))
    assert len(files) == 8
    assert sum(p.stat().st_size for p in files) < 2_000_000
    for p in files:
        info = sf.info(p)
        assert (info.samplerate, info.channels) == (8000, 2)
        data, _ = sf.read(p)
        assert abs(data[:, 0]).max() > 0.1 and abs(data[:, 1]).max() > 0.1


def test_mandarin_recordings_are_small_stereo_8k() -> None:
    from qa_pipeline.audio import decode_audio

    files = sorted(DEMO_AUDIO.glob("zh_*.ogg"))
    assert [p.stem[3:] for p in files] == sorted(MANDARIN_AUDIO_CALLS)
    assert sum(p.stat().st_size for p in files) < 1_000_000
    for p in files:
        decoded = decode_audio(p)
        assert decoded.samples.shape[0] == 2 and 20 < decoded.duration_s < 120
        assert abs(decoded.samples[0]).max() > 0.1 and abs(decoded.samples[1]).max() > 0.1


def test_english_script_reproduces_the_committed_files(
    tmp_path: Path, espeak_ng: str, sox: str
) -> None:
    """The script runs espeak-ng and sox from PATH; the fixtures skip without them."""
    import subprocess
    import sys

    script = DEMO_AUDIO.parent / "make_english_calls.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True)
    made = {p.name: p.read_bytes() for p in tmp_path.glob("*.flac")}
    assert made == {p.name: p.read_bytes() for p in DEMO_AUDIO.glob("*.flac")}
