"""Card text for a terminal: Markdown with LaTeX math turned into readable Unicode."""
