"""OpenAPI UIs that work offline: Swagger UI at /docs, ReDoc at /redoc.

Their JavaScript and CSS come from the `openapi-ui-bundles` package (installed with the API), served
under /_docs, instead of the CDN Litestar points at by default.
"""

from __future__ import annotations

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS = "/_docs"
FAVICON = f"<link rel='icon' type='image/png' href='{ASSETS}/swagger/favicon-32x32.png'>"


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="BenchSight API",
        version=version,
        description="Runs (ETL jobs), health and keys of the BenchSight warehouse.",
        path="/schema",
        render_plugins=[
            SwaggerRenderPlugin(
                path="/swagger",
                js_url=f"{ASSETS}/swagger/swagger-ui-bundle.js",
                css_url=f"{ASSETS}/swagger/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS}/swagger/swagger-ui-standalone-preset.js",
                favicon=FAVICON,
            ),
            RedocRenderPlugin(
                path="/redoc", js_url=f"{ASSETS}/redoc/redoc.standalone.js", google_fonts=False
            ),
        ],
    )


def asset_routers() -> list:
    import openapi_ui_bundles

    return [
        create_static_files_router(
            path=f"{ASSETS}/swagger",
            directories=[openapi_ui_bundles.swagger_ui.static_path],
            include_in_schema=False,
        ),
        create_static_files_router(
            path=f"{ASSETS}/redoc",
            directories=[openapi_ui_bundles.redoc.static_path],
            include_in_schema=False,
        ),
    ]
