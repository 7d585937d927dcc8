"""Alembic environment of the till role."""

from ukm_actors.db.migrate import run_env
from ukm_actors.nodes.till.store import target_metadata

run_env(target_metadata())
