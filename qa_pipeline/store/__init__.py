"""The results store: SQLAlchemy tables, migrations, queries, scrub, recording links.

One door for everything that rests in the database: :class:`Store` redacts personal
data (through :mod:`qa_pipeline.pii`) as text is written, so callers hand it raw
results. Modules:

* :mod:`~qa_pipeline.store.schema` — the pipeline's tables (runs, recordings, scores …);
* :mod:`~qa_pipeline.store.workbench` — the human-decision tables (users, decisions …);
* :mod:`~qa_pipeline.store.migrations` — Alembic migrations, run by :meth:`Store.open`;
* :mod:`~qa_pipeline.store.queries` — read queries and their one :class:`Filters`;
* :mod:`~qa_pipeline.store.frames` — the DataFrame columns reports read;
* :mod:`~qa_pipeline.store.scrub` — re-redacting a store and transcript files in place;
* :mod:`~qa_pipeline.store.listen` — links from evidence to the recording.
"""

from __future__ import annotations

from qa_pipeline.store.core import Store, StoreStatus
from qa_pipeline.store.schema import mask_url

__all__ = ["Store", "StoreStatus", "mask_url"]
