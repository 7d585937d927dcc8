"""Alembic environment of the marketing role."""

from ukm_actors.db.migrate import run_env
from ukm_actors.nodes.marketing.tables import target_metadata

run_env(target_metadata())
