"""Errors of the human-decision layer; the web app maps each to an HTTP status."""

from __future__ import annotations

from typing import Any

from qa_pipeline.errors import QAPipelineError


class ReviewError(QAPipelineError):
    """A human decision, appeal or account operation cannot be done as asked.

    ``key`` (with ``params``) names the message for pages in the site's language
    (``err_KEY`` in :mod:`qa_pipeline.web.labels`); the text is the English fallback.
    """

    kind = "review"
    status_code = 400

    def __init__(self, message: str, key: str | None = None, **params: Any) -> None:
        """Keep the message, and the key and values a page translates it with.

        Args:
            message: The English message (logs, the command line, the fallback).
            key: The message's label key without ``err_``, if it has one.
            **params: Values the label's ``{placeholders}`` take.
        """
        super().__init__(message)
        self.key = key
        self.params = params


class NotFoundError(ReviewError):
    """An unknown call, item, appeal, session or user."""

    kind = "not_found"
    status_code = 404


class ForbiddenError(ReviewError):
    """The user's role or agent id does not allow this."""

    kind = "forbidden"
    status_code = 403


class ConflictError(ReviewError):
    """Someone else decided first (optimistic concurrency); nothing was overwritten."""

    kind = "conflict"
    status_code = 409


class InvalidInputError(ReviewError):
    """A verdict, reason, role or window that is not allowed."""

    kind = "invalid"
    status_code = 422
