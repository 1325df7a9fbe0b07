from flask import Blueprint

bp = Blueprint("newsletter", __name__, url_prefix="/newsletter")
