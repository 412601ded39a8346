"""The flows: plain functions over typed models; no Lambda events, no HTTP."""
