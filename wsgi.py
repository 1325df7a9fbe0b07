"""The WSGI entry point: the only module that builds an application at import time.

Run it with ``gunicorn wsgi:app`` or ``flask --app wsgi run``.
"""
from blog import create_app

app = create_app()
