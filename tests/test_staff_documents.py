"""Documents from the staff page: names made safe, files checked by the indexer's own reader, nothing written
outside the corpus folder; and under the running stack (real Rasa, real action server, a real `policybot
index`), a notice uploaded from the staff page is answered within a minute in a conversation that goes on,
then removed again."""
from __future__ import annotations

import io
import re
import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings as hyp_settings, strategies as st

from bot.rest_client import send
from bot.staff import audit_log, uploads
from bot.web import create_app
from knowledge.ingest.readers import SUPPORTED_SUFFIXES

TOKEN = "documents-token"
NOTICE = ("关于吉阳区开通不动产登记夜间服务的通知\n\n"
          "为方便上班族办事，吉阳区不动产登记中心自2022年7月1日起开通夜间服务，每周三晚上6点至9点受理不动产转移登记业务。"
          "办理时请携带身份证和不动产权证书原件。\n")
ASKED = "吉阳区不动产登记夜间服务是哪天晚上？"


@hyp_settings(max_examples=300)
@given(name=st.text(min_size=1, max_size=150), suffix=st.sampled_from(SUPPORTED_SUFFIXES + (".TXT", ".Pdf")))
def test_a_safe_name_stays_a_plain_name_of_a_supported_file(name, suffix):
    safe = uploads.safe_name(name + suffix)
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert safe.lower().endswith(suffix.lower()) and len(safe) <= uploads.MAX_NAME_CHARS
    assert all(c.isprintable() for c in safe) and safe.lower() != "readme.md"


@pytest.mark.parametrize("name", ["../../etc/evil.txt", "..\\..\\evil.txt", "/tmp/abs.txt", "sub/dir/x.txt",
                                  ".hidden.txt", "README.md", "名单\x00.txt"])
def test_an_upload_lands_directly_in_the_corpus_folder(tmp_path, name):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    added = uploads.add(corpus, name, "通知正文：办理时间为工作日。".encode())
    assert [p.name for p in corpus.iterdir()] == [added.name] and not added.replaced
    assert not (tmp_path / "evil.txt").exists() and not added.name.startswith(".")


@pytest.mark.parametrize("name, data, why", [
    ("tool.exe", b"MZ...", "不支持 .exe"),
    ("notice.pdf", b"not a pdf at all", "notice.pdf"),
    ("empty.txt", b"   \n", "empty"),
    ("noext", b"text", "没有扩展名"),
])
def test_a_file_the_index_could_not_read_is_refused_with_the_reason(tmp_path, name, data, why):
    with pytest.raises(uploads.UploadRefused, match=re.escape(why)):
        uploads.add(tmp_path, name, data)
    assert list(tmp_path.iterdir()) == []


def test_removal_only_of_a_file_the_corpus_lists(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "outside.txt").write_text("外面的文件", encoding="utf-8")
    uploads.add(corpus, "a.txt", "通知".encode())
    for doc_id in ("../outside.txt", "b.txt", "README.md"):
        with pytest.raises(uploads.UploadRefused):
            uploads.remove(corpus, doc_id)
    assert (tmp_path / "outside.txt").exists()
    uploads.remove(corpus, "a.txt")
    assert list(corpus.iterdir()) == []


def _csrf(client: TestClient) -> str:
    assert client.post("/staff/login", data={"token": TOKEN, "name": "张伟"}).status_code == 200
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/staff/documents").text)
    assert found
    return found.group(1)


def _ask(http: httpx.Client, rasa_url: str, sender: str, text: str) -> str:
    return " ".join(m.get("text") or "" for m in send(http, rasa_url, sender, text))


def test_a_notice_uploaded_from_the_staff_page_is_answered_within_a_minute(stack, stack_settings):
    settings = stack_settings.replace(staff_token=TOKEN)
    app = create_app(settings, stack.rasa_url, stack.actions_url)
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    with TestClient(app) as staff, httpx.Client(timeout=120) as http:
        first = _ask(http, stack.rasa_url, sender, "吉阳区设置了几个综合受理窗口？")
        assert "6" in first
        csrf = _csrf(staff)
        forged = staff.post("/staff/documents/upload", data={"csrf": "f" * 64},
                            files=[("files", ("夜间服务.txt", io.BytesIO(NOTICE.encode()), "text/plain"))])
        assert forged.status_code == 403 and not (settings.corpus_dir / "夜间服务.txt").exists()
        started = time.monotonic()
        page = staff.post("/staff/documents/upload", data={"csrf": csrf},
                          files=[("files", ("夜间服务.txt", io.BytesIO(NOTICE.encode()), "text/plain")),
                                 ("files", ("setup.exe", io.BytesIO(b"MZ"), "application/octet-stream"))])
        assert page.status_code == 200 and "已上传 夜间服务.txt" in page.text and "不支持 .exe" in page.text
        try:
            assert app.state.reindexer.wait(240), "policybot index did not finish"
            assert app.state.reindexer.last.exit_code == 0
            answer = ""
            while time.monotonic() - started < 240:
                answer = _ask(http, stack.rasa_url, sender, ASKED)
                if "每周三" in answer:
                    break
                time.sleep(1)
            took = time.monotonic() - started
            assert "每周三" in answer, answer
            print(f"\nupload to answer: {took:.1f} s")
            listed = staff.get("/staff/documents").text
            assert "夜间服务.txt" in listed and "关于吉阳区开通不动产登记夜间服务的通知" in listed and "已索引" in listed
            # The conversation went on: a follow-up is answered in its context.
            assert _ask(http, stack.rasa_url, sender, "需要带什么材料？")
        finally:
            removed = staff.post("/staff/documents/remove", data={"csrf": csrf, "doc_id": "夜间服务.txt"})
            assert removed.status_code == 200 and "已删除" in removed.text
            assert app.state.reindexer.wait(240) and app.state.reindexer.last.exit_code == 0
        deadline = time.monotonic() + 60
        while "每周三" in _ask(http, stack.rasa_url, sender, ASKED) and time.monotonic() < deadline:
            time.sleep(1)
        assert "每周三" not in _ask(http, stack.rasa_url, sender, ASKED)
    actions = [(e.action, e.target) for e in audit_log.entries(audit_log.db_path(settings))]
    assert ("document.upload", "夜间服务.txt") in actions and ("document.remove", "夜间服务.txt") in actions
    assert ("document.refused", "setup.exe") in actions
