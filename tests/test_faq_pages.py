"""The staff FAQ page against the real knowledge API (served from this process, tests/knowledge_server.py, on the
session's knowledge base): an entry edited through its form is stored, audited as the account that edited it and
served from the next question; the .xlsx export holds exactly the stored entries; the search finds entries by
question or answer in either script, and nothing for a query no entry holds."""
from __future__ import annotations

import io
import re
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from html.parser import HTMLParser

import openpyxl
import pytest
from fastapi.testclient import TestClient

from bot.staff import audit_log
from bot.staff.accounts import AccountBook, db_path as accounts_db
from bot.web import create_app
from conftest import port
from knowledge.faq.answering import answer_with_faq
from knowledge.faq.book import FaqBook
from knowledge.faq.entry import Draft
from knowledge.faq.files import EXPORT_COLUMNS
from knowledge.faq.store import FaqStore
from knowledge_server import knowledge_server

DEAD = "http://127.0.0.1:9"
TOKEN = "faq-pages-token"
PASSWORD = "peony-garden-2024"


@pytest.fixture(scope="module")
def served(corpus_settings, kb, tmp_path_factory):
    """The knowledge API's FAQ book (what the action server answers from) and the gateway in front of it."""
    settings = corpus_settings.replace(data_dir=tmp_path_factory.mktemp("faq-pages"), staff_token=TOKEN)
    book = FaqBook(settings)
    with knowledge_server(kb, book, port(15255)) as url:
        with TestClient(create_app(settings, DEAD, url), base_url="http://policybot.test") as client:
            yield book, client


@pytest.fixture()
def staff(served):
    """Logged in as 王芳's account (the entries of earlier tests stay: each test makes its own)."""
    book, client = served
    accounts = AccountBook(accounts_db(book.settings))
    if accounts.get("王芳") is None:
        accounts.add("王芳", PASSWORD)
    client.cookies.clear()
    assert client.post("/staff/login", data={"name": "王芳", "password": PASSWORD}).status_code == 200
    return book, client


