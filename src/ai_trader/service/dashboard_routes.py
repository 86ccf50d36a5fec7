"""The web dashboard's routes (SPEC API-5): the page at ``/``, its script and stylesheet,
and ``GET /dashboard/state`` (viewer) that feeds it.

The page and its assets hold no data and need no token; everything they show comes from
the token-protected API, and every control posts to the same routes the CLI uses. There
is no build step: the files in ``dashboard_static/`` are what the browser runs.
"""

# No ``from __future__ import annotations``: FastAPI must see the route signatures' real
# types, and ``viewer`` below is a local alias it could not resolve from a string.

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import Response

from ai_trader.service import schemas
from ai_trader.service.auth import Principal
from ai_trader.service.dashboard import DashboardState, dashboard_state
from ai_trader.service.facade import TradingFacade

STATIC_PACKAGE = "ai_trader.service.dashboard_static"
ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
# The page runs only its own script and style, talks only to this origin (HTTP and the
# websocket) and cannot be framed: a dashboard with a kill switch must not be clickjacked.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str

    @classmethod
    def load(cls, name: str, media_type: str) -> "StaticFile":
        body = files(STATIC_PACKAGE).joinpath(name).read_bytes()
        return cls(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:20]}"')

    def response(self, request: Request) -> Response:
        """Revalidated on every load (``no-cache``) but sent again only when it changed."""
        headers = {"ETag": self.etag, "Cache-Control": "no-cache", **SECURITY_HEADERS}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


def build_dashboard_router(require_viewer: Callable[..., Principal]) -> APIRouter:
    page = StaticFile.load("index.html", "text/html; charset=utf-8")
    assets = {name: StaticFile.load(name, media_type) for name, media_type in ASSETS.items()}
    router = APIRouter()
    viewer = Annotated[Principal, Depends(require_viewer)]

    @router.get("/", include_in_schema=False)
    def index(request: Request) -> Response:
        return page.response(request)

    @router.get("/dashboard/assets/{name}", include_in_schema=False)
    def asset(name: str, request: Request) -> Response:
        found = assets.get(name)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no dashboard asset {name!r}")
        return found.response(request)

    @router.get(
        "/dashboard/state",
        response_model=DashboardState,
        tags=["dashboard"],
        responses=schemas.AUTH_ERRORS,
    )
    def state(request: Request, _: viewer) -> DashboardState:
        """Everything the dashboard shows, in one response: mode and halt reason,
        portfolio, equity curve with drawdown, fills, SLOs, incidents, signals with their
        contributions, news and the latest backtest report."""
        facade: TradingFacade = request.app.state.facade
        return dashboard_state(facade)

    return router
