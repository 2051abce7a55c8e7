"""Redaction time grows linearly with the text, even when nearly every word is a match.

Issue 20: each match used to be compared with every earlier one, so 96 KB of address-like
text took most of a minute and 1 MB about an hour. The test never asserts an absolute
time: it compares 1 MB with 100 KB of the same text on the same machine.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

from qa_pipeline.pii.redact import find_pii, redact_text

# an address, a name and a number every few characters: thousands of matches per 100 KB
_UNIT = "住3号院，李先生，5号楼2单元，电话13812345678。"


def _adversarial(size: int) -> str:
    """About ``size`` bytes (UTF-8) of text that is nearly all personal data."""
    return _UNIT * (size // len(_UNIT.encode("utf-8")) + 1)


def _seconds(text: str) -> float:
    start = time.perf_counter()
    redact_text(text)
    return time.perf_counter() - start


class _TooSlow(Exception):
    pass


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Stop the block after ``seconds`` (quadratic code would otherwise run for an hour)."""

    def stop(signum: int, frame: object) -> None:
        raise _TooSlow(f"still redacting after {seconds:.1f} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: 10 × the text may cost up to this many times the time: linear work plus the garbage
#: collector's passes over a larger heap measure 9–13× here; quadratic work costs ~100×.
BOUND = 20


def _ratio(small: str, large: str) -> tuple[float, float]:
    """(seconds for ``small`` at best of three, seconds for ``large``), cut off at BOUND×."""
    t_small = min(_seconds(small) for _ in range(3))
    try:
        with _deadline(BOUND * t_small + 1.0):
            return t_small, _seconds(large)
    except _TooSlow as exc:
        raise AssertionError(f"1 MB took over {BOUND} × {t_small:.2f} s (100 KB): {exc}") from exc


def test_one_megabyte_of_matches_costs_about_ten_times_100_kb() -> None:
    small, large = _adversarial(100_000), _adversarial(1_000_000)
    assert len(find_pii(small)) > 5_000  # the text really is nearly all matches
    t_small, t_large = _ratio(small, large)
    if t_large > BOUND * t_small:  # other jobs may share these cores: one more try
        t_small, t_large = _ratio(small, large)
    assert t_large <= BOUND * t_small, f"1 MB {t_large:.2f} s vs 100 KB {t_small:.2f} s"


def test_output_of_the_long_text_is_the_output_of_its_units() -> None:
    text = _UNIT * 50
    assert redact_text(text) == redact_text(_UNIT) * 50
