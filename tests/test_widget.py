"""The chat on another site: bot/static/widget.js on a plain page served from another origin (a small HTTP server
here, on its own port), in the real Chromium, against the real stack (gateway, Rasa, action server); the embed
page's frame-ancestors from POLICYBOT_WIDGET_ORIGINS; and that setting's checks."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, strategies as st

from bot.embed import EMBED_PATH, frame_ancestors, parse_origins
from bot.serve import check_gateway_settings, start_web, wait_healthy
from bot.supervisor import StartupFailed
from bot.web import create_app
from conftest import port
from knowledge.config import Settings, load_settings
from test_web import ARTIFACTS, CHROMIUM, PHONE, ask, browser  # noqa: F401  (browser: the fixture, shared)

GATEWAY_PORT, HOST_PORT, STRANGER_PORT = port(18060), port(18061), port(18062)
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
# The host site on another name as well as another port: cross-site, as a real portal is.
HOST = f"http://localhost:{HOST_PORT}"
STRANGER = f"http://localhost:{STRANGER_PORT}"  # a site not in the allowed origins
DESKTOP = {"width": 1280, "height": 800}
TITLE, COLOUR, WELCOME = "临川区<i>政务</i>咨询", "#c0392b", "您好，这里是临川区政府门户的政策问答。<b>请提问</b>"
DEAD = "http://127.0.0.1:9"


# --- The setting and the headers (no browser) ---------------------------------------------------------------

@pytest.mark.parametrize("setting, origins", [
    ("", ()),
    (" , ", ()),
    ("https://www.example.gov.cn", ("https://www.example.gov.cn",)),
    ("HTTPS://WWW.Example.GOV.cn/, http://localhost:8080", ("https://www.example.gov.cn", "http://localhost:8080")),
    ("https://*.example.gov.cn,https://a.cn,https://a.cn", ("https://*.example.gov.cn", "https://a.cn")),
    ("http://127.0.0.1:18061, http://[::1]:8000", ("http://127.0.0.1:18061", "http://[::1]:8000")),
])
def test_origins_parsed(setting, origins):
    assert parse_origins(setting) == origins


@pytest.mark.parametrize("entry, why", [
    ("www.example.gov.cn", "scheme"),
    ("ftp://example.gov.cn", "scheme"),
    ("https://example.gov.cn/chat", "no path"),
    ("https://example.gov.cn?x=1", "no path"),
    ("https://example.gov.cn#top", "no path"),
    ("https://user@example.gov.cn", "user"),
    ("https://example.gov.cn:99999", "port"),
    ("https://example.gov.cn 'unsafe-inline'", "space"),
    ("https://example.gov.cn;script-src", "semicolon"),
    ("https://*", "host"),
    ("*", "scheme"),
    ("'self'", "scheme"),
    ("https://例子.中国", "punycode"),
    ("http://[::1", "not a URL"),
])
def test_a_wrong_origin_is_named_with_its_setting(entry, why):
    with pytest.raises(ValueError) as error:
        parse_origins(f"https://ok.example.cn, {entry}")
    message = str(error.value)
    assert message.startswith("POLICYBOT_WIDGET_ORIGINS: ") and repr(entry) in message and why in message, message


@given(st.text(max_size=80))
def test_nothing_but_origins_reaches_the_header(setting):
    """Whatever the setting says, the directive is origins and nothing else: no second directive, no keyword."""
    try:
        origins = parse_origins(setting)
    except ValueError as error:
        assert str(error).startswith("POLICYBOT_WIDGET_ORIGINS: ")
        return
    directive = frame_ancestors(origins)
    assert not re.search(r"[;,'\"\s]", directive.removeprefix("frame-ancestors ").replace("'none'", "")), directive
    assert all(re.fullmatch(r"https?://[a-z0-9*.\-\[\]:]+", o) for o in origins), origins


def test_setting_read_from_the_environment_and_passed_on():
    settings = load_settings({"POLICYBOT_WIDGET_ORIGINS": "https://a.gov.cn"})
    assert settings.widget_origins == "https://a.gov.cn"
    assert settings.to_env()["POLICYBOT_WIDGET_ORIGINS"] == "https://a.gov.cn"  # the gateway child gets it
    with pytest.raises(StartupFailed, match="'a.gov.cn' is not an origin"):
        check_gateway_settings(Settings(widget_origins="a.gov.cn"))


def test_the_gateway_refuses_to_start_with_a_wrong_origin(tmp_path):
    env = {**os.environ, "POLICYBOT_WIDGET_ORIGINS": "https://ok.cn,portal.example.cn", "POLICYBOT_DATA_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "bot.cli", "web", "--port", str(port(18063))], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "POLICYBOT_WIDGET_ORIGINS: 'portal.example.cn' is not an origin" in run.stderr, run.stderr


def _headers(tmp_path, origins: str, path: str):
    settings = Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path, widget_origins=origins)
    with TestClient(create_app(settings, DEAD, DEAD)) as client:
        response = client.get(path)
    return response.status_code, response.headers


def test_only_the_embed_page_may_be_framed_and_only_by_the_configured_sites(tmp_path):
    status, headers = _headers(tmp_path, "https://a.gov.cn, https://b.gov.cn:8443", EMBED_PATH)
    assert status == 200 and "x-frame-options" not in headers
    csp = headers["content-security-policy"]
    assert csp.endswith("; frame-ancestors https://a.gov.cn https://b.gov.cn:8443"), csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    for path in ("/", "/static/chat.js", "/static/widget.js", "/api/health", "/staff", "/embed/x"):
        status, headers = _headers(tmp_path, "https://a.gov.cn", path)
        assert headers["x-frame-options"] == "DENY", path
        assert headers["content-security-policy"].endswith("frame-ancestors 'none'"), (path, headers)


def test_without_origins_the_embed_page_refuses_every_frame(tmp_path):
    status, headers = _headers(tmp_path, "", EMBED_PATH)
    assert status == 200 and headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"].endswith("frame-ancestors 'none'")


# --- In the browser -----------------------------------------------------------------------------------------

def _snippet(**data) -> str:
    attributes = " ".join(f'data-{k}="{v}"' for k, v in data.items())
    return f'<script src="{GATEWAY}/static/widget.js" {attributes} async></script>'


def _page(body: str, head: str = "") -> bytes:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{head}</head>'
            f"<body><h1>区政府门户</h1><p>一个普通的网站。</p>{body}</body></html>").encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


PAGES = {
    "/": _page(_snippet(title=_escape(TITLE), color=COLOUR, welcome=_escape(WELCOME))),
    # The host's CSS hides every div and button, and every child of body, which the widget's own element is.
    "/hostile": _page(_snippet(color=COLOUR), "<style>body > *, div, button, iframe { display: none !important;"
                      " visibility: hidden !important } * { color: #0f0 !important }</style>"),
    "/bad-colour": _page(_snippet(color="red;background:url(//evil.example)", title="x" * 100)),
}


class _Site(BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGES.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, *args):  # quiet
        pass


needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: `apt-get install -y chromium`")


@pytest.fixture(scope="module")
def sites():
    """The allowed host site and a stranger's, both plain pages with the snippet, on ports of their own."""
    servers = [ThreadingHTTPServer(("127.0.0.1", p), _Site) for p in (HOST_PORT, STRANGER_PORT)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def gateway(stack, stack_settings, sites, tmp_path_factory):
    settings = stack_settings.replace(web_port=GATEWAY_PORT, rasa_token=stack.rasa_token, widget_origins=HOST)
    proc = start_web(settings, stack.rasa_url, stack.actions_url, tmp_path_factory.mktemp("widget-web") / "web.log")
    try:
        wait_healthy(f"{GATEWAY}/", proc, "the web gateway")
        yield GATEWAY
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def tab(browser):
    tabs = []

    def open_tab(url: str, viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        page = context.new_page()
        page.errors, page.outside, page.consoled = [], [], []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.consoled.append(m.text))
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "http://localhost", "data:"))
                else page.outside.append(r.url))
        page.goto(url)
        page.locator("policybot-chat .launcher").wait_for()
        tabs.append(context)
        return page

    yield open_tab
    for context in tabs:
        context.close()


