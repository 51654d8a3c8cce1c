"""The web layer: review queue pages, admin pages and the JSON API (`create_app`)."""

from consultant.web.factory import create_app

__all__ = ["create_app"]
