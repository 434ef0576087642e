"""`phalanx serve`'s HTTP side: the report API (tokens) and a few pages (login).

    app = create_app(service)       # a FastAPI app over a ReportingService

API, with `Authorization: Bearer <token>` (tokens from `phalanx mail add-token`):
    POST /api/reports                 raw message as the body (?reporter=addr) -> 202 {submission}
    GET  /api/reports[?verdict=]      newest first      GET /api/reports/{id}   with its analysis
    GET  /api/submissions/{id}        what a report became
    GET  /api/campaigns               GET /api/takedowns[?status=]
    POST /api/takedowns/status        {"key", "status", "note"}
    GET  /api/takedowns/evidence?key= the evidence pack (zip) for the host's abuse desk
    GET  /api/status                  queue and verdict counts;   GET /healthz without a token

Pages, after a login (users from `phalanx mail add-user`): upload a message; lists of reports,
campaigns and takedown cases. Reported mail is shown as escaped text only: its HTML is never
rendered, no script runs on any page (Content-Security-Policy forbids it) and no link in it is
made clickable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from phalanx.mail.takedown import Status, TransitionError
from phalanx.server import auth
from phalanx.server.service import ReportingService, ReportRefused

SESSION_COOKIE = "phalanx_session"
_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _service(request: Request) -> ReportingService:
    service: ReportingService = request.app.state.service
    return service


def api_user(request: Request) -> str:
    """The name of the API token presented, or 401."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    store = _service(request).store
    owner = auth.token_owner(store, token.strip()) if scheme.lower() == "bearer" else None
    if owner is None:
        raise HTTPException(
            401,
            "a valid API token is needed: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return owner


def page_user(request: Request) -> str:
    """The logged-in user, or a redirect to the login page."""
    user = auth.session_user(_service(request).store, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise HTTPException(303, headers={"Location": "/login"})
    return user


Api = Annotated[str, Depends(api_user)]
Page = Annotated[str, Depends(page_user)]


class StatusChange(BaseModel):
    key: str
    status: Status
    note: str = ""


def create_app(service: ReportingService) -> FastAPI:
    app = FastAPI(
        title="Phalanx suspicious email reporting service",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.service = service
    store = service.store
    limit = service.settings.server.max_report_bytes
    hours = service.settings.server.session_hours

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(_SECURITY_HEADERS)
        return response

    # --- API ------------------------------------------------------------------------------

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/reports", status_code=202)
    async def post_report(
        request: Request, user: Api, reporter: str | None = None
    ) -> dict[str, Any]:
        raw = await _read_body(request, limit)
        sid = await _submit(service, raw, "http", reporter or None, f"API token {user}")
        return {"submission": sid, "status": f"/api/submissions/{sid}"}

    @app.get("/api/reports")
    def get_reports(
        _: Api,
        verdict: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[dict[str, Any]]:
        return store.list_reports(verdict, limit, offset)

    @app.get("/api/reports/{rid}")
    def get_report(rid: str, _: Api) -> dict[str, Any]:
        report = store.report(rid)
        if report is None:
            raise HTTPException(404, f"no report {rid}")
        report["campaign"] = service.explain(rid) if report["state"] == "done" else []
        return report

    @app.get("/api/submissions/{sid}")
    def get_submission(sid: int, _: Api) -> dict[str, Any]:
        found = store.submission_reports(sid)
        if found is None:
            raise HTTPException(404, f"no submission {sid}")
        return found

    @app.get("/api/campaigns")
    def get_campaigns(_: Api) -> list[dict[str, Any]]:
        return [c.to_dict() for c in service.campaigns()]

    @app.get("/api/takedowns")
    def get_takedowns(_: Api, status: Status | None = None) -> list[dict[str, Any]]:
        return [c.to_dict() for c in store.list_takedowns(status.value if status else None)]

    @app.post("/api/takedowns/status")
    def post_takedown_status(change: StatusChange, user: Api) -> dict[str, Any]:
        note = f"{change.note} ({user})".strip()
        try:
            return service.set_takedown_status(change.key, change.status, note).to_dict()
        except KeyError as exc:
            raise HTTPException(404, f"no takedown case {change.key}") from exc
        except TransitionError as exc:
            raise HTTPException(409, str(exc)) from exc

    @app.get("/api/takedowns/evidence")
    def get_evidence(key: str, _: Api) -> Response:
        try:
            pack = service.evidence_pack(key)
        except KeyError as exc:
            raise HTTPException(404, f"no takedown case {key}") from exc
        name = "".join(c if c.isalnum() or c in ".-" else "_" for c in key)[:60]
        return Response(pack, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="evidence-{name}.zip"'})

    @app.get("/api/status")
    def get_status(_: Api) -> dict[str, int]:
        return store.counts()

    # --- pages ----------------------------------------------------------------------------

    def render(request: Request, name: str, user: str | None, **context: Any) -> HTMLResponse:
        session = request.cookies.get(SESSION_COOKIE, "")
        return _TEMPLATES.TemplateResponse(
            request, name, {"user": user, "csrf": auth.csrf_token(session), **context}
        )

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return render(request, "login.html", None, error=None)

    @app.post("/login", response_model=None)
    def login(
        request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        session = auth.login(store, name, password, hours)
        if session is None:
            return render(request, "login.html", None, error="Wrong name or password.")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE, session, max_age=int(hours * 3600), httponly=True,
            samesite="strict", secure=request.url.scheme == "https",
        )
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form()]) -> RedirectResponse:
        session = request.cookies.get(SESSION_COOKIE, "")
        if session and csrf == auth.csrf_token(session):
            store.drop_session(auth.digest(session))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, user: Page) -> HTMLResponse:
        return render(request, "home.html", user, counts=store.counts(),
                      reports=store.list_reports(limit=20), message=request.query_params.get("m"))

    @app.post("/upload")
    async def upload(
        request: Request,
        user: Page,
        csrf: Annotated[str, Form()],
        message: Annotated[UploadFile, File()],
    ) -> RedirectResponse:
        if csrf != auth.csrf_token(request.cookies.get(SESSION_COOKIE, "")):
            raise HTTPException(403, "the form is out of date; reload the page")
        raw = await message.read(limit + 1)
        if len(raw) > limit:
            raise HTTPException(413, f"the report is over the {limit:,}-byte limit")
        note = f"uploaded by {user}: {(message.filename or '')[:200]}"
        sid = await _submit(service, raw, "upload", None, note)
        return RedirectResponse(f"/?m=Stored+as+submission+{sid}", status_code=303)

    @app.get("/reports", response_class=HTMLResponse)
    def reports_page(
        request: Request, user: Page, verdict: str | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> HTMLResponse:
        rows = store.list_reports(verdict or None, 100, offset)
        return render(request, "reports.html", user, reports=rows, verdict=verdict or "",
                      offset=offset)

    @app.get("/reports/{rid}", response_class=HTMLResponse)
    def report_page(request: Request, rid: str, user: Page) -> HTMLResponse:
        report = store.report(rid)
        if report is None:
            raise HTTPException(404, f"no report {rid}")
        explained = service.explain(rid) if report["state"] == "done" else []
        return render(request, "report.html", user, report=report, campaign=explained)

    @app.get("/campaigns", response_class=HTMLResponse)
    def campaigns_page(request: Request, user: Page) -> HTMLResponse:
        return render(request, "campaigns.html", user, campaigns=service.campaigns()[:200])

    @app.get("/takedowns", response_class=HTMLResponse)
    def takedowns_page(request: Request, user: Page, status: str | None = None) -> HTMLResponse:
        cases = store.list_takedowns(status or None)
        return render(request, "takedowns.html", user, cases=cases, status=status or "")

    @app.exception_handler(ReportRefused)
    def _refused(_: Request, exc: ReportRefused) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=413 if "limit" in str(exc) else 400)

    return app


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes the limit (never held whole if too big)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the report is over the {limit:,}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def _submit(
    service: ReportingService, raw: bytes, source: str, reporter: str | None, note: str
) -> int:
    return await run_in_threadpool(service.submit, raw, source, reporter, note)
