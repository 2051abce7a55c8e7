"""Same transcript, same verdicts (issue 18, item 5): ``qa score`` twice, byte for byte.

The two runs are separate processes with different hash seeds, so no verdict, reason or
evidence order may hang on the order of a set or dict of strings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qa_pipeline.models import Segment, Transcript

REPO = Path(__file__).resolve().parents[2]
RUBRIC = REPO / "rubrics" / "hotline_12345.yaml"

# a call that exercises most checks: topic, rates, a misheard hostile turn, low confidence
SEGMENTS = (
    Segment("agent", 0.5, 5.0, "您好，12345热线，工号1001，请问有什么可以帮您？", 0.93),
    Segment("caller", 5.5, 12.0, "我买的首套房，一百五十平，契税交多少？都打了三次了！", 0.88),
    Segment("agent", 12.5, 20.0, "您别着急，我核实一下。您是首套，一百五十平对吧？", 0.9),
    Segment("agent", 35.0, 44.0, "首套140平方米以上是1.5%，您这套按1.5%交，要带身份证。", 0.55),
    Segment("caller", 44.5, 48.0, "怎么这么麻烦，你们就会推来推去。", 0.8),
    Segment("agent", 48.5, 55.0, "你充我让让有什么用啊，政策就是这样。", 0.5),
    Segment("agent", 55.5, 60.0, "还有其他问题吗？感谢来电，再见。", 0.95),
)


def _score(path: Path, seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "qa_pipeline.cli", "score", "--rubric", str(RUBRIC)]
    out = subprocess.run(
        [*cmd, str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_two_score_runs_are_identical(tmp_path: Path) -> None:
    path = tmp_path / "call.json"
    t = Transcript(call_id="det-1", segments=SEGMENTS, agent_id="A1")
    path.write_text(json.dumps(t.to_dict(), ensure_ascii=False), encoding="utf-8")
    first, second = _score(path, "1"), _score(path, "2")
    assert first == second
    items = {i["id"]: i["status"] for i in json.loads(first)["items"]}
    assert items["no_hostility"] == "review" and items["deed_tax_rate"] == "review"
