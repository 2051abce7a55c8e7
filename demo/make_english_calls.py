"""Make the demo's English stereo calls with espeak-ng: agent left, caller right.

Each line is spoken by espeak-ng (agent and caller in different voices), resampled to
8 kHz with sox, and placed on its channel after a short gap, so turns alternate as on a
real line; two calls have holds and one has interruptions. Output: ``demo/audio/en_XX.flac``
(8 kHz, 16 bit, stereo), small enough to commit. Deterministic: run it again and the
files come out the same (sox runs without dither).

Usage: ``python demo/make_english_calls.py [--out DIR]`` (needs espeak-ng and sox on PATH).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 8000
OUT = Path(__file__).resolve().parent / "audio"
VOICES = {"agent": ("en-us", "160"), "caller": ("en-gb+m3", "150")}

# (speaker, text, gap_before_s); a negative gap starts the turn over the previous one
CALLS: dict[str, list[tuple[str, str, float]]] = {
    "en_01": [
        (
            "agent",
            "Good morning, thanks for calling Northwind Telecom, my name is Anna. How can I help?",
            0.3,
        ),
        ("caller", "Hi, I was charged twice on my last bill.", 0.6),
        (
            "agent",
            "I am sorry about that. Can I take your date of birth to verify your identity?",
            0.5,
        ),
        ("caller", "Yes, the third of May, nineteen eighty.", 0.5),
        (
            "agent",
            "Thank you. I have refunded the second charge. Is there anything else I can help with?",
            0.7,
        ),
        ("caller", "No, thank you.", 0.5),
        ("agent", "Thank you for calling, have a great day.", 0.4),
    ],
    "en_02": [
        ("agent", "Hello, Northwind Telecom, my name is Anna. How can I help?", 0.3),
        ("caller", "My router is a week late and nobody helps me. This is ridiculous.", 0.6),
        (
            "agent",
            "I understand how frustrating that is, I am sorry. What is your postcode, please?",
            0.5,
        ),
        ("caller", "It is S W one A, one A A.", 0.5),
        ("agent", "Thank you. Could you hold for a moment while I check?", 0.5),
        ("agent", "Thank you for holding. Your router will arrive tomorrow morning.", 12.0),
        ("agent", "Is there anything else I can help with? Thank you for calling, goodbye.", 0.6),
    ],
    "en_03": [
        ("agent", "Northwind.", 0.3),
        ("caller", "Hello, I can't log in to my account, I forgot my password.", 0.6),
        ("agent", "Go to the website and click reset password.", 0.5),
        ("caller", "Okay. Thanks.", 0.5),
        ("agent", "Okay.", 0.4),
    ],
    "en_04": [
        ("agent", "Good afternoon, Northwind Telecom, my name is Ben.", 0.3),
        ("caller", "I want a refund. My phone broke after two days and I am really angry.", 0.6),
        ("agent", "That is not my problem, you should have read the warranty.", 0.4),
        ("caller", "I want to make a complaint.", 0.5),
        ("agent", "Whatever. Goodbye.", 0.4),
    ],
    "en_05": [
        (
            "agent",
            "Good morning, Northwind Telecom, my name is Chloe. How can I help?",
            0.3,
        ),
        ("caller", "What time does the downtown store open on Sunday?", 0.6),
        ("agent", "The downtown store opens at ten in the morning on Sundays.", 0.5),
        ("caller", "Great, thanks.", 0.5),
        ("agent", "Is there anything else I can help with? Thank you for calling, goodbye.", 0.6),
    ],
    "en_06": [
        ("agent", "Hello, Northwind Telecom, my name is Chloe. How can I help?", 0.3),
        (
            "caller",
            "My internet is still not fixed, and this is the third time I am calling about it.",
            0.6,
        ),
        ("agent", "What is your account number?", -1.5),
        ("caller", "It is four five six seven.", 0.5),
        ("agent", "An engineer will come next week.", -1.2),
        ("caller", "That is too late.", 0.5),
        ("agent", "Thank you for calling, goodbye.", 0.5),
    ],
    "en_07": [
        ("agent", "Good evening, Northwind Telecom, my name is David. How can I help?", 0.3),
        ("caller", "I moved house and need to change my billing address.", 0.6),
        ("agent", "Sure. First, can I take your date of birth to verify your identity?", 0.5),
        ("caller", "The ninth of July, nineteen ninety.", 0.5),
        (
            "agent",
            "Thank you. I have updated your address. Is there anything else I can help with?",
            0.6,
        ),
        ("caller", "No, that's all.", 0.5),
        ("agent", "Thank you for calling. Goodbye.", 0.4),
    ],
    "en_08": [
        ("agent", "Northwind, David speaking.", 0.3),
        ("caller", "You charged me for a contract I cancelled. I am very upset.", 0.6),
        ("agent", "Right.", 0.5),
        ("agent", "The cancellation was not received. There is nothing I can do.", 14.0),
        ("caller", "This is unacceptable.", 0.5),
        ("agent", "Bye.", 0.4),
    ],
}


def speak(text: str, speaker: str, tmp: Path) -> np.ndarray:
    """One line as 8 kHz mono float samples."""
    voice, speed = VOICES[speaker]
    raw, wav = tmp / "raw.wav", tmp / "line.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", speed, "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", "-D", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(wav), "norm", "-3"],
        check=True,
    )
    data, _ = sf.read(wav, dtype="float32")
    return np.asarray(data)


def build_call(turns: list[tuple[str, str, float]], tmp: Path) -> np.ndarray:
    """A stereo call: (samples, 2) with agent on the left, caller on the right."""
    placed: list[tuple[int, int, np.ndarray]] = []
    t = 0
    for speaker, text, gap in turns:
        audio = speak(text, speaker, tmp)
        start = max(0, t + int(gap * RATE))
        placed.append((0 if speaker == "agent" else 1, start, audio))
        t = max(t, start + len(audio))
    out = np.zeros((t + RATE // 2, 2), dtype=np.float32)
    for channel, start, audio in placed:
        out[start : start + len(audio), channel] += audio
    return np.clip(out, -1.0, 1.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        for name, turns in CALLS.items():
            stereo = build_call(turns, Path(d))
            sf.write(out / f"{name}.flac", stereo, RATE, subtype="PCM_16", format="FLAC")
    total = sum(p.stat().st_size for p in out.glob("*.flac"))
    print(f"wrote {len(CALLS)} calls to {out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
