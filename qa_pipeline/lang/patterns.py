"""The one place where rubric and language-pack regexes are compiled.

Every regex a rubric or a language pack supplies (item patterns, exclusions, knowledge
patterns, pack overrides) goes through :func:`compile_regex`, at validation and at
scoring, so a screen on such patterns is a change to this one function: patterns
with nested quantifiers are rejected (they can backtrack for ever), and matching runs
under the call's time budget (:mod:`qa_pipeline.lang.safe_regex`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from qa_pipeline.lang.safe_regex import compile_budgeted, screen


@lru_cache(maxsize=4096)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a rubric or language-pack regex (cached).

    Raises:
        re.error: the pattern does not compile.
        ValueError: the pattern repeats a part that itself repeats (nested quantifier).
    """
    re.compile(pattern)  # re.error names what is wrong, as callers expect
    screen(pattern)
    return compile_budgeted(pattern)
