"""Applying the Alembic migrations that ship inside the package (no alembic.ini needed)."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an .ini parser: '%' must be escaped in URLs (passwords).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


# PostgreSQL's partitions of session_secrets (migration 0007) are not tables of the models.
_PARTITION = re.compile(r"session_secrets_p\d+")


def in_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: what autogenerate compares with the models."""
    return not (type_ == "table" and name is not None and _PARTITION.fullmatch(name))
