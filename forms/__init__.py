"""Catalog of activities (YAML data) and the entry forms generated from it."""
from .catalog import (COUNTERS, Activity, Catalog, CatalogError, CatalogInvalid, Office, Part, Problem, WorkType,
                      check_document, diff_documents, document_of, load_catalog, office_from_document)

__all__ = ["COUNTERS", "Activity", "Catalog", "CatalogError", "CatalogInvalid", "Office", "Part", "Problem",
           "WorkType", "check_document", "diff_documents", "document_of", "load_catalog", "office_from_document"]