def chat_frame(page, ready: bool = True):
    page.locator("policybot-chat iframe").wait_for(state="attached")
    frame = page.locator("policybot-chat iframe").element_handle().content_frame()
    if ready:
        frame.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return frame


def panel_box(page) -> dict:
    return page.locator("policybot-chat .panel").bounding_box()


def active_in_widget(page) -> str:
    return page.evaluate("() => document.querySelector('policybot-chat').shadowRoot.activeElement?.className || ''")


@needs_chromium
def test_the_widget_opens_the_chat_on_another_site_and_answers(gateway, tab):
    page = tab(HOST + "/")
    launcher = page.locator("policybot-chat .launcher")
    assert launcher.get_attribute("aria-expanded") == "false" and "临川区<i>政务</i>咨询" in launcher.get_attribute("aria-label")
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(192, 57, 43)"
    assert page.locator("policybot-chat iframe").count() == 0  # nothing of the chat loads before it is opened
    launcher.click()
    panel = page.locator("policybot-chat .panel")
    panel.wait_for(state="visible")
    assert launcher.get_attribute("aria-expanded") == "true" and panel.get_attribute("role") == "dialog"
    frame = chat_frame(page)
    assert frame.url.startswith(f"{GATEWAY}/embed?")
    # Title, colour and welcome from the host's data- attributes, as text: the markup in them is not markup.
    assert frame.locator("#chat-title").inner_text() == TITLE and frame.locator(".topbar i").count() == 0
    assert frame.title() == TITLE
    bar = frame.locator(".topbar").first
    assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(192, 57, 43)"
    assert bar.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"  # white reads best on that red
    welcome = frame.locator(".row.bot .bubble").first
    assert welcome.inner_text().startswith(WELCOME) and welcome.locator("b").count() == 0
    bubble = ask(frame, "怎么办理不动产登记？")
    assert "登记" in bubble.inner_text() and bubble.locator("button.cite").count() >= 1
    assert frame.locator(".send").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(192, 57, 43)"
    bubble.locator("button.cite").first.click()
    frame.locator("#sheet").wait_for(state="visible")
    assert len(frame.locator("#sheet-quote mark").inner_text()) > 5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-desktop-1280.png"))
    # The panel at the corner, beside the launcher, not over the whole page.
    box = panel_box(page)
    assert box["width"] == 380 and abs(box["x"] + box["width"] - (DESKTOP["width"] - 20)) <= 1, box
    assert abs(box["y"] + box["height"] - (DESKTOP["height"] - 88)) <= 1 and box["height"] < DESKTOP["height"], box
    page.locator("policybot-chat .close").click()
    panel.wait_for(state="hidden")
    assert launcher.get_attribute("aria-expanded") == "false" and active_in_widget(page) == "launcher"
    # Opened again: the same conversation, not a new one.
    launcher.click()
    panel.wait_for(state="visible")
    assert page.locator("policybot-chat iframe").count() == 1
    assert "怎么办理不动产登记" in frame.locator(".row.user .bubble").last.inner_text()
    assert not page.errors and not page.outside, (page.errors, page.outside)


