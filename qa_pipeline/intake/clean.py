"""Characters that must not pass intake: NUL, control characters, invisible ones in ids.

PostgreSQL refuses a NUL in text, terminals obey control characters, and an invisible
character (a zero-width space, a right-to-left override) makes ``A1001`` and
``A1001`` + U+200B two agents that print the same. Intake strips them: from free text
the control characters (a tab and a line break stay), from identifiers (agent, team, call
id) every control and format character too.
"""

from __future__ import annotations

import re

# C0 and C1 control characters but tab, line feed and carriage return
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# every control (Cc) and format (Cf) character of Unicode 15: zero-width space and
# joiners, bidi marks and overrides, the BOM, the soft hyphen, invisible operators, tags
_INVISIBLE_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def clean_text(text: str) -> str:
    """``text`` without NUL and other control characters (tab and line breaks stay)."""
    return _CONTROL_RE.sub("", text)


def clean_id(value: str) -> str:
    """An identifier without control or invisible format characters (U+200B …)."""
    return _INVISIBLE_RE.sub("", value)


def describe_removed(before: str, after: str) -> str:
    """Name the characters :func:`clean_id` or :func:`clean_text` removed (``U+200B``)."""
    gone = sorted({ch for ch in before if ch not in after})
    return ", ".join(f"U+{ord(ch):04X}" for ch in gone) or "none"
