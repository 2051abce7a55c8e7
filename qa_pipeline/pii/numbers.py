"""Numbers that are personal data: mobiles, ID numbers, bank cards and landlines.

The number engine of :mod:`qa_pipeline.pii.redact` (pure functions over text). Digits are
read in arabic and Chinese numerals (幺, 两, financial numerals, speech-to-text
homophones beside a numeral), joined across the separators, punctuation and hesitations
people and speech-to-text put between groups, and classified by length, prefix, check
digits and the words just before them (身份证, 卡号, 电话 … make a number personal data;
工号, 订单号, 金额 … make it not).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from qa_pipeline.pii import lexicon

MOBILE = "mobile"
ID_CARD = "id_card"
BANK_CARD = "bank_card"
LANDLINE = "landline"

Span = tuple[str, int, int, str]

_DIGITS: dict[str, str] = {str(d): str(d) for d in range(10)}
_DIGITS.update({chr(0xFF10 + d): str(d) for d in range(10)})  # full-width ０-９
_DIGITS.update(lexicon.mapping("numbers", "digits"))  # Chinese and financial numerals
_ARABIC = set("0123456789") | {chr(0xFF10 + d) for d in range(10)}
# speech-to-text homophones of spoken digits (幺 → 要/腰/妖, 拐 = 7, 洞 = 0): digits only
# next to another Chinese numeral, so 我要 / 拐弯 stay words
_HOMOPHONES = lexicon.mapping("numbers", "homophones")
_SEPARATORS = set(" \t\u3000\u00a0-‐‑–—－_")
# punctuation people and speech-to-text put between digit groups: 138，1234，5678 /
# 138、1234 / 138.1234.5678 / 138/1234/5678 / (138)12345678
_PUNCT_SEPARATORS = set(",，、。./／()（）")
_MAX_GAP = 3
# hesitations inside a spoken number: 一三八 嗯 一二三四 / 一三八呃… / 一三八那个…
_FILLERS = lexicon.words("numbers", "fillers")
_MAX_FILLER_GAP = 8
# the fillers as one pattern, tried in the list's order (the first that matches wins)
_FILLER_RE = re.compile("|".join(re.escape(w) for w in _FILLERS)) if _FILLERS else None
_X_CHARS = set("Xx叉Ｘｘ")
# every character :func:`digit_at` may read as a digit
_DIGIT_CHAR_RE = re.compile("[" + "".join(re.escape(c) for c in {*_DIGITS, *_HOMOPHONES}) + "]")
# a stretch of numerals read in one regex step (homophones, which depend on their
# neighbours, are looked at one by one): the same digits as digit_at, fewer Python steps
_NUMERAL_RUN_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(_DIGITS)) + "]+")
_TO_DIGIT = str.maketrans({k: v for k, v in _DIGITS.items() if len(v) == 1})
if any(len(v) != 1 for v in _DIGITS.values()):  # zh.yaml: one digit per numeral
    raise ValueError("numbers.digits must map each numeral to one digit")
# Stretches where a number of 7 digits or more can be: numerals (and homophones) joined
# only by what a gap between digit groups may hold (separators, punctuation, fillers).
# A superset of every run _digit_runs can build, found in one regex pass: text dense with
# short numbers (3号院。3号院。…) costs one step per stretch, not per numeral.
_D_CLASS = _DIGIT_CHAR_RE.pattern
_GAP_CLASS = "[" + "".join(re.escape(c) for c in sorted(_SEPARATORS | _PUNCT_SEPARATORS)) + "]"
# fillers made of gap characters only ('...') are matched by the class already: leaving
# them out keeps the pattern free of two ways to read the same characters
_GAP_WORDS = sorted(
    (w for w in _FILLERS if not set(w) <= _SEPARATORS | _PUNCT_SEPARATORS), key=len, reverse=True
)
_GAP_ALT = "|".join([_GAP_CLASS, *(re.escape(w) for w in _GAP_WORDS)])
# at most _MAX_FILLER_GAP + 1 pieces in a gap, as in _gap: bounded backtracking
_STRETCH_RE = re.compile(f"{_D_CLASS}(?:(?:{_GAP_ALT}){{0,{_MAX_FILLER_GAP + 1}}}{_D_CLASS})*")
_MIN_NUMERALS = 6  # 7 digits, one of them may be the X that ends an ID

_PROVINCES = {
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
    71,
    81,
    82,
    83,
}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# labels that make the number that follows a reference number, not personal data
_NOT_PII_LABEL_RE = re.compile(
    rf"({lexicon.alternatives('numbers', 'not_pii_labels')})[码是为：:\s#]*$"
)
# keywords after which a number of the right length is personal data whatever its checksum
# (people and speech-to-text get a digit wrong); searched in the words just before it
_ID_KEY_RE = re.compile(lexicon.alternatives("numbers", "id_keywords"))
_CARD_KEY_RE = re.compile(lexicon.alternatives("numbers", "card_keywords"))
_PHONE_LABEL_RE = re.compile(
    rf"({lexicon.alternatives('numbers', 'phone_labels')})(号码|号)?[号码是为：:\s]*$"
)
_KEY_WINDOW = 16
_FAR_WINDOW = 40
_COMMA_MOBILE_RE = re.compile(r"(?<![\d.,])1[3-9],\d{3},\d{3},\d{3}(?![\d,]|\.\d)")
# a unit or currency right after the number makes it a quantity, not an identifier
_UNITS = set(lexicon.chars("numbers", "units"))
_CURRENCY = set("¥￥$＄")
_SPACES_RE = re.compile("[ \u3000]*")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date(2100, 1, 1)


def id18_ok(value: str) -> bool:
    """Whether ``value`` is a valid 18-digit resident ID (province, birth date, checksum)."""
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    if int(value[:2]) not in _PROVINCES:
        return False
    if not _date_ok(int(value[6:10]), int(value[10:12]), int(value[12:14])):
        return False
    check = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11
    return _ID_CHECK[check] == value[17]


def _id15_ok(value: str) -> bool:
    if len(value) != 15 or not value.isdigit() or int(value[:2]) not in _PROVINCES:
        return False
    return _date_ok(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))


def landline_ok(value: str) -> bool:
    """Whether ``value`` is a landline: a valid area code and a 7- or 8-digit local number."""
    # area codes: 010, 02x, or 0[3-9]xx (there is no other 01x code)
    if not value.startswith("0") or (value[1] in "01" and not value.startswith("010")):
        return False
    three = value[:3] in ("010",) or value[:2] == "02"  # Beijing, 02x big cities
    code = 3 if three else 4
    local = value[code:]
    return len(local) in (7, 8) and local[0] in "23456789"


def mobile_ok(value: str) -> bool:
    """Whether ``value`` is a mainland mobile (``1[3-9]…``, 11 digits, or with 86 / 0086)."""
    n = len(value)
    if n == 11:
        return value[0] == "1" and value[1] in "3456789"
    if n == 13 and value.startswith("86"):
        return mobile_ok(value[2:])
    return n == 15 and value.startswith("0086") and mobile_ok(value[4:])


def _classify(value: str, before: str, punct: bool = False) -> str | None:
    """The PII kind of a normalised digit string, given the text just before it.

    ``punct``: the digits were joined across punctuation (``138.1234.5678``), where only
    a phone, a valid ID or a labelled number counts (a checksum met by chance does not).
    """
    n = len(value)
    near = before[-_KEY_WINDOW:]
    if (n == 18 and id18_ok(value)) or _keyed_id(value, near) or _far_keyed_id(value, before):
        return ID_CARD
    if "X" in value or _NOT_PII_LABEL_RE.search(before):
        return None
    if mobile_ok(value):
        return MOBILE
    if 10 <= n <= 12 and landline_ok(value):
        return LANDLINE
    return _card_or_other(value, before, near, punct)


def _far_keyed_id(value: str, before: str) -> bool:
    """An 18-digit ID with a birth date after an ID keyword further back (an aside between).

    People read the keyword, then look for the card (身份证号码我给您念一下啊，稍等…): up to
    :data:`_FAR_WINDOW` characters back, an ID's shape (birth year 19xx/20xx, a date)
    counts whatever its check digit, unless a card keyword is nearer.
    """
    if len(value) != 18 or not value[:17].isdigit() or value[6:8] not in ("19", "20"):
        return False
    if not _date_ok(int(value[6:10]), int(value[10:12]), int(value[12:14])):
        return False
    far = before[-_FAR_WINDOW:]
    return _ID_KEY_RE.search(far) is not None and _CARD_KEY_RE.search(far) is None


def _keyed_id(value: str, near: str) -> bool:
    """Whether ``value`` has an ID's length after an ID keyword in ``near``."""
    if _ID_KEY_RE.search(near) is None:
        return False
    n = len(value)
    return (n in (17, 18, 19) and value[:-1].isdigit()) or (n == 15 and value.isdigit())


