"""Imports every module that defines tables of the till role, so migrations see them all."""

from ukm_actors.nodes.till import store  # noqa: F401
