"""Applications: the only places that wire stages together (analysis of files, live edge, hub)."""
