from flask import Blueprint

bp = Blueprint("embeds", __name__, url_prefix="/embeds")
