"""Catalog of activities (YAML data) and the entry forms generated from it."""
from .catalog import COUNTERS, Activity, Catalog, CatalogError, Office, Part, WorkType, load_catalog

__all__ = ["COUNTERS", "Activity", "Catalog", "CatalogError", "Office", "Part", "WorkType", "load_catalog"]
