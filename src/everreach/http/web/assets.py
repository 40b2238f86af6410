"""The API's Swagger UI and ReDoc pages drawn from assets served here (no CDN), and the favicon."""

from __future__ import annotations

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from everreach.http import routes

router = routes.router(include_in_schema=False)
OPENAPI_URL = "/api/v1/openapi.json"
VENDOR = "/static/vendor"
FAVICON = "/static/favicon.svg"


@router.get("/api/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    """Swagger UI for the JSON API."""
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="EverReach API",
        swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=FAVICON,
    )


@router.get("/api/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    """ReDoc for the JSON API."""
    return get_redoc_html(
        openapi_url=OPENAPI_URL,
        title="EverReach API",
        redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico: send them to the SVG icon."""
    return RedirectResponse(FAVICON, status_code=308)
