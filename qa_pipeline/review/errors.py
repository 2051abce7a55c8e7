"""Errors of the human-decision layer; the web app maps each to an HTTP status."""

from __future__ import annotations

from qa_pipeline.errors import QAPipelineError


class ReviewError(QAPipelineError):
    """A human decision, appeal or account operation cannot be done as asked."""

    kind = "review"
    status_code = 400


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
