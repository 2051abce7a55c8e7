"""Alembic migrations of the results store (run through :func:`qa_pipeline.store.upgrade`)."""
