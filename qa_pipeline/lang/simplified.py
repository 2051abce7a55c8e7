"""Traditional → Simplified Chinese: the one copy the package uses (OpenCC).

Two conversions. ``t2s`` for text in general (transcripts, rubrics, scoring). ``tw2s``
(``taiwan=True``) for Whisper's own output, which writes Traditional the Taiwan way, 著 for
着 (「別著急」): ``t2s`` keeps 著 (a Simplified character too, 著名), and 「别著急」 then misses
「别着急」; ``tw2s`` turns 著急/睡著/看著 into 着 and leaves 著名 alone. ``tw2s`` is not for
general text: it also writes 什么/这么 as 什幺/这幺 and 居著证 (a misheard 居住证) as 居着证.

OpenCC runs only on text that holds a Traditional character (a numpy lookup over the
codepoints decides), so Simplified text costs almost nothing.
"""

from __future__ import annotations

import re
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
    return frozenset(chars)


@lru_cache(maxsize=1)
def _traditional_mask() -> np.ndarray:
    mask = np.zeros(0x10000, dtype=bool)
    for ch in _traditional_chars():
        if ord(ch) < 0x10000:
            mask[ord(ch)] = True
    return mask


@lru_cache(maxsize=2)
def _converter(config: str) -> object:
    import opencc

    return opencc.OpenCC(config)


#: after these characters 幺 is the 么 of 什么/怎么/这么 (``tw2s`` and Whisper write 幺;
#: elsewhere 幺 is the "one" of spoken phone numbers)
_YAO_ME = re.compile(r"(?<=[什怎这那多要])幺")


def yao_to_me(text: str) -> str:
    """什幺/怎幺/这幺 … → 什么/怎么/这么 (a 幺 read as "one" elsewhere is kept)."""
    return _YAO_ME.sub("么", text)


def to_simplified(text: str, *, taiwan: bool = False) -> str:
    """``text`` in Simplified Chinese.

    Traditional → Simplified Chinese (OpenCC ``t2s``; ``tw2s`` with ``taiwan``, for
    Whisper's output), skipped when the text holds no Traditional character.
    """
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not (_traditional_mask()[np.minimum(cps, 0xFFFF)].any() or (taiwan and "著" in text)):
        return text
    out = str(_converter("tw2s" if taiwan else "t2s").convert(text))  # type: ignore[attr-defined]
    return yao_to_me(out) if taiwan else out
