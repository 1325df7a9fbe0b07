"""The API: a read-only Content API and an Admin API for scripts (personal tokens), under /api/v1."""
