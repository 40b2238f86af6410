"""The JSON API (`/api/v1`) and the application factory shared with the dashboard and the webhook."""

from everreach.api.app import create_app

__all__ = ["create_app"]
