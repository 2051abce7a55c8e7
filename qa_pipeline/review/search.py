"""Full-text search in the stored (redacted) transcripts, with the workbench's rights.

An agent finds only turns of their own calls; every other role with ``VIEW_CALLS``
finds any call's. Hits are single turns, newest stored first, and page by the turn id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qa_pipeline.review.errors import InvalidInputError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.users import User
from qa_pipeline.review.views import _FromRow
from qa_pipeline.store.search import (
    MAX_QUERY,
    SHORT_WINDOW,
    TRIGRAM,
    newest_turn,
    search_query,
)

__all__ = ["SearchHit", "SearchPage", "search_transcripts"]

#: Hits per page.
HITS_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class SearchHit(_FromRow):
    """One turn that contains the searched text."""

    id: int
    call_id: str
    turn: int
    start: float | None
    speaker: str | None
    text: str
    agent_id: str | None
    team: str | None
    started_at: datetime | None

    def parts(self, needle: str) -> tuple[str, str, str]:
        """The turn's text around the first match: before, match, after.

        Args:
            needle: The searched text.

        Returns:
            Three pieces whose concatenation is the text (the match empty if not found).
        """
        at = self.text.casefold().find(needle.casefold())
        if at < 0 or len(self.text.casefold()) != len(self.text):
            at = self.text.find(needle)
        if at < 0:
            return self.text, "", ""
        end = at + len(needle)
        return self.text[:at], self.text[at:end], self.text[end:]


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of hits, and where the next one starts.

    Attributes:
        hits: The page's turns, newest stored first.
        next_before: The ``before`` of the next page (``None``: this was the last).
        window_done: A short search read its window of turns without filling the page;
            the next page goes on with older turns.
    """

    hits: tuple[SearchHit, ...]
    next_before: int | None
    window_done: bool


def search_transcripts(
    store: Any,
    user: User,
    text: str,
    before: int | None = None,
    per_page: int = HITS_PER_PAGE,
) -> SearchPage:
    """Turns of the calls ``user`` may see that contain ``text``, newest stored first.

    Args:
        store: The open results store.
        user: Who searches (an agent finds only their own calls).
        text: The text to find (case-insensitive for Latin letters; ``%`` and ``_`` are
            plain characters).
        before: Continue below this turn id (the previous page's last hit), if any.
        per_page: Hits per page.

    Returns:
        The page's hits and where the next page starts. A text shorter than ``TRIGRAM``
        characters (no index can answer it) reads at most ``SHORT_WINDOW`` turns per page.

    Raises:
        ForbiddenError: the user's role may not see calls.
        InvalidInputError: the text is empty or longer than ``MAX_QUERY`` characters.
    """
    user.need(Permission.VIEW_CALLS, "this role cannot search calls")
    needle = text.strip()
    if not needle:
        raise InvalidInputError("enter the text to search for", "search_empty")
    if len(needle) > MAX_QUERY:
        raise InvalidInputError(
            f"search for at most {MAX_QUERY} characters", "search_long", max=MAX_QUERY
        )
    agent = None
    if not user.sees_all_calls:
        if not user.agent_id:  # an account without an agent id owns no call
            return SearchPage((), None, False)
        agent = user.agent_id
    dialect = store.engine.dialect.name
    with store._read("search transcripts") as conn:
        floor = None
        if len(needle) < TRIGRAM:  # no index: a window of turns per page
            top = before if before is not None else newest_turn(conn) + 1
            floor = max(top - SHORT_WINDOW, 0)
        q = search_query(dialect, needle, agent, before, per_page + 1, floor)
        hits = [SearchHit.from_row(r) for r in conn.execute(q)]
    if len(hits) > per_page:
        return SearchPage(tuple(hits[:per_page]), hits[per_page - 1].id, False)
    if floor:  # the window is read: older turns remain
        return SearchPage(tuple(hits), floor, True)
    return SearchPage(tuple(hits), None, False)
