r"""Rubric regexes that cannot hang a night.

A rubric is data written by people, and one pattern with catastrophic backtracking
(``(a+)+$`` against a line of 40 ``a``) makes Python's :mod:`re` spin for ever, holding
the GIL so that even SIGTERM is not handled. Two guards:

1. :func:`screen` rejects, at rubric load, the classic shape of such patterns: a
   quantifier whose repeated part itself holds a variable quantifier (``(a+)+``,
   ``(\w*x?)*``, ``(a{1,3})+``), unless the inner part is possessive or atomic. The
   message names the pattern, so ``qa rubric check`` stops there.
2. :func:`compile_budgeted` compiles with the ``regex`` package, whose matching takes a
   ``timeout``. Every match runs under the smaller of :data:`MATCH_TIMEOUT_S` and what is
   left of the current call's budget (:func:`call_budget`); running out raises
   :class:`RegexTimeout`, which the nightly flow records as that call's error while the
   rest of the batch goes on. Patterns the screen cannot see (``(a|aa)+$``: overlapping
   alternatives) are caught here.

Patterns whose matching work is bounded by their shape (every repeat is over one
character or class, at most one of them unbounded, the bounded ones small) compile with
:mod:`re` instead: they cannot backtrack more than a small constant per start position,
and the timeout machinery would cost the scoring engine a quarter of its speed (most
language-pack and rubric patterns are of this kind).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, cast

import regex

from qa_pipeline.errors import QAPipelineError

#: Longest one match call may take when no call budget is set (seconds).
MATCH_TIMEOUT_S = 2.0
#: An outer repeat with at most this many repetitions is not flagged (bounded work).
_SMALL_REPEAT = 16

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_local = threading.local()


class RegexTimeout(QAPipelineError):
    """Matching a rubric regex ran past the call's time budget."""

    kind = "timeout"


def _variable_repeat_inside(items: Any) -> bool:
    """Whether a parsed (sub)pattern holds a repeat of variable length."""
    for op, av in items:
        if op in _REPEATS:
            lo, hi, sub = av
            if lo != hi or _variable_repeat_inside(sub):
                return True
        elif op == sre_constants.SUBPATTERN:
            if _variable_repeat_inside(av[-1]):
                return True
        elif op == sre_constants.BRANCH and any(_variable_repeat_inside(b) for b in av[1]):
            return True
        # ATOMIC_GROUP and POSSESSIVE_REPEAT never backtrack into their body: safe
    return False


def _nested(items: Any) -> bool:
    for op, av in items:
        if op in _REPEATS:
            _lo, hi, sub = av
            if (hi == sre_constants.MAXREPEAT or hi > _SMALL_REPEAT) and _variable_repeat_inside(
                sub
            ):
                return True
        if any(_nested(sub) for sub in _children(op, av)):
            return True
    return False


def _children(op: Any, av: Any) -> list[Any]:
    """The parsed sub-patterns of one node that :func:`_nested` looks into."""
    if op in _REPEATS or op == sre_constants.POSSESSIVE_REPEAT:
        return [av[2]]
    if op == sre_constants.SUBPATTERN:
        return [av[-1]]
    if op == sre_constants.BRANCH:
        return list(av[1])
    if op == sre_constants.ATOMIC_GROUP:
        return [av]
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [av[1]]
    return []


#: Largest product of bounded repeat widths that still counts as cheap to match.
_CHEAP_WORK = 4096
_SINGLE = {
    sre_constants.LITERAL,
    sre_constants.NOT_LITERAL,
    sre_constants.ANY,
    sre_constants.IN,
    sre_constants.CATEGORY,
}


def _cost(items: Any) -> tuple[int, int] | None:
    """(unbounded repeats, product of bounded widths) of a parsed pattern.

    ``None`` if some repeat is over more than a single character (and is not a short
    bounded repeat of a cheap part).
    """
    unbounded, work = 0, 1
    for op, av in items:
        if op == sre_constants.GROUPREF_EXISTS:
            return None
        part = _node_cost(op, av)
        if part is None:
            return None
        unbounded, work = unbounded + part[0], work * part[1]
        if part[2] and work > _CHEAP_WORK:
            return None
    return unbounded, work


