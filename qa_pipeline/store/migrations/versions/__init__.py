"""Alembic migration scripts of the results store, oldest first."""
