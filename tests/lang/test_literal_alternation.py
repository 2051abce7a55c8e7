"""literal_alternation: a prefix tree that matches exactly like the longest-first alternation."""

from __future__ import annotations

import random
import re

import pytest

from qa_pipeline.lang.patterns import literal_alternation


def _plain(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def _hits(rx: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m[0]) for m in rx.finditer(text)]


@pytest.mark.parametrize(
    ("words", "text"),
    [
        (["有", "有什么用", "有完没完"], "这有什么用有完没完啊有"),
        (["生气", "气死", "气死人"], "真气死人了生气死了"),  # overlapping words
        (["ab", "abc", "abcd"], "abcabcdab"),  # a word ending inside a longer one
        (["a.b", "a|b", "(x)", "\x1f"], "a.b a|b (x)\x1fab"),  # regex characters stay literal
        (["你好"], "你你好你"),  # one word
    ],
)
def test_same_matches_as_the_longest_first_alternation(words: list[str], text: str) -> None:
    assert _hits(literal_alternation(words), text) == _hits(_plain(words), text)


def test_same_matches_on_random_words_and_texts() -> None:
    rng = random.Random(18)
    alphabet = "ab(.|\x1f"
    for _ in range(500):
        words = sorted(
            {"".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(rng.randint(1, 9))}
        )
        new, old = literal_alternation(words), _plain(words)
        for _ in range(5):
            text = "".join(rng.choices(alphabet, k=rng.randint(0, 30)))
            assert _hits(new, text) == _hits(old, text), (words, text)


def test_shared_prefixes_become_one_branch_and_no_words_match_nothing() -> None:
    assert (
        literal_alternation(["有什么用", "有完没完", "生气"]).pattern
        == "(?:有(?:什么用|完没完)|生气)"
    )
    assert literal_alternation(["有", "有用"]).pattern == "有(?:用)?"
    assert literal_alternation(["", ""]).search("anything") is None