def _node_cost(op: Any, av: Any) -> tuple[int, int, bool] | None:
    """(unbounded repeats, width product, whether the product is to be capped) of a node."""
    if op in _REPEATS or op == sre_constants.POSSESSIVE_REPEAT:
        return _repeat_cost(av)
    if op == sre_constants.BRANCH:
        return _branch_cost(av[1])
    if op == sre_constants.SUBPATTERN:
        inner = _cost(av[-1])
    elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.ATOMIC_GROUP):
        inner = _cost(av[1] if op != sre_constants.ATOMIC_GROUP else av)
    else:
        return 0, 1, False
    return None if inner is None else (inner[0], inner[1], False)


def _repeat_cost(av: Any) -> tuple[int, int, bool] | None:
    lo, hi, sub = av
    if len(sub) == 1 and sub[0][0] in _SINGLE:
        return (1, 1, False) if hi == sre_constants.MAXREPEAT else (0, hi - lo + 1, False)
    # a short bounded repeat of a cheap part with no unbounded repeat inside
    # ((如果|要是)? …): its choices multiply, still a constant
    inner = _cost(sub) if hi <= _SMALL_REPEAT else None
    if inner is None or inner[0]:
        return None
    return 0, sum(inner[1] ** k for k in range(lo, hi + 1)), True


def _branch_cost(branches: Any) -> tuple[int, int, bool] | None:
    costs = [_cost(b) for b in branches]
    known = [c for c in costs if c is not None]
    if len(known) < len(costs):
        return None
    return max(c[0] for c in known), max(c[1] for c in known), False


def is_cheap(pattern: str) -> bool:
    """Whether ``pattern`` is cheap to match (needs no time limit).

    Whether matching ``pattern`` costs at most a small constant per start position
    (so it needs no time limit): see the module docstring.
    """
    try:
        cost = _cost(list(sre_parse.parse(pattern)))
    except re.error:
        return False
    return cost is not None and cost[0] <= 1 and cost[1] <= _CHEAP_WORK


def screen(pattern: str) -> str:
    """Return ``pattern`` if it compiles and has no nested quantifier.

    Raises:
        ValueError: the pattern does not compile, or repeats a part that itself repeats
            (catastrophic backtracking), with the pattern in the message.
    """
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise ValueError(f"regex {pattern!r} does not compile: {exc}") from None
    if _nested(list(parsed)):
        raise ValueError(
            f"regex {pattern!r} repeats a part that itself repeats (nested quantifier, "
            "e.g. (a+)+): it can take exponential time; rewrite it without the nesting"
        )
    return pattern


@dataclass(slots=True)
class Budget:
    """The time budget of one call's scoring.

    Attributes:
        deadline: ``time.monotonic()`` value past which matching stops (``None``: only
            the per-match limit applies).
        timeouts: One message per match that ran out of time; the scoring engine turns a
            failing check into ``review``, so the caller looks here to record the call
            as an error instead of storing a partial score.
    """

    deadline: float | None
    timeouts: list[str] = field(default_factory=list)

    @property
    def expired(self) -> bool:
        """Whether any match ran out of time under this budget."""
        return bool(self.timeouts)


@contextmanager
def call_budget(seconds: float | None) -> Iterator[Budget]:
    """Limit the regex matching done inside the block (one call's scoring) to ``seconds``.

    ``None`` leaves only the per-match limit. Budgets nest: the inner one cannot extend
    the outer one.
    """
    previous: Budget | None = getattr(_local, "budget", None)
    deadline = None if seconds is None else time.monotonic() + max(0.0, seconds)
    outer = previous.deadline if previous is not None else None
    if outer is not None and (deadline is None or outer < deadline):
        deadline = outer
    budget = Budget(deadline)
    _local.budget = budget
    try:
        yield budget
    finally:
        _local.budget = previous
        if previous is not None:
            previous.timeouts.extend(budget.timeouts)


