"""Alembic environment of the server role."""

from ukm_actors.db.migrate import run_env
from ukm_actors.nodes.server.tables import target_metadata

run_env(target_metadata())
