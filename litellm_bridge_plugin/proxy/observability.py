"""The bridge's routes on the proxy's own port: ``/bridge/metrics`` (Prometheus's text format;
a proxy admin's key, as LiteLLM's management routes ask, unless ``BRIDGE_METRICS_PUBLIC``)
and ``/bridge/health`` (the readiness answer, health.py; open, like LiteLLM's
``/health/readiness``: it names no person, no secret and no address, and is worked out at most
once every few seconds however often it is asked, health.Recent).

The routes go first in the app's route list: LiteLLM's own routes include broad patterns a
later route would never be reached behind.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litellm_bridge_plugin import metrics
from litellm_bridge_plugin.engine import health
from litellm_bridge_plugin.settings import Settings

METRICS_PATH = "/bridge/metrics"
HEALTH_PATH = "/bridge/health"
ADMIN_ROLES = ("proxy_admin", "proxy_admin_viewer")
"""LiteLLM's roles that may read the metrics (its admin and its read-only admin)."""


def install(app: Any, settings: Settings, sweeps: bool = True) -> None:
    """Add the two routes to the running proxy's FastAPI ``app`` (once)."""
    from fastapi import Depends, HTTPException
    from fastapi.responses import JSONResponse, Response
    from fastapi.routing import APIRoute
    from litellm.proxy.auth.user_api_key_auth import user_api_key_auth

    started = time.time()
    collector = health.OutboxCollector(settings)

    async def scrape() -> Response:
        body, content_type = await asyncio.to_thread(metrics.exposition, collector)
        return Response(body, media_type=content_type)

    async def admin_scrape(auth: Any = Depends(user_api_key_auth)) -> Response:  # noqa: B008
        role = getattr(getattr(auth, "user_role", None), "value", getattr(auth, "user_role", None))
        if role not in ADMIN_ROLES:
            raise HTTPException(
                403,
                {"error": f"{METRICS_PATH} is for a proxy admin's key (BRIDGE_METRICS_PUBLIC)"},
            )
        return await scrape()

    answers = health.Recent(lambda: health.assess(settings, started, sweeps).answer())

    async def readiness() -> JSONResponse:
        return JSONResponse(answers.fresh() or await asyncio.to_thread(answers.get))

    routes = (
        (METRICS_PATH, scrape if settings.metrics_public else admin_scrape),
        (HEALTH_PATH, readiness),
    )
    for path, endpoint in routes:
        if any(getattr(route, "path", None) == path for route in app.router.routes):
            continue
        route = APIRoute(path, endpoint, methods=["GET"], include_in_schema=False)
        app.router.routes.insert(0, route)
