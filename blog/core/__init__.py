"""Pieces shared by every feature: sanitising, Markdown, time, HTTP caching, security headers."""
