"""The citizens' chat page in a real browser (Debian's Chromium driven by Playwright) against the real stack:
the web gateway, Rasa and the action server."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from bot.serve import start_rasa, start_web, wait_healthy
from channels.wechat_text import document_link
from conftest import port
from knowledge.config import PROJECT_ROOT
from knowledge.ingest.cleaning import strip_pinyin
from knowledge.text.script import is_traditional, to_simplified

CHROMIUM = Path(os.environ.get("POLICYBOT_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# As root in a sandbox, and with no network: nothing of Chromium's own may try to go out.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PHONE = {"width": 375, "height": 740}
WEB_PORT, DOWN_WEB_PORT, LATE_RASA_PORT = port(18000), port(18001), port(15008)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: `apt-get install -y chromium`")


@pytest.fixture(scope="module")
def web(stack, stack_settings, tmp_path_factory):
    settings = stack_settings.replace(web_port=WEB_PORT, rasa_token=stack.rasa_token)
    proc = start_web(settings, stack.rasa_url, stack.actions_url, tmp_path_factory.mktemp("web") / "web.log")
    try:
        wait_healthy(f"http://127.0.0.1:{WEB_PORT}/", proc, "the web gateway")
        yield f"http://127.0.0.1:{WEB_PORT}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.outside = []
    tab.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:")) else tab.outside.append(r.url))
    yield tab
    context.close()


def open_chat(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def ask(page, text: str):
    """Types a question, sends it with Enter and waits for the bot's reply; returns the last reply bubble."""
    before = page.locator(".row.bot").count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.row.bot').length > n && !document.querySelector('.typing')", arg=before,
        timeout=60_000)
    return page.locator(".row.bot .bubble").last


def test_question_answered_with_citation_card_and_source(web, page):
    open_chat(page, web)
    bubble = ask(page, "怎么办理不动产登记？")
    assert "登记" in bubble.inner_text()
    markers = bubble.locator("button.cite")
    assert markers.count() >= 1
    markers.first.click()
    sheet = page.locator("#sheet")
    sheet.wait_for(state="visible")
    assert page.locator("#sheet-title").inner_text().strip()
    highlighted = page.locator("#sheet-quote mark").inner_text()
    passage = page.locator("#sheet-quote").inner_text()
    # The cited sentence inside its passage, cleaned and in the question's (simplified) script.
    assert len(highlighted) > 5 and highlighted in passage and len(passage) > len(highlighted) + 20
    assert not is_traditional(highlighted), highlighted
    page.get_by_role("button", name="查看原文").click()
    cited = page.locator("#source-text mark#cited")
    cited.wait_for(state="visible")
    # The source view marks the citation's exact span of the original, the same sentence as the card's (which
    # is cleaned: the original may carry scraped pinyin such as 我區(qū)).
    original = cited.inner_text()
    assert len(original) > 5 and (highlighted[:4] in to_simplified(strip_pinyin(original)) or original[:4] in highlighted)
    assert cited.evaluate("m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight }")
    full = page.locator("#source-text").inner_text()
    assert len(full) > len(highlighted) * 3  # the whole document, not only the passage
    page.get_by_role("button", name="返回对话").click()
    assert page.locator("#source").is_hidden()
    assert not page.errors and not page.outside, (page.errors, page.outside)


def test_a_source_link_opens_the_document_with_the_span_highlighted(web, page, stack):
    """The link the WeChat channel sends for a source (channels/wechat_text.py) opens the chat page's document
    view, the cited span marked and in view."""
    reply = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60,
                       json={"sender": f"link-{uuid.uuid4().hex[:8]}", "message": "吉阳区设置了几个综合受理窗口？"})
    citation = next(m["custom"]["citations"][0] for m in reply.json() if (m.get("custom") or {}).get("citations"))
    page.goto(document_link(web, citation["doc_id"], citation["start"], citation["end"]))
    page.wait_for_selector("body[data-ready=true]")
    cited = page.locator("#source-text mark#cited")
    cited.wait_for(state="visible")
    assert cited.text_content() == citation["quote"]
    assert page.locator("#source-title").inner_text() == citation["title"]
    assert cited.evaluate("m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight }")
    page.get_by_role("button", name="返回对话").click()
    assert page.locator("#source").is_hidden() and page.locator(".row.bot").count() >= 1  # the chat beneath
    assert not page.errors and not page.outside, (page.errors, page.outside)


