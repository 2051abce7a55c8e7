"""Agreement statistics against textbook values."""

from __future__ import annotations

import pytest

from qa_pipeline.review import cohen_kappa, fleiss_kappa, percent_agreement


def test_cohen_kappa_matches_a_worked_example() -> None:
    # 50 subjects: both yes 20, both no 15, a-yes/b-no 5, a-no/b-yes 10 → kappa 0.40
    a = ["y"] * 20 + ["n"] * 15 + ["y"] * 5 + ["n"] * 10
    b = ["y"] * 20 + ["n"] * 15 + ["n"] * 5 + ["y"] * 10
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["pass"] * 4, ["pass"] * 4) == 1.0


def test_fleiss_kappa_matches_the_wikipedia_example() -> None:
    # Fleiss (1971) example as on Wikipedia: 10 subjects, 14 raters, 5 categories → 0.210
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    ratings = [[str(c) for c, n in enumerate(row) for _ in range(n)] for row in table]
    assert fleiss_kappa(ratings) == pytest.approx(0.210, abs=5e-4)
    assert percent_agreement(ratings) == pytest.approx(0.1)
    assert fleiss_kappa([["a"]]) is None