@needs_chromium
def test_keyboard_opens_types_and_escape_closes(gateway, tab):
    page = tab(HOST + "/")
    page.keyboard.press("Tab")
    assert active_in_widget(page) == "launcher"  # the launcher is reached by Tab (it is the page's only control)
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    # The question box has the focus: typing goes straight into the chat.
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'input'")
    page.keyboard.type("你好")
    assert frame.locator("#input").input_value() == "你好"
    # Escape in the chat (another origin: it tells the host page by postMessage) closes the panel.
    page.keyboard.press("Escape")
    page.locator("policybot-chat .panel").wait_for(state="hidden")
    assert active_in_widget(page) == "launcher"
    # Escape on the host page's side (the close button focused) closes it too.
    page.keyboard.press("Enter")
    page.locator("policybot-chat .panel").wait_for(state="visible")
    page.locator("policybot-chat .close").focus()
    page.keyboard.press("Escape")
    page.locator("policybot-chat .panel").wait_for(state="hidden")


@needs_chromium
def test_a_message_from_anyone_but_the_chat_is_ignored(gateway, tab):
    page = tab(HOST + "/")
    page.locator("policybot-chat .launcher").click()
    chat_frame(page)
    panel = page.locator("policybot-chat .panel")
    # The host page itself (its own origin, not the gateway's) says "close", and a frame of its origin too.
    page.evaluate("() => window.postMessage({source: 'policybot', type: 'close'}, '*')")
    page.evaluate("""() => { const f = document.createElement('iframe'); f.srcdoc = '<p>x</p>'; document.body.append(f);
                             f.contentWindow.parent.postMessage({source: 'policybot', type: 'close'}, '*'); }""")
    page.wait_for_timeout(500)
    assert panel.is_visible()
    # The chat saying it, from its origin and window, does close it: the check above can fail.
    chat_frame(page).locator("#input").press("Escape")
    panel.wait_for(state="hidden")