def _card_or_other(value: str, before: str, near: str, punct: bool) -> str | None:
    """A bank card, a legacy 15-digit ID or a labelled landline (else ``None``)."""
    n = len(value)
    if _CARD_KEY_RE.search(near) is not None and 15 <= n <= 19:
        return BANK_CARD
    # card numbers start with an issuer digit: 3 (JCB/Amex), 4, 5, 6 (UnionPay 62), 9
    if not punct and 16 <= n <= 19 and value[0] in "345689" and _luhn_ok(value):
        return BANK_CARD
    if n == 15 and _id15_ok(value):
        return ID_CARD
    if n in (7, 8) and value[0] in "23456789" and _PHONE_LABEL_RE.search(before):
        return LANDLINE
    return None


@dataclass(slots=True)
class _Group:
    start: int
    end: int
    digits: str
    pos: list[int]  # text index of each digit (for trimming a stray numeral at an edge)
    punct: bool = False  # joined to the previous group across punctuation or a filler


def _filler_at(text: str, j: int) -> int:
    m = _FILLER_RE.match(text, j) if _FILLER_RE else None
    return m.end() - j if m else 0


def digit_at(text: str, k: int) -> str | None:
    """The digit ``text[k]`` stands for, if any (homophones only beside a numeral)."""
    ch = text[k]
    if ch in _DIGITS:
        return _DIGITS[ch]
    if ch in _HOMOPHONES:
        for nb in (k - 1, k + 1):
            if 0 <= nb < len(text) and text[nb] in _DIGITS and text[nb] not in _ARABIC:
                return _HOMOPHONES[ch]
    return None