def _timeout(pattern: str) -> float:
    """Seconds the next match may take; raises :class:`RegexTimeout` when none are left."""
    budget: Budget | None = getattr(_local, "budget", None)
    if budget is None or budget.deadline is None:
        return MATCH_TIMEOUT_S
    left = budget.deadline - time.monotonic()
    if left <= 0:
        raise _ran_out(pattern, 0.0)
    return left if left < MATCH_TIMEOUT_S else MATCH_TIMEOUT_S


def _ran_out(pattern: str, timeout: float) -> RegexTimeout:
    budget: Budget | None = getattr(_local, "budget", None)
    if budget is not None and budget.deadline is not None and timeout < MATCH_TIMEOUT_S:
        message = f"scoring ran past its time limit (at regex {pattern!r})"
    else:
        message = (
            f"regex {pattern!r} took longer than {timeout:.1f} s on one text "
            "(catastrophic backtracking?)"
        )
    if budget is not None:
        budget.timeouts.append(message)
    return RegexTimeout(message)


class BudgetedPattern:
    """A compiled pattern whose matching runs under the current time budget.

    A compiled pattern with :class:`re.Pattern`'s matching methods, each run under the
    current time budget (see the module docstring).
    """

    __slots__ = ("_rx", "flags", "groups", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._rx = regex.compile(pattern, flags)
        self.flags = self._rx.flags
        self.groups = self._rx.groups

    # each method inlined (no shared helper): matching is the scoring engine's inner loop

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        """Like :meth:`re.Pattern.search`, under the time budget."""
        t = _timeout(self.pattern)
        try:
            return self._rx.search(string, pos, endpos, timeout=t)
        except TimeoutError:
            raise _ran_out(self.pattern, t) from None

    def match(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        """Like :meth:`re.Pattern.match`, under the time budget."""
        t = _timeout(self.pattern)
        try:
            return self._rx.match(string, pos, endpos, timeout=t)
        except TimeoutError:
            raise _ran_out(self.pattern, t) from None

    def fullmatch(self, string: str, pos: int = 0, endpos: int | None = None) -> Any:
        """Like :meth:`re.Pattern.fullmatch`, under the time budget."""
        t = _timeout(self.pattern)
        try:
            return self._rx.fullmatch(string, pos, endpos, timeout=t)
        except TimeoutError:
            raise _ran_out(self.pattern, t) from None

    def finditer(self, string: str, pos: int = 0, endpos: int | None = None) -> Iterator[Any]:
        """Like :meth:`re.Pattern.finditer`, under the time budget."""
        t = _timeout(self.pattern)
        try:
            # materialised: the time limit covers the whole scan, not just its first step
            return iter(list(self._rx.finditer(string, pos, endpos, timeout=t)))
        except TimeoutError:
            raise _ran_out(self.pattern, t) from None

    def findall(self, string: str, pos: int = 0, endpos: int | None = None) -> list[Any]:
        """Like :meth:`re.Pattern.findall`, under the time budget."""
        t = _timeout(self.pattern)
        try:
            return cast(list[Any], self._rx.findall(string, pos, endpos, timeout=t))
        except TimeoutError:
            raise _ran_out(self.pattern, t) from None

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        """Like :meth:`re.Pattern.sub`, under the time budget."""
        t = _timeout(self.pattern)
        try:
            return cast(str, self._rx.sub(repl, string, count, timeout=t))
        except TimeoutError:
            raise _ran_out(self.pattern, t) from None

    def __repr__(self) -> str:
        return f"BudgetedPattern({self.pattern!r})"


def compile_budgeted(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``pattern`` for matching under the time budget.

    Typed as :class:`re.Pattern` for the callers: the object has the same matching
    methods (``search``, ``match``, ``fullmatch``, ``finditer``, ``findall``, ``sub``).
    A pattern whose matching work is bounded by its shape (:func:`is_cheap`) is compiled
    with :mod:`re`: it cannot run away, and needs no timeout.
    """
    if is_cheap(pattern):
        return re.compile(pattern, flags)
    return cast("re.Pattern[str]", BudgetedPattern(pattern, flags))
