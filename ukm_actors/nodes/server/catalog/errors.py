"""Errors of the catalog and admin layers, with the HTTP status the admin API answers."""

from __future__ import annotations

from ukm_actors.errors import UkmError


class CatalogError(UkmError):
    """A request about the directories that cannot be done as asked (400)."""

    code = "catalog.invalid"
    http_status = 400


class NotFound(CatalogError):
    """The store, item, till … named does not exist (404)."""

    code = "catalog.not_found"
    http_status = 404


class Conflict(CatalogError):
    """It exists already, or is in use (409)."""

    code = "catalog.conflict"
    http_status = 409
