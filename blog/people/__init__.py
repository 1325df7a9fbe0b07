"""People of the group (with or without accounts) and their publications."""