class _Form(HTMLParser):
    """The fields of a page's form posting to `action`, as a browser would send them unchanged."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields, self._text = action, False, {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif self.inside and tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""
        elif self.inside and tag == "textarea":
            self._text = a["name"]
            self.fields[self._text] = ""

    def handle_data(self, data):
        if self._text:
            self.fields[self._text] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._text = None
        elif tag == "form":
            self.inside = False


def _form(html: str, action: str) -> dict[str, str]:
    parser = _Form(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action}"
    return parser.fields


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/staff/faq").text).group(1)


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="entry-(\d+)">', html)]


def test_an_entry_edited_on_its_page_is_stored_audited_and_served(staff, kb):
    book, client = staff
    question = "新生儿怎么办理医保参保登记？"
    [entry_id, other] = book.save([Draft(question, "带户口簿到社区办理。", source="医保局通知"),
                                   Draft("医保卡丢了怎么补办？", "到医保服务大厅补办。")]).ids
    assert answer_with_faq(kb, book, question).answer.startswith("带户口簿到社区办理。")  # served before the edit

    page = client.get(f"/staff/faq/{entry_id}")
    assert page.status_code == 200 and question in page.text
    fields = _form(page.text, f"/staff/faq/{entry_id}")
    assert fields["answer"] == "带户口簿到社区办理。" and fields["source"] == "医保局通知" and len(fields["csrf"]) == 64
    edited = "出生后90天内凭出生医学证明在“粤医保”小程序办理，无需到现场。"
    done = client.post(f"/staff/faq/{entry_id}", data={**fields, "answer": edited, "source": "市医保局2026年通知"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/faq?note=edited"
    assert "已修改" in client.get(done.headers["location"]).text

    stored = book.store.get(entry_id)
    assert (stored.question, stored.answer, stored.source, stored.enabled) == (question, edited, "市医保局2026年通知", True)
    [row] = audit_log.entries(audit_log.db_path(book.settings), action="faq.edit")
    assert (row.who, row.target, row.detail) == ("王芳", str(entry_id), {"question": question, "question_changed": False})
    # the next matching question (reworded, in the other script) gets the edited answer, cited with its new source
    answer = answer_with_faq(kb, book, "新生兒怎麼辦理醫保參保登記")
    assert answer.curated_entry == entry_id and answer.answer.startswith("出生後90天內憑出生醫學證明")
    assert answer.citations[0].title.endswith("市醫保局2026年通知") and "带户口簿" not in answer.answer

    # a new question is matched from then on; another entry's question is refused and changes nothing
    fields = _form(client.get(f"/staff/faq/{entry_id}").text, f"/staff/faq/{entry_id}")
    moved = client.post(f"/staff/faq/{entry_id}", data={**fields, "question": "新生儿医保在哪里登记？"})
    assert moved.status_code == 200 and book.match("新生儿医保在哪里登记", kb.embed_query("新生儿医保在哪里登记")).entry.id == entry_id
    clash = client.post(f"/staff/faq/{entry_id}", data={**fields, "question": "医保卡丢了怎么补办"})
    assert clash.status_code == 409 and f"entry {other}" in clash.text and "医保卡丢了怎么补办" in clash.text
    empty = client.post(f"/staff/faq/{entry_id}", data={**fields, "answer": "  "})
    assert empty.status_code == 400 and "答案为空" in empty.text
    assert book.store.get(entry_id).question == "新生儿医保在哪里登记？" and book.store.get(entry_id).answer == edited
    assert [r.detail["question_changed"] for r in audit_log.entries(audit_log.db_path(book.settings), action="faq.edit")] \
        == [True, False]
    # a script's edit is audited as the script, not as whoever it says it is
    script = client.post(f"/staff/faq/{entry_id}", data={**fields, "csrf": "", "answer": edited + "（更新）"},
                         headers={"Authorization": f"Bearer {TOKEN}", "X-Staff-Name": "nightly"})
    assert script.status_code == 200
    assert audit_log.entries(audit_log.db_path(book.settings), action="faq.edit")[0].who == "script (nightly)"


def test_the_xlsx_export_holds_exactly_the_stored_entries(staff):
    book, client = staff
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    ids = book.save([Draft("臺北市停車費怎麼繳？", "可至超商或以悠遊卡繳納。", source="臺北市停車管理工程處", dept="交通局"),
                     Draft("公积金提取要多久？", "审核通过后3个工作日到账。\n节假日顺延。", valid_until=yesterday),
                     Draft("=1+1 是什么？", "-不是公式", dept="@测试")]).ids
    book.set_enabled(ids[0], False)
    reply = client.post("/staff/faq-export", data={"csrf": _csrf(client), "format": ".xlsx"})
    assert reply.status_code == 200 and reply.headers["content-disposition"] == 'attachment; filename="faq.xlsx"'
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = openpyxl.load_workbook(io.BytesIO(reply.content), read_only=True)["FAQ"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(header) == EXPORT_COLUMNS
    stored = book.store.entries()
    assert len(rows) == len(stored) and [r[0] for r in rows] == [e.id for e in stored]  # oldest first
    for row, entry in zip(rows, stored):
        cells = dict(zip(header, ["" if v is None else v for v in row]))
        # formula-like text is kept from running (a leading apostrophe); everything else is as stored
        text = {k: str(cells[k]).removeprefix("'") if str(entry.to_json()[k])[:1] in "=+-@" else str(cells[k])
                for k in ("question", "answer", "source", "dept", "valid_until", "created", "updated")}
        assert text == {k: str(entry.to_json()[k]) for k in text}, (row, entry)
        assert int(cells["enabled"]) == int(entry.enabled)
    by_id = {r[0]: dict(zip(header, r)) for r in rows}
    assert by_id[ids[0]]["enabled"] == 0 and by_id[ids[0]]["question"] == "臺北市停車費怎麼繳？"
    assert by_id[ids[1]]["valid_until"] == yesterday and by_id[ids[1]]["answer"] == "审核通过后3个工作日到账。\n节假日顺延。"
    [row] = audit_log.entries(audit_log.db_path(book.settings), action="faq.export")[:1]
    assert (row.who, row.target, row.detail) == ("王芳", "faq.xlsx", {"entries": len(stored)})


@pytest.mark.parametrize("query, finds", [
    ("停車費", "parking"), ("停车费", "parking"),  # the question, in its own script and the other
    ("悠遊卡", "parking"), ("悠游卡", "parking"),  # the answer, likewise
    ("身份证", "residence"), ("身份證", "residence"), ("居住證怎麼辦", "residence"),
    ("派出所", "both"), ("营业执照", "none")])
def test_the_search_finds_entries_by_question_or_answer_in_either_script(staff, query, finds):
    book, client = staff
    parking, residence = book.save([Draft("臺北市停車費怎麼繳？", "可至超商或以悠遊卡繳納，逾期請洽派出所。"),
                                    Draft("居住证怎么办理？", "带身份证到派出所办理。")]).ids
    expected = {"parking": [parking], "residence": [residence], "both": [residence, parking], "none": []}[finds]
    page = client.get("/staff/faq", params={"q": query})
    assert page.status_code == 200 and [i for i in _listed(page.text) if i in (parking, residence)] == expected
    if finds == "none":
        assert _listed(page.text) == [] and f"No entries holding “{query}”" in page.text


def test_a_store_made_before_the_search_column_is_searched_in_either_script(tmp_path):
    db = tmp_path / "faq.db"
    with closing(sqlite3.connect(db)) as conn, conn:  # the schema as it was, one entry in it
        conn.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, answer TEXT"
                     " NOT NULL, source TEXT NOT NULL DEFAULT '', dept TEXT NOT NULL DEFAULT '', valid_until TEXT NOT"
                     " NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1, created TEXT NOT NULL, updated TEXT NOT"
                     " NULL, normal TEXT NOT NULL, model TEXT NOT NULL DEFAULT '', vector BLOB)")
        conn.execute("INSERT INTO entries (question, answer, created, updated, normal) VALUES"
                     " ('護照怎麼辦理？', '請至外交部領事事務局辦理。', 'x', 'x', '护照怎么办理')")
    store = FaqStore(db)
    assert [e.question for e in store.search("领事事务局")] == ["護照怎麼辦理？"]
    assert store.search("签证") == []
