"""The admin portal: one static page served by the API; its script calls the API with a key."""
