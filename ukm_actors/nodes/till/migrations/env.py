"""Alembic environment of the till role."""

from ukm_actors.db.migrate import run_env
from ukm_actors.nodes.till.tables import target_metadata

run_env(target_metadata())
