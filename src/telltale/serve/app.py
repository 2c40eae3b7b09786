"""The FastAPI app of `telltale serve`: dashboard pages, the JSON API behind each, /metrics, /healthz."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from telltale.api.frames import alert_rows, history_rows
from telltale.core.timeutil import iso, parse_time
from telltale.serve import pages
from telltale.serve.drift import drift_view
from telltale.serve.metrics import render_metrics
from telltale.serve.views import model_detail, models_overview, run_json, run_rows

OPEN_PATHS = frozenset({"/healthz"})
COOKIE = "telltale_token"


def _authorized(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(COOKIE, "")
    return secrets.compare_digest(given.encode(), token.encode())


def create_app(project: Any, store: Any, *, scheduler: Any = None, token: str | None = None,
               lifespan: Any = None) -> FastAPI:
    """The app: every route but /healthz needs `Authorization: Bearer <token>` when a token is set."""
    app = FastAPI(title="telltale", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.middleware("http")
    async def require_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is None or request.url.path in OPEN_PATHS:
            return await call_next(request)
        offered = request.query_params.get("token")
        if offered is not None and secrets.compare_digest(offered.encode(), token.encode()):
            # a browser cannot send a header: `?token=` once sets a cookie, then the plain URL
            resp = RedirectResponse(request.url.path, status_code=303)
            resp.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return resp
        if not _authorized(request, token):
            return JSONResponse({"error": "a token is required: send Authorization: Bearer <token>"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    def _model(name: str) -> str:
        if name not in project.config.models:
            raise HTTPException(404, f"no model named '{name}'")
        return name

    def _sched() -> dict[str, Any] | None:
        return scheduler.status() if scheduler is not None else None

    @app.get("/healthz")
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

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(render_metrics(store, scheduler), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/api/models")
    def api_models() -> dict[str, Any]:
        return {"models": models_overview(project, store), "scheduler": _sched()}

    @app.get("/api/models/{model}")
    def api_model(model: str) -> dict[str, Any]:
        return model_detail(project, store, _model(model))

    @app.get("/api/models/{model}/drift")
    def api_drift(model: str) -> dict[str, Any]:
        return {"model": model, "columns": drift_view(project, store, _model(model))}

    @app.get("/api/alerts")
    def api_alerts(status: str | None = None) -> dict[str, Any]:
        if status not in (None, "open", "resolved", "pending", "failed"):
            raise HTTPException(400, "status is one of open, resolved, pending, failed")
        return {"alerts": alert_rows(store, status)}

    @app.get("/api/runs")
    def api_runs(limit: int = 50) -> dict[str, Any]:
        return {"runs": run_rows(store, max(1, min(limit, 1000)))}

    @app.get("/api/runs/{run_id}")
    def api_run(run_id: str) -> dict[str, Any]:
        r = store.get_run(run_id)
        if r is None:
            raise HTTPException(404, f"no run '{run_id}'")
        return run_json(r)

    @app.get("/api/history")
    def api_history(model: str | None = None, monitor: str | None = None, column: str | None = None,
                    since: str | None = None) -> dict[str, Any]:
        try:
            first = parse_time(since) if since else None
        except ValueError as exc:
            raise HTTPException(400, f"since: {exc}") from None
        return {"points": history_rows(store, model=model, monitor=monitor, column=column, since=first)}

    @app.get("/api/scheduler")
    def api_scheduler() -> dict[str, Any]:
        return {"scheduler": _sched()}

    @app.get("/", response_class=HTMLResponse)
    def page_overview() -> str:
        return pages.overview_page(models_overview(project, store), _sched())

    @app.get("/models/{model}", response_class=HTMLResponse)
    def page_model(model: str) -> str:
        return pages.model_page(model_detail(project, store, _model(model)))

    @app.get("/models/{model}/drift", response_class=HTMLResponse)
    def page_drift(model: str) -> str:
        return pages.drift_page(model, drift_view(project, store, _model(model)))

    @app.get("/alerts", response_class=HTMLResponse)
    def page_alerts() -> str:
        return pages.alerts_page(alert_rows(store))

    @app.get("/runs", response_class=HTMLResponse)
    def page_runs() -> str:
        return pages.runs_page(run_rows(store))

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def page_run(run_id: str) -> str:
        return pages.run_page(api_run(run_id))

    return app
