"""Traditional → Simplified Chinese: the one copy the package uses (OpenCC ``tw2s``).

``tw2s``, not ``t2s``: Whisper writes Traditional the Taiwan way, 著 for 着 (「別著急」);
``t2s`` keeps 著 (a Simplified character too, 著名), and 「别著急」 then misses 「别着急」.
``tw2s`` turns 著急/睡著/看著 into 着 and leaves 著名 alone.

OpenCC runs only on text that holds a Traditional character (a numpy lookup over the
codepoints decides), so Simplified text costs almost nothing.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    try:
        import opencc  # light, pure Python
    except ImportError:  # pragma: no cover - declared dependency
        return frozenset()
    from pathlib import Path

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars: set[str] = set()
    if table.is_file():
        for line in table.read_text(encoding="utf-8").splitlines():
            head, _, tail = line.partition("\t")
            if head and tail and head != tail.split(" ")[0]:
                chars.add(head)
    chars.add("著")  # Simplified too, but 著急/看著 are the Taiwan spelling of 着
    return frozenset(chars)


@lru_cache(maxsize=1)
def _traditional_mask() -> np.ndarray:
    mask = np.zeros(0x10000, dtype=bool)
    for ch in _traditional_chars():
        if ord(ch) < 0x10000:
            mask[ord(ch)] = True
    return mask


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("tw2s")


def to_simplified(text: str) -> str:
    """Traditional (Taiwan usage) → Simplified Chinese (OpenCC ``tw2s``), skipped when
    the text holds no Traditional character."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not _traditional_mask()[np.minimum(cps, 0xFFFF)].any():
        return text
    return str(_t2s().convert(text))  # type: ignore[attr-defined]
