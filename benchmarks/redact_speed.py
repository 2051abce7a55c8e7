"""Redaction speed of :func:`qa_pipeline.pii.redact.redact_text`, in MB of UTF-8 text per second.

Usage: python benchmarks/redact_speed.py [--mb 1.0]

Three texts of the same size: an ordinary call (few matches), and two adversarial ones in
which nearly every few characters are personal data (addresses, names, numbers; and bare
house numbers, the densest). Redaction is linear in the text (issue 20): the time per MB
is the same at 100 KB and at 1 MB. Prints one line per text, in MB per second of wall
time and per second of this process's CPU time (the latter is what a machine shared
with other work still measures fairly); exits 1 when the ordinary call is redacted at
under 1 MB/s of CPU time.
"""

from __future__ import annotations

import argparse
import sys
import time

from qa_pipeline.pii.redact import redact_text

TEXTS = {
    "call": "您好，请问有什么可以帮您？我想反映一下小区噪音的问题，晚上施工很吵，我叫王明。",
    "mixed matches": "住3号院，李先生，5号楼2单元，电话13812345678。",
    "house numbers": "3号院。",
}
TARGET_MB_S = 1.0


def mb_per_s(unit: str, mb: float) -> tuple[float, float, float]:
    """(MB/s of wall time, seconds, MB/s of CPU time) redacting ``mb`` MB of ``unit``."""
    text = unit * int(mb * 1e6 / len(unit.encode("utf-8")) + 1)
    size = len(text.encode("utf-8")) / 1e6
    start, cpu = time.perf_counter(), time.process_time()
    redact_text(text)
    seconds = time.perf_counter() - start
    cpu_seconds = max(time.process_time() - cpu, 1e-9)
    return size / seconds, seconds, size / cpu_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=1.0, help="Size of each text in MB.")
    args = parser.parse_args()
    ok = True
    for name, unit in TEXTS.items():
        small, _, small_cpu = mb_per_s(unit, args.mb / 10)
        rate, seconds, cpu_rate = mb_per_s(unit, args.mb)
        print(
            f"redact {name:14s} {args.mb:.1f} MB: {seconds:6.2f} s  {rate:5.2f} MB/s"
            f"  {cpu_rate:5.2f} MB/s of CPU"
            f"  ({small:.2f} MB/s, {small_cpu:.2f} of CPU, at {args.mb / 10:.1f} MB)"
        )
        if name == "call":
            ok = cpu_rate >= TARGET_MB_S
    print(f"target call text ≥ {TARGET_MB_S} MB/s of CPU: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
