"""Imports every module that defines tables of the server role, so migrations see them all."""

from ukm_actors.nodes.server import store  # noqa: F401
