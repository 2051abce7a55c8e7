"""Fixtures: a deterministic synthetic history (three months, two teams)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from synth import make_history


@pytest.fixture(scope="session")
def history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores and items, 2026-09-01 … 2026-11-30, 12 calls a day."""
    return make_history()
