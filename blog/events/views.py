from flask import Blueprint

from blog.events import models  # noqa: F401  (registers the tables)

bp = Blueprint("events", __name__, url_prefix="/events")
