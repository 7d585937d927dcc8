"""Imports every module that defines tables of the marketing role, so migrations see them all."""

from ukm_actors.nodes.marketing import store  # noqa: F401
