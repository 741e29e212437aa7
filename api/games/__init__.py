"""Games endpoints."""
