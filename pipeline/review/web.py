"""The review web app: FastAPI + Jinja2, server-rendered, a little vanilla JS for keys.

Security, because documents are untrusted and records are not public:

* every page and action needs the reviewer token: ``Authorization: Bearer <token>`` (scripts), or
  the login form, which sets an HttpOnly, SameSite=Strict session cookie signed with the token;
* every form carries a CSRF token (HMAC of the session) that a cookie-authenticated POST must
  return; the login form uses a double-submit cookie;
* all document text goes through Jinja's autoescaping (no ``|safe`` anywhere);
* request bodies over ``max_body`` bytes are refused (413), and chunked uploads without a length
  (411);
* a Content-Security-Policy allows only this origin's scripts, styles and images (no inline code),
  frames are refused;
* ``check_bind`` refuses a non-loopback address unless asked explicitly (``--allow-public``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware

from pipeline.config import Settings
from pipeline.record import LIST_FIELDS, VALUE_PATHS, get_path
from pipeline.review.evidence import evidence_rects, render_page
from pipeline.review.routing import field_confidence
from pipeline.review.store import OPEN_STATUSES, STATUSES, Conflict, ReviewError, Store, parse_value

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "review_session"
LOGIN_COOKIE = "review_login_csrf"
MAX_BODY = 64 * 1024
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'; connect-src 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def reviewer_token() -> tuple[str, bool]:
    """PIPELINE_REVIEW_TOKEN, or a fresh random one (True: generated, print it)."""
    secret = Settings().review_token
    token = secret.get_secret_value().strip() if secret else ""
    return (token, False) if token else (secrets.token_urlsafe(24), True)


def check_bind(host: str, allow_public: bool) -> None:
    """Refuse to serve on a non-loopback address without ``allow_public``."""
    if allow_public:
        return
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"refusing to bind {host}: not a loopback address; pass --allow-public to serve reviewers over the network")


class _Guard(BaseHTTPMiddleware):
    """Size limit and security headers on every response."""

    def __init__(self, app, max_body: int):
        super().__init__(app)
        self.max_body = max_body

    async def dispatch(self, request: Request, call_next):
        if request.method in ("POST", "PUT", "PATCH"):
            length = request.headers.get("content-length")
            if length is None:
                response: Response = Response("a request body needs a Content-Length", status_code=411)
            elif not length.isdigit() or int(length) > self.max_body:
                response = Response(f"request body over {self.max_body} bytes", status_code=413)
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


@dataclass
class Auth:
    reviewer: str
    via_cookie: bool
    session: str = ""


class _Web:
    """What every route of the review app shares: the store, the templates, the reviewer token and
    the signing of sessions and CSRF tokens with a key derived from it."""

    def __init__(self, store: Store, token: str, gold_dir: Path) -> None:
        self.store, self.token, self.gold_dir = store, token, gold_dir
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.secret = hashlib.sha256(("review:" + token).encode()).digest()
        self.page_cache: dict[tuple[str, int], bytes] = {}

    def sign(self, message: str) -> str:
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()

    def make_session(self, reviewer: str) -> str:
        name = base64.urlsafe_b64encode(reviewer.encode()).decode()
        return f"{name}.{self.sign('session:' + name)}"

    def csrf_for(self, session: str) -> str:
        return self.sign("csrf:" + session)

    def authenticate(self, request: Request) -> Auth | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            if hmac.compare_digest(header[7:].strip().encode(), self.token.encode()):
                return Auth(reviewer=request.headers.get("x-reviewer", "api").strip()[:128] or "api", via_cookie=False)
            return None
        session = request.cookies.get(SESSION_COOKIE, "")
        name, _, signature = session.partition(".")
        if name and hmac.compare_digest(signature, self.sign("session:" + name)):
            try:
                return Auth(reviewer=base64.urlsafe_b64decode(name.encode()).decode(), via_cookie=True, session=session)
            except (ValueError, UnicodeDecodeError):
                return None
        return None

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        auth: Auth = request.state.auth
        context.update(reviewer=auth.reviewer, csrf=self.csrf_for(auth.session) if auth.via_cookie else "")
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def item_page(self, request: Request, item_id: int, status_code: int = 200, **extra: Any) -> HTMLResponse:
        try:
            view = self.store.item(item_id)
            document = self.store.document(item_id)
        except ReviewError as error:
            return HTMLResponse(f"<p>{_escape(str(error))}</p>", status_code=404)
        fields = _fields(view, document)
        open_ids = [v.id for v in self.store.items()]
        later = [i for i in open_ids if i != item_id]
        next_id = next((i for i in open_ids[open_ids.index(item_id) + 1:]), None) if item_id in open_ids else (later[0] if later else None)
        pages = _pages(view, document, fields)
        return self.render(request, "item.html", status_code=status_code, item=view, fields=fields, pages=pages,
                      findings=_findings(view, document), next_id=next_id, audit=self.store.audit(item_id),
                      image_pages=view.media_type in ("pdf", "image") and Path(view.path).is_file(), **extra)


def create_app(store: Store, token: str, gold_dir: Path = Path("data/gold"), max_body: int = MAX_BODY) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    web = _Web(store, token, gold_dir)
    guarded = _install_security(app, web, max_body)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _login_routes(app, web, guarded)
    _queue_routes(app, web)
    _action_routes(app, web, guarded)
    return app


def _install_security(app: FastAPI, web: _Web, max_body: int) -> list:
    """The token on every request but the login page's, the size limit and security headers on
    every response, and the CSRF dependency the form routes carry."""
    @app.middleware("http")
    async def require_token(request: Request, call_next):
        # The login page and its stylesheet and script are public (they hold no data); all else is not.
        if request.url.path in ("/login", "/favicon.ico") or request.url.path.startswith("/static/"):
            return await call_next(request)
        auth = web.authenticate(request)
        if auth is None:
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
            return JSONResponse({"detail": "reviewer token required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        request.state.auth = auth
        return await call_next(request)

    # Added last, so outermost: the size limit and the headers apply to refusals too.
    app.add_middleware(_Guard, max_body=max_body)

    async def csrf_checked(request: Request) -> None:
        """A cookie-authenticated form must return the session's CSRF token (a bearer token is no
        ambient credential a foreign page could use)."""
        auth: Auth = request.state.auth
        if auth.via_cookie:
            form = await request.form()
            if not hmac.compare_digest(str(form.get("csrf", "")), web.csrf_for(auth.session)):
                raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return [Depends(csrf_checked)]


def _login_routes(app: FastAPI, web: _Web, guarded: list) -> None:

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/", error: str = "") -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        response = web.templates.TemplateResponse(request, "login.html", {"next": _local(next), "csrf": nonce, "error": error})
        response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", path="/login")
        return response

    @app.post("/login")
    def login(request: Request, token_field: str = Form("", alias="token"), reviewer: str = Form(""),
              csrf: str = Form(""), next: str = Form("/")) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(csrf, expected):
            return HTMLResponse("<h1>403</h1><p>missing or wrong CSRF token: reload the login page</p>", status_code=403)
        reviewer = reviewer.strip()[:128]
        if not hmac.compare_digest(token_field.strip().encode(), web.token.encode()) or not reviewer:
            return RedirectResponse(f"/login?error=1&next={quote(_local(next))}", status_code=303)
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, web.make_session(reviewer), httponly=True, samesite="strict", path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.post("/logout", dependencies=guarded)
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _queue_routes(app: FastAPI, web: _Web) -> None:

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request, status: str = "open", reason: str = "", reviewer: str = "") -> HTMLResponse:
        statuses = OPEN_STATUSES if status == "open" else (None if status == "all" else status)
        views = web.store.items(status=statuses, reason=reason or None, reviewer=reviewer or None)
        return web.render(request, "queue.html", items=views, counts=web.store.counts(), status=status, reason=reason,
                      filter_reviewer=reviewer, statuses=("open", *STATUSES, "all"))

    @app.get("/items/{item_id}", response_class=HTMLResponse)
    def item_page(request: Request, item_id: int, message: str = "") -> HTMLResponse:
        return web.item_page(request, item_id, message=message)

    @app.get("/items/{item_id}/page/{number}.png")
    def page_image(item_id: int, number: int) -> Response:
        try:
            view = web.store.item(item_id)
        except ReviewError:
            return Response(status_code=404)
        key = (view.sha256, number)
        if key not in web.page_cache:
            try:
                web.page_cache[key] = render_page(view.path, number)
            except (IndexError, RuntimeError, ValueError, OSError):
                return Response(status_code=404)
        return Response(web.page_cache[key], media_type="image/png")


def _action_routes(app: FastAPI, web: _Web, guarded: list) -> None:

    @app.post("/items/{item_id}/set", dependencies=guarded)
    def set_value(request: Request, item_id: int, field: str = Form(...), value: str = Form(""),
                  version: int = Form(...), reason: str = Form("")) -> Response:
        try:
            result = web.store.set_field(item_id, field, parse_value(field, value), request.state.auth.reviewer, version, reason or None)
        except Conflict as conflict:
            return web.item_page(request, item_id, status_code=409, conflict=str(conflict), conflict_changes=conflict.changes)
        except ReviewError as error:
            return web.item_page(request, item_id, status_code=422, error=str(error))
        changed = [f"{field}: {_short(result['old'])} → {_short(result['new'])}"]
        changed += [f"resolved: {k}" for k in result["resolved"]] + [f"new finding: {k}" for k in result["new_findings"]]
        return RedirectResponse(f"/items/{item_id}?message={quote(' · '.join(changed))}#field-{quote(field)}", status_code=303)

    def _status_action(request: Request, item_id: int, action: str, version: int, reason: str) -> Response:
        try:
            getattr(web.store, action)(item_id, request.state.auth.reviewer, version, reason or None)
        except Conflict as conflict:
            return web.item_page(request, item_id, status_code=409, conflict=str(conflict), conflict_changes=conflict.changes)
        except ReviewError as error:
            return web.item_page(request, item_id, status_code=422, error=str(error))
        open_ids = [v.id for v in web.store.items()]
        target = f"/items/{open_ids[0]}" if open_ids else "/"
        return RedirectResponse(f"{target}?message={quote(f'item {item_id}: {action} done')}", status_code=303)

    @app.post("/items/{item_id}/approve", dependencies=guarded)
    def approve(request: Request, item_id: int, version: int = Form(...), reason: str = Form("")) -> Response:
        return _status_action(request, item_id, "approve", version, reason)

    @app.post("/items/{item_id}/reject", dependencies=guarded)
    def reject(request: Request, item_id: int, version: int = Form(...), reason: str = Form("")) -> Response:
        return _status_action(request, item_id, "reject", version, reason)

    @app.post("/items/{item_id}/send-back", dependencies=guarded)
    def send_back(request: Request, item_id: int, version: int = Form(...), reason: str = Form("")) -> Response:
        return _status_action(request, item_id, "send_back", version, reason)

    @app.get("/export")
    def export(format: str = "jsonl") -> Response:
        from pipeline.review.exporting import export_approved

        workdir = Path(tempfile.mkdtemp(prefix="review-export-"))
        if format == "jsonl":
            (path,) = export_approved(web.store, "jsonl", workdir / "approved.jsonl")
        elif format == "xlsx":
            (path,) = export_approved(web.store, "xlsx", workdir / "approved.xlsx")
        elif format == "csv":
            import zipfile

            paths = export_approved(web.store, "csv", workdir)
            path = workdir / "approved-csv.zip"
            with zipfile.ZipFile(path, "w") as archive:
                for p in paths:
                    archive.write(p, p.name)
        else:
            return Response("format: jsonl, csv or xlsx", status_code=400)
        return FileResponse(path, filename=path.name)

    @app.post("/gold", response_class=HTMLResponse, dependencies=guarded)
    def gold(request: Request, item_id: int | None = Form(None)) -> HTMLResponse:
        from pipeline.review.gold import save_gold

        try:
            views = [web.store.item(item_id)] if item_id else web.store.items(status="approved")
            written = [save_gold(v, web.gold_dir) for v in views]
        except (ReviewError, ValueError) as error:
            return web.render(request, "done.html", status_code=422, title="save as gold", lines=[str(error)])
        return web.render(request, "done.html", title="save as gold",
                      lines=[f"wrote {p}" for p in written] or ["no approved records"])


# --- what the item page shows -------------------------------------------------------------------------


@dataclass
class FieldRow:
    path: str
    value: Any
    machine: Any
    corrected: dict | None
    confidence: float | None
    match: str | None
    label: str | None
    quote: str | None
    page: int | None
    candidates: list[Any]
    index: int = 0


def _fields(view, document) -> list[FieldRow]:
    plain = view.plain
    paths = list(VALUE_PATHS)
    for list_path, spec in LIST_FIELDS.items():
        for i, _ in enumerate(plain.get(list_path) or []):
            paths += [f"{list_path}[{i}].name", *(f"{list_path}[{i}].{f}" for f in spec.item_fields)]
    rows = []
    for index, path in enumerate(paths):
        evidence = view.record.evidence.get(path)
        value = get_path(plain, path)
        candidates = []
        for c in view.record.candidates.get(path, []):
            if not c.chosen and c.value != value and c.value not in candidates:
                candidates.append(c.value)
        rows.append(FieldRow(
            path=path, value=value, machine=view.machine_value(path), corrected=view.corrections.get(path),
            confidence=field_confidence(evidence) if evidence else None, match=evidence.match if evidence else None,
            label=evidence.label if evidence else None, quote=evidence.quote if evidence else None,
            page=evidence.page if evidence else None, candidates=candidates[:5], index=index,
        ))
    return rows


@dataclass
class PageView:
    number: int
    width: float
    height: float
    rects: list[dict]  # {x, y, w, h, field, kind}
    segments: list[tuple[str, str | None, str]]  # (text, field, kind) for text pages


def _pages(view, document, fields: list[FieldRow]) -> list[PageView]:
    marks: dict[int, list[tuple[int, int, str, str]]] = {}
    rects: dict[int, list[dict]] = {}

    def add(evidence, field: str, kind: str) -> None:
        if evidence.page is not None and evidence.start is not None:
            marks.setdefault(evidence.page, []).append((evidence.start, evidence.end, field, kind))
            for part in evidence.parts:
                marks.setdefault(part.page, []).append((part.start, part.end, field, kind))
        for number, found in evidence_rects(document, evidence).items():
            rects.setdefault(number, []).extend(
                {"x": r.x0, "y": r.y0, "w": max(r.x1 - r.x0, 1), "h": max(r.y1 - r.y0, 1), "field": field, "kind": kind} for r in found)

    for row in fields:
        if (evidence := view.record.evidence.get(row.path)) is not None:
            add(evidence, row.path, "value")
    for n, finding in enumerate(view.findings):
        for evidence in finding.evidence:
            add(evidence, f"finding-{n}", "finding")
    pages = []
    for page in document.pages:
        width, height = page.size or (0, 0)
        pages.append(PageView(page.number, width, height, rects.get(page.number, []), _segments(page.text, marks.get(page.number, []))))
    return pages


def _segments(text: str, marks: list[tuple[int, int, str, str]]) -> list[tuple[str, str | None, str]]:
    """The page text cut at the evidence spans (overlapping spans: the first wins), for escaping
    piece by piece in the template."""
    out, pos = [], 0
    for start, end, field, kind in sorted(marks, key=lambda m: (m[0], -m[1])):
        if start < pos or end <= start:
            continue
        if start > pos:
            out.append((text[pos:start], None, ""))
        out.append((text[start:end], field, kind))
        pos = end
    if pos < len(text):
        out.append((text[pos:], None, ""))
    return out


def _findings(view, document) -> list[dict]:
    found = []
    for n, f in enumerate(view.findings):
        found.append({"id": f"finding-{n}", "severity": f.severity, "kind": f.kind, "check": f.check, "message": f.message,
                      "stated": f.stated, "computed": f.computed, "fields": f.fields,
                      "numbers": [e.quote for e in f.evidence if e.quote]})
    return found


def _local(target: str) -> str:
    """Only same-site paths as redirect targets (no open redirect through ?next=)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _short(value: Any) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _escape(text: str) -> str:
    import html

    return html.escape(text)
