"""The pure domain: scheduling, queues, study days and statistics over plain data.

Nothing here imports Textual, SQLModel, SQLAlchemy or touches the file system;
a test imports this package in a fresh interpreter and checks ``sys.modules``.
"""
