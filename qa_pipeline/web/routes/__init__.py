"""The workbench's routes, one :class:`fastapi.APIRouter` per area.

Every route but the login page declares who may call it: ``Depends(current_user)`` or
``Depends(allowed(Permission.X))`` (see :mod:`qa_pipeline.web.deps`).
"""

from __future__ import annotations

from fastapi import APIRouter

from qa_pipeline.web.routes import agreement, appeals, audio, auth, calibration, calls, queue

#: In the order ``create_app`` includes them.
ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    calls.router,
    audio.router,
    queue.router,
    appeals.router,
    calibration.router,
    agreement.router,
)

__all__ = ["ROUTERS"]
