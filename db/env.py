"""Alembic environment: the engine is handed in by consultant.db.migrate (or built from the settings)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import consultant.models  # noqa: F401  (registers every table on Base.metadata)
from consultant.db.base import Base
from consultant.db.engine import make_engine
from consultant.settings import Settings

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(Settings.from_env().database_url)
    return engine


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
