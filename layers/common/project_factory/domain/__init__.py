"""The domain vocabulary: the types the flows, sheets, adapters and handlers share.

Its modules depend on the standard library and pydantic only, never on the rest of
project_factory (the import contract in pyproject.toml keeps it so). Field names follow the
original's API (camelCase).
"""
