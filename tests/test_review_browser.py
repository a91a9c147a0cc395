"""The review queue in a real browser: Debian's chromium driven by Playwright (never `playwright
install`, which downloads browsers and fails here). Log in, open an item, see the evidence boxes
on the page image, correct a value with the keyboard, approve, export, save as gold; then check
the database, the audit log and the gold file.

`.ci/run` installs chromium and fonts-noto-cjk from Debian when missing; without a chromium the
test skips and says so. Set PIPELINE_REVIEW_SCREENSHOTS=docs to refresh the README's screenshots.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pymupdf
import pytest

from pipeline.ingest import load
from pipeline.review.routing import RoutingRules
from pipeline.review.store import Store
from pipeline.review.web import create_app
from pipeline.run import process
from tests.test_review_store import CULTURE, FOREST

CHROMIUM = Path(os.environ.get("PIPELINE_CHROMIUM", "/usr/bin/chromium"))
TOKEN = "browser-token-51c2"
pytestmark = pytest.mark.browser


def _pdf(path: Path, text: str) -> Path:
    with pymupdf.open() as doc:
        page = doc.new_page(width=595, height=842)
        for i, line in enumerate(text.splitlines()):
            page.insert_text((50, 60 + 22 * i), line, fontname="china-s", fontsize=9)
        doc.save(path)
    return path


@pytest.fixture
def server(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk (.ci/run does it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    import uvicorn

    store = Store(f"sqlite:///{tmp_path / 'r.sqlite3'}", rules=RoutingRules(audit_rate=1.0))
    items = {}
    for path in (_pdf(tmp_path / "forest.pdf", FOREST), tmp_path / "culture.txt"):
        if path.suffix == ".txt":
            path.write_text(CULTURE, encoding="utf-8")
        document = load(path)
        items[document.doc_id] = store.add_record(document, process(document))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(store, TOKEN, gold_dir=tmp_path / "gold")
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if uv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", store, items, tmp_path
    uv.should_exit = True
    thread.join(5)
    store.close()


def test_review_an_item_in_chromium(server):
    from playwright.sync_api import expect, sync_playwright

    base, store, items, tmp_path = server
    shots = Path(os.environ["PIPELINE_REVIEW_SCREENSHOTS"]) if os.environ.get("PIPELINE_REVIEW_SCREENSHOTS") else tmp_path
    forest = items["forest"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        page.goto(base + "/")
        expect(page).to_have_url(base + "/login?next=/")
        page.fill("#reviewer", "browser-reviewer")
        page.fill("#token", TOKEN)
        page.click("#login")
        expect(page.locator("#queue tbody tr")).to_have_count(2)
        expect(page.locator("#queue")).to_contain_text("青山县林业局")
        page.screenshot(path=str(shots / "review-queue.png"))

        page.click(f"#queue a.item-link[href='/items/{forest}']")
        expect(page.locator("svg.page image")).to_have_count(1)
        # The page image really loaded, and the selected field's evidence box is lit on it.
        assert page.evaluate("() => fetch(document.querySelector('svg.page image').getAttribute('href')).then(r => r.status)") == 200
        expect(page.locator("rect.box.active").first).to_be_visible()

        # Keyboard: walk to the execution rate with j, edit with e, save with Enter.
        for _ in range(40):
            if page.locator("tr.field.selected").get_attribute("data-field") == "budget.execution_rate":
                break
            page.keyboard.press("j")
        assert page.locator("tr.field.selected").get_attribute("data-field") == "budget.execution_rate"
        lit = page.locator("rect.box.active")
        expect(lit.first).to_have_attribute("data-field", "budget.execution_rate")
        page.screenshot(path=str(shots / "review-item.png"))
        page.keyboard.press("e")
        page.keyboard.press("Control+A")
        page.keyboard.type("90")
        page.keyboard.press("Enter")
        expect(page.locator("#message")).to_contain_text("budget.execution_rate: 80.0 → 90")
        expect(page.locator("tr.field.selected")).to_have_attribute("data-field", "budget.execution_rate")
        expect(page.locator("tr.field.selected .machine")).to_contain_text("80.0")

        page.keyboard.press("a")  # approve; the app moves to the next open item
        expect(page.locator("#message")).to_contain_text(f"item {forest}: approve done")

        exported = page.request.get(base + "/export?format=jsonl")
        assert json.loads(exported.text().splitlines()[0])["budget"]["execution_rate"] == 90

        page.goto(f"{base}/items/{forest}")
        page.click("#gold-btn")
        expect(page.locator("#done")).to_contain_text("forest.json")
        assert errors == [], errors  # no CSP violations or script errors
        browser.close()

    view = store.item(forest)
    assert view.status == "approved" and view.plain["budget"]["execution_rate"] == 90
    assert [(a["reviewer"], a["action"], a["field"]) for a in store.audit(forest)] == [
        ("browser-reviewer", "set", "budget.execution_rate"), ("browser-reviewer", "approved", None)]
    gold = json.loads((tmp_path / "gold" / "forest.json").read_text(encoding="utf-8"))
    assert gold["budget"]["execution_rate"] == 90 and (tmp_path / "gold" / "forest.pdf").exists()
