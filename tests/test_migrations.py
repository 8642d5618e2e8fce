"""The migrations are the schema: applied to an empty database they produce exactly the
tables the models declare, on SQLite and PostgreSQL, and they can be undone and redone."""

from __future__ import annotations

import uuid

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

import openidv.api.models
import openidv.jobs.models
import openidv.notifications.models
import openidv.retention.models
import openidv.sessions.models  # noqa: F401  (the models under comparison)
from openidv.store.db import Base, make_engine
from openidv.store.migrate import alembic_config, in_models, upgrade
from tests.conftest import POSTGRES_ADMIN_URL


def _fresh(database_url: str, tmp_path_name: str) -> tuple[str, str | None]:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path_name}/fresh.sqlite3", None
    name = f"openidv_migrations_{uuid.uuid4().hex[:10]}"
    admin = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False), name


def test_migrations_match_models_and_reverse(database_url: str, tmp_path: object) -> None:
    url, pg_name = _fresh(database_url, str(tmp_path))
    try:
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": in_models})
            assert compare_metadata(context, Base.metadata) == []
        engine.dispose()
        command.downgrade(alembic_config(url), "base")
        upgrade(url)
    finally:
        if pg_name:
            admin = (
                make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(False)
            )
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
