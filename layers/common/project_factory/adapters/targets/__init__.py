"""Targets: the services where rows are created ("the respective service")."""
