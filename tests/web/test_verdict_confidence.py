"""The call page shows each machine verdict's confidence (issue 18 item 1)."""

from __future__ import annotations

import math
import re

from .conftest import Centre, LiveServer, login


def test_call_page_shows_the_stored_confidence(centre: Centre, live: LiveServer) -> None:
    items = centre.store.items_frame()
    sure = items[items["confidence"].notna()]
    assert len(sure), "the demo centre is scored with the shipped confidence model"
    row = sure.iloc[0]
    page = login(live.url, "li").get(f"/calls/{row['call_id']}").text
    block = page.split(f'id="item-{row["item_id"]}"', 1)[1].split("</tr>", 1)[0]
    m = re.search(r'class="muted vconf"[^>]*>判定置信度 ([0-9.]+)<', block)
    assert m is not None, block[:400]
    assert math.isclose(float(m.group(1)), float(row["confidence"]), abs_tol=0.005)
