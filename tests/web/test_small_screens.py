"""The main pages at 390 px (a phone) and 1366 px, in real headless Chromium.

At 390 px the call page once broke into one character per line (a two-column grid and
chat bubbles with fixed margins left the text a few pixels). Every main page, as an
inspector, an agent and a manager, must have no document-level horizontal scroll (wide
tables scroll inside their own box) and no text squeezed narrower than three characters.
Screenshots go to the test's temporary folder only.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import PASSWORD, Centre, LiveServer

pytestmark = [pytest.mark.chromium]

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}

#: What the page measures: overflow of the document, and text blocks that wrap while
#: narrower than three of their own characters (the one-character-per-line bug).
MEASURE = """() => {
  const doc = document.documentElement;
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if ([...text].length < 3) continue;
    const el = node.parentElement;
    if (!el || el.closest('option, select, script, style')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const lines = new Set(rects.map(r => Math.round(r.top))).size;
    const width = Math.max(...rects.map(r => r.width));
    const em = parseFloat(getComputedStyle(el).fontSize);
    if (lines >= 2 && width < 3 * em) bad.push(`${text.slice(0, 16)} (${width.toFixed(0)}px)`);
  }
  return {overflow: doc.scrollWidth - doc.clientWidth, bad: bad.slice(0, 8)};
}"""


def _setup(centre: Centre) -> dict[str, str]:
    """A queue, a decision with its history, an appeal; the calls each role opens."""
    bench, rubric = centre.bench, centre.rubric
    bench.fill_queue(rate=0.5, seed=3)
    own = centre.call(agent_id="A1001")["call_id"]
    item = next(i for i in rubric.items if not i.critical).id
    bench.decide(
        centre.users["li"], own, rubric.id, rubric.version, item, "fail", "复听：语速过快", 0
    )
    bench.file_appeal(
        centre.users["a1001"], own, rubric.id, rubric.version, item, "我当时语速正常，请复听"
    )
    with_audio = next(c["call_id"] for c in centre.calls if c["audio"])
    return {"own": own, "audio": with_audio}


def _pages(role: str, calls: dict[str, str]) -> list[str]:
    common = ["/nights", "/calls", "/search?q=您好", "/appeals"]
    if role == "agent":
        return [*common, f"/calls/{calls['own']}", "/notifications"]
    return [*common, f"/calls/{calls['audio']}", f"/calls/{calls['own']}", "/review", "/agreement"]


def _context(
    browser: Any, live: LiveServer, name: str, size: tuple[int, int], bypass_csp: bool = False
) -> Any:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, bypass_csp=bypass_csp)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live.url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return ctx, page


@pytest.mark.parametrize("size", sorted(SIZES))
def test_main_pages_fit_a_phone_and_a_laptop(
    browser: Any, centre: Centre, live: LiveServer, tmp_path: Any, size: str
) -> None:
    calls = _setup(centre)
    problems = []
    for role, name in (("inspector", "li"), ("agent", "a1001"), ("manager", "boss")):
        ctx, page = _context(browser, live, name, SIZES[size])
        try:
            for path in _pages(role, calls):
                resp = page.goto(f"{live.url}{path}")
                assert resp is not None and resp.status == 200, (role, path)
                found = page.evaluate(MEASURE)
                shot = tmp_path / f"{size}-{role}-{path.strip('/').replace('/', '_')[:40]}.png"
                page.screenshot(path=str(shot), full_page=True)
                if found["overflow"] > 0 or found["bad"]:
                    problems.append((size, role, path, found))
        finally:
            ctx.close()
    assert problems == [], "\n".join(map(str, problems))


def test_the_check_finds_the_old_call_page_bug(
    browser: Any, centre: Centre, live: LiveServer
) -> None:
    """The measure is not blind: the call page without the small-screen rules fails it."""
    call_id = next(c["call_id"] for c in centre.calls if c["audio"])
    # (the test's own style tag needs the page's Content-Security-Policy bypassed)
    ctx, page = _context(browser, live, "li", SIZES["phone"], bypass_csp=True)
    try:
        page.goto(f"{live.url}/calls/{call_id}")
        assert page.evaluate(MEASURE) == {"overflow": 0, "bad": []}
        # the rules of before: two columns and fixed bubble margins, tables not scrolled
        page.add_style_tag(
            content=(
                ".cols{grid-template-columns:minmax(0,1fr) minmax(0,1.2fr)!important}"
                ".seg.agent{margin-right:45%!important}.seg.caller{margin-left:45%!important}"
                ".seg.agent,.seg.caller{grid-template-columns:3.2rem 1fr 3rem!important}"
                "table.grid{display:table!important}.grid th,.grid td{min-width:0!important}"
            )
        )
        assert page.evaluate(MEASURE)["bad"]
    finally:
        ctx.close()
