"""Storage: the SQLite schema (SQLModel tables), migrations and the repository."""
