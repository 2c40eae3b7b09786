"""The FastAPI app of `telltale serve`: dashboard pages, the JSON API behind each, /metrics, /healthz."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from telltale.api.frames import alert_rows, history_rows
from telltale.api.project import ApiProject
from telltale.core.timeutil import iso
from telltale.errors import ConfigError
from telltale.serve import pages
from telltale.serve.drift import drift_view
from telltale.serve.metrics import render_metrics
from telltale.serve.views import configured_monitors, model_detail, models_overview, run_json, run_rows

if TYPE_CHECKING:
    from telltale.config.project import Project
    from telltale.serve.schedule import Scheduler
    from telltale.store import Store


log = logging.getLogger("telltale.serve")
OPEN_PATHS = frozenset({"/healthz"})
COOKIE = "telltale_token"


def _authorized(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(COOKIE, "")
    return secrets.compare_digest(given.encode(), token.encode())


def create_app(project: Project, store: Store, *, scheduler: Scheduler | None = None, token: str | None = None,
               lifespan: Any = None) -> FastAPI:
    """The app: every route but /healthz needs `Authorization: Bearer <token>` when a token is set."""
    app = FastAPI(title="telltale", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.exception_handler(sa.exc.SQLAlchemyError)
    async def store_failed(request: Request, exc: Exception) -> JSONResponse:
        """The store went away under a running server: 503 with the reason, one log line."""
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        log.error("%s %s: the state store failed: %s", request.method, request.url.path, reason,
                  extra={"event": "store_failed"})
        return JSONResponse({"error": f"the state store {store.url} failed: {reason}; see /healthz"},
                            status_code=503)

    @app.middleware("http")
    async def require_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is None or request.url.path in OPEN_PATHS:
            return await call_next(request)
        offered = request.query_params.get("token")
        if offered is not None and secrets.compare_digest(offered.encode(), token.encode()):
            # a browser cannot send a header: `?token=` once sets a cookie, then the URL without it
            rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            path = "/" + request.url.path.lstrip("/")     # `//host` would leave this server
            resp = RedirectResponse(path + (f"?{rest}" if rest else ""), status_code=303)
            resp.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return resp
        if not _authorized(request, token):
            return JSONResponse({"error": "a token is required: send Authorization: Bearer <token> (in a "
                                          "browser, open /?token=<token> once)"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    def _model_view(path: str) -> tuple[str, bool]:
        """(model, drift view?) of `/models/<path>`: a model's name may hold a '/'."""
        models = project.config.models
        if path not in models:
            path = path.rstrip("/")         # `/models/credit/` as `/models/credit`
        if path in models:
            return path, False
        name = path.removesuffix("/drift")
        if name != path and name in models:
            return name, True
        raise HTTPException(404, f"no model named '{name}'")

    def get(path: str, **kw: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A GET route that answers HEAD too (RFC 9110; health checks often send HEAD)."""
        return app.api_route(path, methods=["GET", "HEAD"], **kw)

    def _sched() -> dict[str, Any] | None:
        return scheduler.status() if scheduler is not None else None

    @get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with store.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            reachable, problem = True, None
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            reachable, problem = False, str(exc).splitlines()[0]
        last = getattr(scheduler, "last_tick", None)
        body = {"status": "ok" if reachable else "error", "store": "reachable" if reachable else problem,
                "last_tick": iso(last), "now": iso(datetime.now(timezone.utc)),
                "scheduler": scheduler is not None}
        return JSONResponse(body, status_code=200 if reachable else 503)

    @get("/metrics")
    def metrics() -> Response:
        return Response(render_metrics(store, scheduler, configured_monitors(project)),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    @get("/api/models")
    def api_models() -> dict[str, Any]:
        return {"models": models_overview(project, store), "scheduler": _sched()}

    @get("/api/models/{path:path}")
    def api_model(path: str) -> dict[str, Any]:
        """`/api/models/{model}` and `/api/models/{model}/drift`."""
        model, drift = _model_view(path)
        if drift:
            return {"model": model, "columns": drift_view(project, store, model)}
        return model_detail(project, store, model)

    @get("/api/alerts")
    def api_alerts(status: str | None = None) -> dict[str, Any]:
        status = status or None                   # `?status=` is no filter
        if status not in (None, "open", "resolved", "pending", "failed"):
            raise HTTPException(400, "status is one of open, resolved, pending, failed")
        return {"alerts": alert_rows(store, status)}

    @get("/api/runs")
    def api_runs(limit: int = 50) -> dict[str, Any]:
        return {"runs": run_rows(store, max(1, min(limit, 1000)))}

    @get("/api/runs/{run_id}")
    def api_run(run_id: str) -> dict[str, Any]:
        r = store.get_run(run_id)
        if r is None:
            raise HTTPException(404, f"no run '{run_id}'")
        return run_json(r)

    @get("/api/history")
    def api_history(model: str | None = None, monitor: str | None = None, column: str | None = None,
                    since: str | None = None) -> dict[str, Any]:
        model, monitor, column = model or None, monitor or None, column or None     # `?model=` is no filter
        try:     # the checks of `telltale history`: unknown names are errors, not empty lists
            first, stored_column = ApiProject(project).history_filters(model, monitor, column, since or None)
        except ConfigError as exc:
            raise HTTPException(400, str(exc)) from None
        return {"points": history_rows(store, model=model, monitor=monitor, column=stored_column, since=first)}

    @get("/api/scheduler")
    def api_scheduler() -> dict[str, Any]:
        return {"scheduler": _sched()}

    @get("/", response_class=HTMLResponse)
    def page_overview() -> str:
        return pages.overview_page(models_overview(project, store), _sched())

    @get("/models/{path:path}", response_class=HTMLResponse)
    def page_model(path: str) -> str:
        """`/models/{model}` and `/models/{model}/drift`."""
        model, drift = _model_view(path)
        if drift:
            return pages.drift_page(model, drift_view(project, store, model))
        return pages.model_page(model_detail(project, store, model))

    @get("/alerts", response_class=HTMLResponse)
    def page_alerts() -> str:
        return pages.alerts_page(alert_rows(store))

    @get("/runs", response_class=HTMLResponse)
    def page_runs() -> str:
        return pages.runs_page(run_rows(store))

    @get("/runs/{run_id}", response_class=HTMLResponse)
    def page_run(run_id: str) -> str:
        return pages.run_page(api_run(run_id))

    return app
