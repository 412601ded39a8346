"""project-factory domain package: flows, adapters and sheets shared by every function."""
