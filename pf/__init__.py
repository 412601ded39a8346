"""`pf`: project-factory from a terminal, over the same HTTP API as every other client."""
