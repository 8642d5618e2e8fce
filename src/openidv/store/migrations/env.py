"""Alembic environment: every area's tables, batch mode so SQLite can alter tables too."""

from __future__ import annotations

from alembic import context

# Importing the models registers every area's tables on Base.metadata.
import openidv.api.models
import openidv.jobs.models
import openidv.notifications.models
import openidv.retention.models
import openidv.review.models
import openidv.sessions.models  # noqa: F401
from openidv.store.db import Base, make_engine
from openidv.store.migrate import in_models

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=in_models,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
