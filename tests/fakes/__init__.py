"""Fakes of the services project-factory talks to, for tests."""