@needs_chromium
def test_on_a_phone_the_chat_takes_the_whole_screen(gateway, tab):
    page = tab(HOST + "/", viewport=PHONE, is_mobile=True, has_touch=True)
    page.locator("policybot-chat .launcher").tap()
    frame = chat_frame(page)
    assert panel_box(page) == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    assert page.locator("policybot-chat .launcher").is_hidden()  # the panel's close button closes it
    # A tap does not pop the keyboard up over the welcome.
    assert frame.evaluate("() => document.activeElement.id") != "input"
    bubble = ask(frame, "吉阳区设置了几个综合受理窗口？")
    assert "6" in bubble.inner_text() and bubble.locator("button.cite").count() >= 1
    overflow = frame.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-phone-375.png"))
    page.locator("policybot-chat .close").tap()
    page.locator("policybot-chat .panel").wait_for(state="hidden")
    assert page.locator("policybot-chat .launcher").is_visible()


@needs_chromium
def test_host_css_cannot_hide_or_restyle_the_widget(gateway, tab):
    page = tab(HOST + "/hostile")
    assert page.locator("h1").is_hidden()  # the host's rule does apply to its own page
    launcher = page.locator("policybot-chat .launcher")
    assert launcher.is_visible()
    box = launcher.bounding_box()
    assert box["width"] == 56 and box["height"] == 56
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(192, 57, 43)"
    launcher.click()
    frame = chat_frame(page)
    assert page.locator("policybot-chat .panel").is_visible() and page.locator("policybot-chat iframe").is_visible()
    assert frame.locator("#input").is_visible()
    # Colour rules of the host page stop at the iframe's edge.
    assert frame.locator("#chat-title").evaluate("e => getComputedStyle(e).color") != "rgb(0, 255, 0)"


@needs_chromium
def test_a_colour_that_is_not_a_hex_colour_and_an_overlong_title_are_refused(gateway, tab):
    page = tab(HOST + "/bad-colour")
    launcher = page.locator("policybot-chat .launcher")
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(7, 193, 96)"  # the default
    launcher.click()
    frame = chat_frame(page)
    assert "color=" not in frame.url and len(frame.locator("#chat-title").inner_text()) == 40
    # The chat page checks for itself what reaches it, whoever wrote the address.
    page.goto(f"{GATEWAY}/embed?color=url(//evil.example)&title={'长' * 100}&welcome=%3Cscript%3Ealert(1)%3C/script%3E")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#chat-title").inner_text() == "长" * 40
    assert page.locator(".topbar").first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(7, 193, 96)"
    assert page.locator(".row.bot .bubble").first.inner_text().startswith("<script>alert(1)</script>")
    assert not page.errors and not page.outside, (page.errors, page.outside)


@needs_chromium
def test_a_site_not_allowed_cannot_frame_the_chat(gateway, tab):
    page = tab(STRANGER + "/")
    page.locator("policybot-chat .launcher").click()
    frame = chat_frame(page, ready=False)
    page.wait_for_function("() => [...document.querySelector('policybot-chat').shadowRoot.querySelectorAll('iframe')]"
                           ".length === 1", timeout=10_000)
    page.wait_for_timeout(2000)  # long enough for the chat to load, were it allowed (it does in the tests above)
    # The browser refused the frame: an error page in its place, none of the chat's page, its scripts or its API.
    assert not frame.url.startswith(GATEWAY), frame.url
    assert frame.evaluate("() => document.querySelector('#messages')") is None
    # Chromium says why: "Framing 'http://127.0.0.1:…/' violates … "frame-ancestors http://localhost:…". The request
    # has been blocked."
    assert any(f"frame-ancestors {HOST}" in line and "blocked" in line for line in page.consoled), page.consoled
