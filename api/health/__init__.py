"""Health: is the API up (`/api/health`), and how is everything behind it (`/api/status`)."""
