"""The workbench's routes, one :class:`fastapi.APIRouter` per area.

Every route but the login page declares who may call it: ``Depends(current_user)`` or
``Depends(allowed(Permission.X))`` (see :mod:`qa_pipeline.web.deps`).
"""

from __future__ import annotations

from fastapi import APIRouter

from qa_pipeline.web.routes import (
    agreement,
    appeals,
    audio,
    auth,
    calibration,
    calls,
    export,
    finality,
    ledger,
    queue,
    screen,
    search,
    users,
)

#: In the order ``create_app`` includes them. ``calls`` comes last: its
#: ``/calls/{call_id:path}`` (call ids may hold ``/``) would otherwise swallow
#: ``/calls/ID/audio``.
ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    audio.router,
    queue.router,
    screen.router,
    appeals.router,
    finality.router,
    calibration.router,
    agreement.router,
    search.router,
    export.router,
    ledger.router,
    users.router,
    calls.router,
)

__all__ = ["ROUTERS"]
