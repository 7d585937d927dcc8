"""Alembic environment of the marketing role."""

from ukm_actors.db.migrate import run_env
from ukm_actors.nodes.role import role_metadata, role_spec

run_env(role_metadata(role_spec("marketing")))
