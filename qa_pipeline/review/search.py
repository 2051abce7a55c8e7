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
from qa_pipeline.store.search import MAX_QUERY, search_query

__all__ = ["SearchHit", "search_transcripts"]

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


def search_transcripts(
    store: Any,
    user: User,
    text: str,
    before: int | None = None,
    per_page: int = HITS_PER_PAGE,
) -> tuple[list[SearchHit], bool]:
    """Turns of the calls ``user`` may see that contain ``text``, newest stored first.

    Args:
        store: The open results store.
        user: Who searches (an agent finds only their own calls).
        text: The text to find (case-insensitive for Latin letters; ``%`` and ``_`` are
            plain characters).
        before: Continue below this turn id (the previous page's last hit), if any.
        per_page: Hits per page.

    Returns:
        The page's hits and whether more follow.

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
            return [], False
        agent = user.agent_id
    q = search_query(store.engine.dialect.name, needle, agent, before, per_page + 1)
    with store._read("search transcripts") as conn:
        hits = [SearchHit.from_row(r) for r in conn.execute(q)]
    return hits[:per_page], len(hits) > per_page
