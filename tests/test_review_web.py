"""The review web app through FastAPI's TestClient: access, CSRF, escaping of hostile documents,
size limits, security headers, editing with conflicts, evidence boxes, export and gold."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pymupdf
import pytest
from fastapi.testclient import TestClient

from pipeline.ingest import load
from pipeline.review.routing import RoutingRules
from pipeline.review.store import Store
from pipeline.review.web import check_bind, create_app
from pipeline.run import process
from tests.test_review_store import FOREST

TOKEN = "test-token-7f3a"
HOSTILE = FOREST.replace("二、预算执行情况", "单位简介<script>alert('x')</script><img src=x onerror=alert(1)>\n\n二、预算执行情况").replace(
    "三、自评结论", "备注：<b>粗体</b> & </pre><script>document.title='pwned'</script>\n\n三、自评结论")


@pytest.fixture
def setup(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'r.sqlite3'}", rules=RoutingRules(audit_rate=0.0))
    path = tmp_path / "forest.txt"
    path.write_text(HOSTILE, encoding="utf-8")
    document = load(path)
    item = store.add_record(document, process(document))
    app = create_app(store, TOKEN, gold_dir=tmp_path / "gold")
    yield store, item, app, tmp_path
    store.close()


def _login(client: TestClient, name: str = "lin") -> None:
    page = client.get("/login")
    nonce = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"token": TOKEN, "reviewer": name, "csrf": nonce, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_every_page_needs_the_token(setup):
    _, item, app, _ = setup
    client = TestClient(app)
    browser = {"accept": "text/html"}
    for path in ("/", f"/items/{item}", f"/items/{item}/page/1.png", "/export?format=jsonl"):
        assert client.get(path, follow_redirects=False).status_code == 401, path
    redirect = client.get(f"/items/{item}", headers=browser, follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == f"/login?next=/items/{item}"
    assert client.post(f"/items/{item}/approve", data={"version": 1}).status_code == 401
    assert client.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get("/static/review.js").status_code == 200  # the login page's own assets, no data
    forged = client.get("/", headers={"cookie": "review_session=bGlu.0000"}, follow_redirects=False)
    assert forged.status_code == 401


def test_login_sets_an_httponly_cookie_and_refuses_a_wrong_token(setup):
    _, _, app, _ = setup
    client = TestClient(app)
    page = client.get("/login")
    nonce = _csrf(page.text)
    wrong = client.post("/login", data={"token": "nope", "reviewer": "lin", "csrf": nonce}, follow_redirects=False)
    assert wrong.status_code == 303 and "error=1" in wrong.headers["location"] and "review_session" not in wrong.headers.get("set-cookie", "")
    no_csrf = client.post("/login", data={"token": TOKEN, "reviewer": "lin", "csrf": "guess"}, follow_redirects=False)
    assert no_csrf.status_code == 403
    ok = client.post("/login", data={"token": TOKEN, "reviewer": "lin", "csrf": nonce, "next": "//evil.example/"}, follow_redirects=False)
    cookie = ok.headers["set-cookie"]
    assert "review_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert ok.headers["location"] == "/"  # no open redirect


def test_forms_without_the_csrf_token_are_refused(setup):
    store, item, app, _ = setup
    client = TestClient(app)
    _login(client)
    version = store.item(item).version
    assert client.post(f"/items/{item}/approve", data={"version": version}).status_code == 403
    assert client.post(f"/items/{item}/approve", data={"version": version, "csrf": "0" * 64}).status_code == 403
    assert client.post("/gold", data={}).status_code == 403
    assert store.item(item).status == "queued" and store.audit(item) == []
    csrf = _csrf(client.get(f"/items/{item}").text)
    done = client.post(f"/items/{item}/approve", data={"version": version, "csrf": csrf, "reason": "ok"}, follow_redirects=False)
    assert done.status_code == 303 and store.item(item).status == "approved"
    assert store.audit(item)[0]["reviewer"] == "lin"


def test_hostile_document_text_is_escaped(setup):
    _, item, app, _ = setup
    client = TestClient(app)
    _login(client)
    html = client.get(f"/items/{item}").text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>粗体</b>" not in html
    assert "</pre><script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html and "&lt;b&gt;粗体&lt;/b&gt; &amp;" in html
    # The only script is the app's own file.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/review.js" defer>']


def test_security_headers_size_limit_and_bind_refusal(setup):
    _, item, app, _ = setup
    client = TestClient(app)
    for response in (client.get("/login"), client.get("/")):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
    _login(client)
    huge = client.post(f"/items/{item}/set", data={"field": "department", "value": "x" * 100_000, "version": 1, "csrf": "x"})
    assert huge.status_code == 413
    check_bind("127.0.0.1", False)
    check_bind("::1", False)
    for public in ("0.0.0.0", "192.168.1.20", "example.org"):
        with pytest.raises(ValueError, match="--allow-public"):
            check_bind(public, False)
    check_bind("0.0.0.0", True)


def test_edit_reruns_checks_and_a_stale_form_gets_a_conflict(setup):
    store, item, app, _ = setup
    first, second = TestClient(app), TestClient(app)
    _login(first, "lin")
    _login(second, "wu")
    page_one, page_two = first.get(f"/items/{item}").text, second.get(f"/items/{item}").text
    version = store.item(item).version
    saved = first.post(f"/items/{item}/set", data={"field": "budget.execution_rate", "value": "90", "reason": "typo",
                                                  "version": version, "csrf": _csrf(page_one)})
    assert saved.status_code == 200 and "budget.execution_rate: 80.0 → 90" in saved.text
    assert "resolved: error execution_rate_mismatch" in saved.text
    stale = second.post(f"/items/{item}/set", data={"field": "budget.execution_rate", "value": "85",
                                                   "version": version, "csrf": _csrf(page_two)})
    assert stale.status_code == 409
    assert "Conflict" in stale.text and "lin" in stale.text and "90" in stale.text
    assert store.item(item).plain["budget"]["execution_rate"] == 90
    invalid = first.post(f"/items/{item}/set", data={"field": "report_type", "value": "poem",
                                                    "version": store.item(item).version, "csrf": _csrf(page_one)})
    assert invalid.status_code == 422 and "report_type" in invalid.text


def test_text_evidence_is_marked_and_alternatives_are_offered(setup):
    store, item, app, _ = setup
    client = TestClient(app)
    _login(client)
    html = client.get(f"/items/{item}").text
    view = store.item(item)
    quote = view.record.evidence["budget.actual"].quote
    assert f'<mark class="span value" data-field="budget.actual">{quote}</mark>' in html
    assert 'id="field-budget.actual"' in html
    plain = view.plain
    from pipeline.record import get_path

    offered = {(path, str(c.value)) for path, cands in view.record.candidates.items() for c in cands
               if not c.chosen and c.value != get_path(plain, path)}
    assert offered
    for path, value in offered:  # each rejected value is a one-click form setting that field
        assert f'name="field" value="{path}"><input type="hidden" name="value" value="{value}">' in html


def test_pdf_page_image_with_highlighted_boxes(tmp_path):
    pdf = tmp_path / "river.pdf"
    with pymupdf.open() as doc:
        page = doc.new_page(width=595, height=842)
        lines = FOREST.splitlines()
        for i, line in enumerate(lines):
            page.insert_text((50, 60 + 22 * i), line, fontname="china-s", fontsize=11)
        doc.save(pdf)
    store = Store(f"sqlite:///{tmp_path / 'r.sqlite3'}", rules=RoutingRules(audit_rate=0.0))
    document = load(pdf)
    item = store.add_record(document, process(document))
    client = TestClient(create_app(store, TOKEN))
    headers = {"authorization": f"Bearer {TOKEN}"}
    html = client.get(f"/items/{item}", headers=headers).text
    assert f'<image href="/items/{item}/page/1.png"' in html
    rect = re.search(r'<rect class="box value" data-field="budget.actual" x="([\d.]+)" y="([\d.]+)"', html)
    assert rect is not None
    # The box sits where the page prints the actual's line (the 4th line of the invented report).
    actual_line = next(i for i, line in enumerate(FOREST.splitlines()) if "540.00" in line)
    assert abs(float(rect.group(2)) - (60 + 22 * actual_line - 11)) < 8
    image = client.get(f"/items/{item}/page/1.png", headers=headers)
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/items/{item}/page/9.png", headers=headers).status_code == 404
    store.close()


def test_export_and_gold_through_the_app(setup):
    store, item, app, tmp_path = setup
    client = TestClient(app)
    _login(client)
    store.approve(item, "lin", store.item(item).version)
    jsonl = client.get("/export?format=jsonl")
    assert json.loads(jsonl.text.splitlines()[0])["doc_id"] == "forest"
    csv_zip = zipfile.ZipFile(io.BytesIO(client.get("/export?format=csv").content))
    assert sorted(csv_zip.namelist()) == ["documents.csv", "findings.csv", "indicators.csv", "projects.csv"]
    assert client.get("/export?format=xlsx").content[:2] == b"PK"
    assert client.get("/export?format=exe").status_code == 400
    csrf = _csrf(client.get(f"/items/{item}").text)
    saved = client.post("/gold", data={"csrf": csrf, "item_id": item})
    assert saved.status_code == 200 and "forest.json" in saved.text
    assert json.loads((tmp_path / "gold" / "forest.json").read_text(encoding="utf-8"))["budget"]["actual"] == 540.0


@pytest.mark.ocr
def test_scanned_page_evidence_boxes_come_from_ocr(tmp_path):
    from pipeline.review.evidence import evidence_rects

    lines = FOREST.splitlines()
    scan = tmp_path / "scan.pdf"
    with pymupdf.open() as printed, pymupdf.open() as out:
        page = printed.new_page(width=595, height=842)
        for i, line in enumerate(lines):
            page.insert_text((40, 60 + 26 * i), line, fontname="china-s", fontsize=10)
        pixmap = page.get_pixmap(dpi=200)
        image_page = out.new_page(width=595, height=842)
        image_page.insert_image(image_page.rect, stream=pixmap.tobytes("png"))
        out.save(scan)
    document = load(scan)
    assert document.pages[0].engine == "ocr" and document.pages[0].boxes
    record = process(document)
    evidence = record.evidence["budget.actual"]
    (rects,) = evidence_rects(document, evidence).values()
    assert rects
    actual_line = next(i for i, line in enumerate(lines) if "540.00" in line)
    baseline = 60 + 26 * actual_line
    assert all(baseline - 16 < r.y0 < baseline and baseline - 8 < r.y1 < baseline + 6 for r in rects)
    # Inside the line, the box is cut to the figure, well right of the line's start.
    assert all(r.x0 > 200 and r.x1 - r.x0 < 120 for r in rects)
    store = Store(f"sqlite:///{tmp_path / 'r.sqlite3'}", rules=RoutingRules(audit_rate=0.0))
    item = store.add_record(document, record)
    html = TestClient(create_app(store, TOKEN)).get(f"/items/{item}", headers={"authorization": f"Bearer {TOKEN}"}).text
    assert '<rect class="box value" data-field="budget.actual"' in html and f'/items/{item}/page/1.png' in html
    store.close()


def test_the_token_comes_from_the_environment_or_is_generated(monkeypatch):
    from pipeline.review.web import reviewer_token

    monkeypatch.setenv("PIPELINE_REVIEW_TOKEN", "chosen-one")
    assert reviewer_token() == ("chosen-one", False)
    monkeypatch.delenv("PIPELINE_REVIEW_TOKEN")
    first, generated = reviewer_token()
    assert generated and len(first) >= 32 and reviewer_token()[0] != first