def _gap(text: str, i: int) -> tuple[int, bool]:
    """Where the next digit group starts after a gap at ``i``.

    Where the next digit group starts after a gap at ``i`` (``i`` when none), and
    whether the gap holds punctuation or a filler word.
    """
    n = len(text)
    j, punct = i, False
    while j < n and j - i <= _MAX_FILLER_GAP:
        ch = text[j]
        if ch in _SEPARATORS:
            j += 1
            continue
        if ch in _PUNCT_SEPARATORS:
            # 12,345,678: a thousands separator, not a digit group
            if ch == "," and text[j + 1 : j + 4].isdigit() and not text[j + 4 : j + 5].isdigit():
                return i, False
            # a pause between numerals spoken in Chinese is how speech-to-text writes
            # groups (六二幺七，七六二零): punctuation only counts between arabic digits
            j, punct = j + 1, punct or text[i - 1] in _ARABIC
            continue
        size = _filler_at(text, j)
        if size:
            j, punct = j + size, True
            continue
        break
    if j == i or j >= n or digit_at(text, j) is None:
        return i, False
    if not punct and j - i > _MAX_GAP:
        return i, False
    return j, punct


def _digit_runs(text: str) -> list[list[_Group]]:
    """Runs of digits (arabic or Chinese numerals) split into groups at separators.

    Only runs that may hold 7 digits or more: a stretch with fewer numerals is skipped.
    """
    runs: list[list[_Group]] = []
    for m in _STRETCH_RE.finditer(text):
        if m.end() - m.start() < _MIN_NUMERALS:
            continue
        if len(_DIGIT_CHAR_RE.findall(m[0])) < _MIN_NUMERALS:
            continue
        runs += _stretch_runs(text, m.start(), m.end())
    return runs


