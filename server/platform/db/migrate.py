"""`python -m server.platform.db.migrate [revision]`: bring the database at DATABASE_URL to a
revision."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from server.platform import config as settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic Config for our migrations folder, without an alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def main(argv: list[str]) -> int:
    target = argv[0] if argv else "head"
    command.upgrade(alembic_config(settings.load().database_url), target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
