"""The use cases: what the interfaces (the CLI and the TUI) may ask of studykb.

Each use case is one unit of work on the database and returns view models
(studykb.app.views); the interfaces never reach storage themselves. Opening a
collection (store.py) brings settings, clock, migrations and bundled content
together; review, library, reading, statistics and maintenance group the use
cases by what the user is doing. formats.py is the registry of the files studykb
reads and writes; errors.py names the errors an interface may catch or word;
due_format.py is the wording of `studykb due`. Nothing here is imported at package
import, so `studykb due`'s lean path (lean_due.py) stays light.
"""
