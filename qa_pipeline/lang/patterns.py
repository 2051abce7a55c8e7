"""The one place where rubric and language-pack regexes are compiled.

Every regex a rubric or a language pack supplies (item patterns, exclusions, knowledge
patterns, pack overrides) goes through :func:`compile_regex`, at validation and at
scoring, so a screen on such patterns is a change to this one function.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a rubric or language-pack regex (cached).

    Raises:
        re.error: the pattern does not compile.
    """
    return re.compile(pattern)