def test_welcome_chips_come_from_the_corpus_and_ask(web, page):
    open_chat(page, web)
    chips = page.locator(".chip")
    chips.first.wait_for()
    assert chips.count() >= 2
    first = chips.first.inner_text()
    before = page.locator(".row.bot").count()
    chips.first.click()
    page.wait_for_function("n => document.querySelectorAll('.row.bot').length > n && !document.querySelector('.typing')",
                           arg=before, timeout=60_000)
    assert page.locator(".row.user .bubble").last.inner_text() == first
    assert page.locator(".row.bot .bubble").last.locator("button.cite").count() >= 1


def test_feedback_reaches_the_export(web, page, stack_settings, tmp_path):
    open_chat(page, web)
    ask(page, "新余为多少家企业建立了信用档案？")
    comment = f"数字不够清楚-{uuid.uuid4().hex[:6]}"
    page.locator(".row.bot .bubble").last.get_by_role("button", name="没用", exact=True).click()
    page.get_by_label("反馈意见").fill(comment)
    page.get_by_role("button", name="提交").click()
    page.get_by_text("谢谢您的反馈").wait_for()
    out = tmp_path / "feedback.csv"
    env = {**os.environ, **stack_settings.to_env()}
    run = subprocess.run([sys.executable, "-m", "bot.cli", "feedback", "export", "--out", str(out)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    mine = [r for r in rows if r["comment"] == comment]
    assert len(mine) == 1 and mine[0]["rating"] == "down"
    assert "信用档案" in mine[0]["question"] and "[1]" in mine[0]["citations"]


def test_conversation_survives_a_reload(web, page):
    open_chat(page, web)
    ask(page, "吉阳区设置了几个综合受理窗口？")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.locator(".row.user .bubble", has_text="吉阳区设置了几个综合受理窗口").wait_for()
    answer = page.locator(".row.bot .bubble").last
    answer.locator("button.cite").first.wait_for()
    assert "6" in answer.inner_text()
    assert page.locator(".time").count() >= 1  # the history carries its times


def test_traditional_question_gets_a_traditional_answer(web, page):
    open_chat(page, web)
    bubble = ask(page, "臨川區怎麼辦理不動產登記？")
    text = bubble.inner_text()
    assert bubble.locator("button.cite").count() >= 1 and is_traditional(text), text


def test_markup_is_shown_as_text(web, page):
    open_chat(page, web)
    attack = "<img src=x onerror=alert(1)>"
    ask(page, attack)
    assert page.locator(".row.user .bubble").last.inner_text() == attack
    assert page.locator(".messages img:not(.avatar)").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []


def test_long_message_refused_with_a_clear_message(web, page):
    open_chat(page, web)
    page.fill("#input", "问" * 501)
    notice = page.locator("#notice")
    notice.wait_for(state="visible")
    assert "最多 500 个字" in notice.inner_text()
    reply = httpx.post(f"{web}/api/chat", json={"session": "long-test-1", "message": "问" * 501})
    assert reply.status_code == 413 and "500" in reply.json()["error"]


def test_layout_fits_a_phone_and_a_desktop(web, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, viewport in (("phone-375", PHONE), ("desktop-1280", {"width": 1280, "height": 800})):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        tab = context.new_page()
        open_chat(tab, web)
        ask(tab, "怎么办理不动产登记？")
        tab.locator(".row.bot .bubble").last.locator("button.cite").first.wait_for()
        tab.screenshot(path=str(ARTIFACTS / f"chat-{name}.png"))
        overflow = tab.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1);
            return {scroll: document.documentElement.scrollWidth - width, wide: wide.map(e => e.className || e.tagName)};
        }""")
        assert overflow["scroll"] <= 0 and not overflow["wide"], (name, overflow)
        tab.locator(".row.bot .bubble").last.locator("button.cite").first.click()
        tab.locator("#sheet").wait_for(state="visible")
        tab.screenshot(path=str(ARTIFACTS / f"citation-{name}.png"))
        context.close()


def test_security_headers_and_document_access(web):
    page = httpx.get(web)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    for bad in ("../pyproject.toml", "../../knowledge/config.py", "/etc/passwd", "%2e%2e/README.md"):
        assert httpx.get(f"{web}/api/document", params={"id": bad}).status_code == 404
    ok = httpx.get(f"{web}/api/document", params={"id": "004_7877965d32ecbab8.txt"})
    assert ok.status_code == 200 and "新余" in ok.json()["text"]


def test_session_rate_limit(web):
    session = f"rate-{uuid.uuid4().hex[:8]}"
    codes = [httpx.post(f"{web}/api/chat", json={"session": session, "message": "你好"}, timeout=60).status_code
             for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_unavailable_then_recovers_on_its_own(stack, stack_settings, rasa_model, make_endpoints, browser, tmp_path):
    """The gateway starts before Rasa: the page says so, then recovers when Rasa comes up, without a reload; after
    a reload, the question asked while Rasa was down is there with the gateway's apology, before the answer."""
    settings = stack_settings.replace(web_port=DOWN_WEB_PORT, rasa_token="late-rasa-token")
    gateway = start_web(settings, f"http://127.0.0.1:{LATE_RASA_PORT}", stack.actions_url, tmp_path / "web.log")
    rasa = None
    context = browser.new_context(viewport=PHONE)
    try:
        wait_healthy(f"http://127.0.0.1:{DOWN_WEB_PORT}/", gateway, "the web gateway")
        tab = context.new_page()
        open_chat(tab, f"http://127.0.0.1:{DOWN_WEB_PORT}")
        banner = tab.locator("#banner")
        banner.wait_for(state="visible", timeout=15_000)
        assert "服务暂时不可用，请稍后再试" in banner.inner_text()
        bubble = ask(tab, "怎么办理不动产登记？")
        assert "服务暂时不可用" in bubble.inner_text()
        rasa = start_rasa(rasa_model, port=LATE_RASA_PORT, endpoints=make_endpoints(tmp_path, int(stack.actions_url.rsplit(":", 1)[1])),
                          log=tmp_path / "rasa.log", token=settings.rasa_token)
        wait_healthy(f"http://127.0.0.1:{LATE_RASA_PORT}/webhooks/rest/", rasa, "Rasa")
        banner.wait_for(state="hidden", timeout=30_000)
        bubble = ask(tab, "怎么办理不动产登记？")
        assert bubble.locator("button.cite").count() >= 1
        tab.reload()
        tab.wait_for_selector("body[data-ready=true]")
        tab.locator(".row.bot .bubble button.cite").first.wait_for()
        rows = tab.locator(".row").evaluate_all("rows => rows.map(r => [r.classList.contains('user') ? 'user' : 'bot',"
                                                " r.querySelector('.bubble').innerText])")
        assert [who for who, _ in rows[1:]] == ["user", "bot", "user", "bot"], rows  # after the welcome
        assert rows[1][1] == rows[3][1] == "怎么办理不动产登记？"
        assert rows[2][1] == "抱歉，服务暂时不可用，请稍后再试。" and "登记" in rows[4][1]
    finally:
        context.close()
        for proc in (rasa, gateway):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=60)


def test_a_fact_the_documents_do_not_state_shows_related_passages(web, page):
    open_chat(page, web)
    bubble = ask(page, "临川办不动产登记，登记费要交多少钱？")
    text = bubble.inner_text()
    assert "文件中没有说明登记费的具体金额" in text
    related = bubble.locator(".related button")
    related.first.wait_for()
    assert "相关内容" in bubble.locator(".related-title").inner_text() and related.count() >= 1
    assert bubble.locator("button.cite").count() == 0  # nothing is presented as the answer
    related.first.click()
    page.locator("#sheet").wait_for(state="visible")
    assert len(page.locator("#sheet-quote mark").inner_text()) > 5
    assert not page.errors and not page.outside, (page.errors, page.outside)
