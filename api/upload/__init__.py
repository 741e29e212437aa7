"""Upload endpoints."""
