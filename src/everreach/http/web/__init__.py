"""The server-rendered dashboard (Jinja2 templates, htmx, inline SVG charts)."""
