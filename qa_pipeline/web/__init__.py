"""The QA workbench (复核, 申诉, 校准): a server-rendered web app on the results store.

Start it with ``qa web``; build it in code with :func:`create_app`.
"""

from __future__ import annotations

from qa_pipeline.web.app import WebOptions, create_app

__all__ = ["WebOptions", "create_app"]
