"""Alembic environment: runs on the connection :mod:`qa_pipeline.store` hands over.

No ``alembic.ini`` is needed: the store builds an ``alembic.config.Config`` with
``script_location`` pointing at this package and passes an open connection in
``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from qa_pipeline.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI
    raise RuntimeError("run migrations through `qa db upgrade` (qa_pipeline.store.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
