"""API keys with scopes read / run / admin, stored hashed in ops.api_keys."""
