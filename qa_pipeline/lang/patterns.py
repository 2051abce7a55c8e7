"""The one place where rubric and language-pack regexes are compiled.

Every regex a rubric or a language pack supplies (item patterns, exclusions, knowledge
patterns, pack overrides) goes through :func:`compile_regex`, at validation and at
scoring, so a screen on such patterns is a change to this one function: patterns
with nested quantifiers are rejected (they can backtrack for ever), and matching runs
under the call's time budget (:mod:`qa_pipeline.lang.safe_regex`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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


def literal_alternation(words: Iterable[str]) -> re.Pattern[str]:
    """One regex for a list of plain words: it matches as their alternation, longest first.

    The same matches as ``"|".join(map(re.escape, words))`` with the words sorted longest
    first (at each place, the longest word that is there), written as a tree of shared
    prefixes (``有(?:什么用|完没完)``): the engine follows one branch per character
    instead of trying every word in turn, several times faster on long lists. Empty
    words are left out; no words at all match nothing.
    """
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        if node is not root:
            node[""] = {}  # a word ends here
    return re.compile(_prefix_tree(root) or "(?!)")


def _prefix_tree(node: dict[str, dict]) -> str:
    """The regex of one node of the word tree: its branches, optional where a word ends."""
    branches = [re.escape(ch) + _prefix_tree(sub) for ch, sub in node.items() if ch]
    if not branches:
        return ""
    body = "|".join(branches)
    if "" in node:
        return f"(?:{body})?"
    return body if len(branches) == 1 else f"(?:{body})"