def _stretch_runs(text: str, i: int, stop: int) -> list[list[_Group]]:
    """The runs that start in ``text[i:stop]``."""
    runs: list[list[_Group]] = []
    while i < stop:
        # jump to the next character that may be a digit
        nxt = _DIGIT_CHAR_RE.search(text, i, stop)
        if nxt is None:
            break
        i = nxt.start()
        if digit_at(text, i) is None:
            i += 1
            continue
        run, i = _one_run(text, i)
        runs.append(run)
    return runs


def _one_run(text: str, i: int) -> tuple[list[_Group], int]:
    """The run of groups starting at the numeral ``text[i]``, and where it ends."""
    n = len(text)
    run: list[_Group] = []
    punct = False
    while True:
        start = i
        digits: list[str] = []
        pos: list[int] = []
        while i < n:
            m = _NUMERAL_RUN_RE.match(text, i)
            if m is not None:
                digits.append(m[0].translate(_TO_DIGIT))
                pos.extend(range(i, m.end()))
                i = m.end()
            elif (d := digit_at(text, i)) is not None:  # a homophone beside a numeral
                digits.append(d)
                pos.append(i)
                i += 1
            else:
                break
        group = _Group(start, i, "".join(digits), pos, punct)
        run.append(group)
        # a trailing X ends an ID number (17 digits + X), spoken as 叉 too
        if (
            i < n
            and text[i] in _X_CHARS
            and not (i + 1 < n and text[i + 1].isascii() and text[i + 1].isalnum())
        ):
            group.digits += "X"
            group.pos.append(i)
            group.end = i = i + 1
            break
        j, punct = _gap(text, i)
        if j <= i:
            break
        i = j
    return run, i


def is_quantity(text: str, start: int, end: int, digits: int = 0) -> bool:
    """Whether the number at ``text[start:end]`` is a quantity or part of a longer token."""
    before = text[start - 1] if start > 0 else ""
    if before and (
        before in _CURRENCY or (before.isascii() and (before.isalpha() or before in "._"))
    ):
        return True
    # the first character after the spaces (no copy of the rest of the text: per match)
    k = _SPACES_RE.match(text, end).end()  # type: ignore[union-attr]
    if k >= len(text):
        return False
    nxt, after = text[k], text[k + 1 : k + 2]
    # 手机13812345678号: 号 after a long number names it, it does not count it
    if nxt == "号" and digits >= 7:
        return False
    if nxt in _UNITS:
        return True
    # part of a longer identifier or decimal: 1380013800.5, 13800138000abc
    return nxt.isascii() and (nxt.isalpha() or (nxt == "." and after.isdigit()))


def _trims(
    group_first: _Group, group_last: _Group, text: str, at_start: bool, at_end: bool
) -> list[tuple[int, int]]:
    """The ways to trim a stray numeral off the edges of a run of groups.

    (digits cut at the start, digits cut at the end): first none, then a stray
    Chinese numeral or two at the outer edge of a run (号码幺三八…五六七八一下: 一 of 一下).
    """
    out = [(0, 0)]
    # a trim takes the outermost numeral, so it must be Chinese: arabic edges trim nothing
    at_start = at_start and text[group_first.pos[0]] not in _ARABIC
    at_end = at_end and text[group_last.pos[-1]] not in _ARABIC
    if not (at_start or at_end):
        return out

    def cn(k: int) -> bool:
        return text[k] not in _ARABIC

    for a in (0, 1, 2) if at_start else (0,):
        for b in (0, 1, 2) if at_end else (0,):
            if (a, b) == (0, 0) or a >= len(group_first.pos) or b >= len(group_last.pos):
                continue
            if a and not all(cn(k) for k in group_first.pos[:a]):
                continue
            if b and not all(cn(k) for k in group_last.pos[-b:]):
                continue
            out.append((a, b))
    return out


