"""Deck files and reading lists: schemas, parsers, the importer and the linter."""
