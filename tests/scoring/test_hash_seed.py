"""Same call, same verdicts in every process: nothing depends on the hash seed (issue 18 item 5).

Rubric terms can share their sounds (其他/其它, 换作是我/换做是我). Their order in the
homophone lexicon once followed set iteration, so a correctly spelt 其他 was rewritten
to 其它 in some processes and not in others, and the confidence moved with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qa_pipeline.scoring.text import Lexicon, normalise

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from pathlib import Path
from qa_pipeline.models import Segment, Transcript
from qa_pipeline.scoring import load_rubric, score_call
turns = [("agent", "您好，12345热线，工号1023。"), ("caller", "我想问一下契税。"),
         ("agent", "换做是我也会着急，首套九十平以下是百分之一。"),
         ("caller", "好的，还有其它的吗？"), ("agent", "还有其他问题吗？没有的话感谢来电，再见。")]
segs = [Segment(speaker=s, start=4.0 * i, end=4.0 * i + 3, text=t, confidence=0.9)
        for i, (s, t) in enumerate(turns)]
res = score_call(Transcript(call_id="seed", segments=segs),
                 load_rubric(Path("rubrics/hotline_12345.yaml")))
print(json.dumps([[i.item_id, str(i.status), i.reason, i.confidence] for i in res.items],
                 ensure_ascii=False))
"""


def test_spelt_sound_alike_terms_stay_as_spelt() -> None:
    lexicon = Lexicon(["其他", "其它", "换作是我", "换做是我"])
    for text in ("还有其他事吗", "还有其它事吗", "换做是我也着急", "换作是我也着急"):
        assert lexicon.correct(normalise(text)) == normalise(text)
    assert lexicon.correct(normalise("还有期他事吗")) == normalise("还有其他事吗")


def test_verdicts_do_not_depend_on_the_hash_seed() -> None:
    outs = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr[-2000:]
        outs.add(run.stdout)
    assert len(outs) == 1
    assert len(json.loads(outs.pop())) == 11