def number_matches(
    text: str, wants: Callable[[str], bool], free: Callable[[int, int], bool]
) -> list[Span]:
    """Phone, ID, card and landline numbers in ``text``: ``(kind, start, end, digits)``.

    Args:
        text: Any text.
        wants: Whether a kind is to be found (``RedactOptions.wants``).
        free: Whether ``text[start:end]`` is not already taken by an earlier match.
    """
    found = _comma_mobiles(text, wants)
    # positions taken by the numbers found so far: one look per candidate, not one
    # comparison with every earlier match (linear in the text, not quadratic)
    taken = bytearray(len(text))
    for f in found:
        claim(taken, f[1], f[2])

    def unclaimed(a: int, b: int) -> bool:
        return free(a, b) and is_free(taken, a, b)

    for run in _digit_runs(text):
        if sum(len(g.digits) for g in run) < 7:  # no number of 7 digits or more in it
            continue
        i = 0
        while i < len(run):
            hit = _run_hit(text, run, i, wants, unclaimed)
            if hit is None:
                i += 1
                continue
            i, (kind, a, b, value) = hit
            # (138)12345678: take the opening bracket along with its closing one
            if a > 0 and text[a - 1] in "(（" and any(c in text[a:b] for c in ")）"):
                a -= 1
            found.append((kind, a, b, value))
            claim(taken, a, b)
    return found


def claim(taken: bytearray, start: int, end: int) -> None:
    """Mark ``text[start:end]`` as taken in ``taken`` (one byte per character)."""
    taken[start:end] = b"\x01" * max(0, end - start)


def is_free(taken: bytearray, start: int, end: int) -> bool:
    """Whether no character of ``text[start:end]`` is marked in ``taken``.

    For a non-empty span this is exactly "overlaps no marked span"; every match is
    non-empty, so the map answers what a comparison with each earlier match did.
    """
    return taken.find(1, start, end) < 0


def _comma_mobiles(text: str, wants: Callable[[str], bool]) -> list[Span]:
    """Mobiles speech-to-text formatted as a number (13,812,345,678)."""
    found: list[Span] = []
    for m in _COMMA_MOBILE_RE.finditer(text):
        value = re.sub(r"\D", "", m[0])
        before = text[max(0, m.start() - 24) : m.start()]
        if (
            wants(MOBILE)
            and mobile_ok(value)
            and not value.endswith("000000")  # 13,800,000,000: a round amount
            and not _NOT_PII_LABEL_RE.search(before)
            and not is_quantity(text, m.start(), m.end())
        ):
            found.append((MOBILE, m.start(), m.end(), value))
    return found


_Wants = Callable[[str], bool]
_Free = Callable[[int, int], bool]


def _run_hit(
    text: str, run: list[_Group], i: int, wants: _Wants, unclaimed: _Free
) -> tuple[int, Span] | None:
    """The longest match starting at group ``i`` of ``run``: (the group after it, span)."""
    # a match has at most 19 digits, so at most 19 groups: keeps long runs linear
    for j in range(min(len(run), i + 19), i, -1):
        span = _groups_hit(text, run, i, j, wants, unclaimed)
        if span is not None:
            return j, span
    return None


def _groups_hit(
    text: str, run: list[_Group], i: int, j: int, wants: _Wants, unclaimed: _Free
) -> Span | None:
    """A number made of groups ``run[i:j]``, whole or with a stray numeral trimmed."""
    groups = run[i:j]
    whole = "".join(g.digits for g in groups)
    if not 7 <= len(whole) <= 23:  # trimming only shortens: too short stays too short
        return None
    punct = any(g.punct for g in groups[1:])
    for a, b in _trims(groups[0], groups[-1], text, i == 0, j == len(run)):
        value = whole[a : len(whole) - b]
        if not 7 <= len(value) <= 19:
            continue
        start = groups[0].pos[a] if a else groups[0].start
        end = groups[-1].pos[-b - 1] + 1 if b else groups[-1].end
        if not unclaimed(start, end):
            continue
        kind = _classify(value, text[max(0, start - _FAR_WINDOW) : start], punct)
        if kind and wants(kind) and not is_quantity(text, start, end, len(value)):
            return (kind, start, end, value)
    return None
