"""The human-decision layer of the store: people, audited decisions, appeals, calibration.

The machine screens every call; people re-check what is uncertain, sampled or contested.
Every decision is appended to ``review_decisions`` (never overwritten); the **final
verdict** of an item is its latest human decision, else the machine's. Reports and the
workbench read final verdicts (:mod:`qa_pipeline.review.verdicts`).
"""

from __future__ import annotations

from qa_pipeline.review.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ReviewError,
)
from qa_pipeline.review.permissions import ROLE_PERMISSIONS, Permission
from qa_pipeline.review.stats import cohen_kappa, fleiss_kappa, percent_agreement
from qa_pipeline.review.users import ROLES, User, UserStore
from qa_pipeline.review.workbench import Workbench

__all__ = [
    "ROLES",
    "ROLE_PERMISSIONS",
    "ConflictError",
    "ForbiddenError",
    "InvalidInputError",
    "NotFoundError",
    "Permission",
    "ReviewError",
    "User",
    "UserStore",
    "Workbench",
    "cohen_kappa",
    "fleiss_kappa",
    "percent_agreement",
]
