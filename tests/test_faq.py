"""Curated FAQ answers with real files and the real model: files round-trip through export and import, expired
and disabled entries are never served, paraphrases of Taipei FAQ questions find their entry and unrelated ones
do not, the curated answer comes first (and coverage counts it), and the staff page refuses requests without
the token or with a forged CSRF token."""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from bench.faq_match import PARAPHRASES, imported_half
from bot.coverage_report import results_csv
from bot.answerers import in_process
from bot.cli import main as cli
from bot.faq_export import export_bytes
from bot.staff import audit_log
from bot.web import create_app
from conftest import SHARED_EVAL
from knowledge.config import Settings
from knowledge.evaluation.coverage import run
from knowledge.evaluation.questions_file import Question
from knowledge.faq.answering import answer_with_faq
from knowledge.faq.book import FaqBook
from knowledge.faq.entry import Draft, Entry
from knowledge.faq.files import FaqFileError, read_faq
from knowledge.faq.normalise import normalise
from knowledge.faq.store import FaqStore, db_path

TAIPEI = SHARED_EVAL / "taipei_faq" / "faq.jsonl"


def _taipei() -> list[dict]:
    if not TAIPEI.exists():
        pytest.skip(f"{TAIPEI} not found: put shared/ beside the repository or set POLICYBOT_EVAL_DIR")
    return [json.loads(line) for line in TAIPEI.read_text(encoding="utf-8").splitlines() if line.strip()]


# Text as staff type it: any printable character (formula signs, full-width forms, both scripts), inner newlines.
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n"), min_size=1, max_size=60) \
    .map(str.strip).filter(bool)
_drafts = st.builds(Draft, question=_text, answer=_text, source=st.one_of(st.just(""), _text), dept=st.one_of(st.just(""), _text),
                    valid_until=st.one_of(st.just(""), st.dates(date(2000, 1, 1), date(2100, 12, 31)).map(date.isoformat)),
                    enabled=st.booleans())


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drafts=st.lists(_drafts, min_size=1, max_size=6), suffix=st.sampled_from([".csv", ".xlsx", ".jsonl"]))
def test_an_export_imports_back_as_the_same_entries(tmp_path, drafts, suffix):
    entries = [Entry(**d.__dict__, id=i, created="2026-01-01T00:00:00+08:00", updated="2026-01-02T00:00:00+08:00")
               for i, d in enumerate(drafts, start=1)]
    path = tmp_path / f"faq{suffix}"
    path.write_bytes(export_bytes(entries, suffix))
    assert [r.draft for r in read_faq(path)] == drafts


def test_files_in_chinese_columns_and_their_errors(tmp_path):
    good = tmp_path / "常见问题.csv"
    good.write_text("部門,問題,答案,來源,valid_until\n警察局,遺失物怎麼找？,請洽派出所。,市府公告,2030/1/31\n",
                    encoding="utf-8-sig")
    [row] = read_faq(good)
    assert row.draft == Draft("遺失物怎麼找？", "請洽派出所。", "市府公告", "警察局", "2030-01-31") and row.where == "row 2"
    for name, text, says in (
            ("no_answer.csv", "问题,来源\n怎么办？,x\n", "no column named answer (答案)"),
            ("empty_answer.csv", "问题,答案\n怎么办？,\n好的,好\n", "row 2: the answer is empty"),
            ("bad_date.csv", "问题,答案,valid_until\n怎么办？,这样办,下个月\n", "row 2: valid_until '下个月' is not a date"),
            ("bad.jsonl", '{"question": "a", "answer": "b"}\n{"question": "c"\n', "line 2: not JSON"),
            ("list.jsonl", '["a", "b"]\n', "line 1: not a JSON object"),
            ("faq.txt", "问题\n", "unsupported file type '.txt'")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(FaqFileError) as err:
            read_faq(path)
        assert str(err.value).startswith(str(path)) and says in str(err.value), str(err.value)


def test_normalisation_folds_script_punctuation_space_and_case():
    assert normalise("臺北市 i-Voting 投票？") == normalise("台北市i－voting投票") == "台北市ivoting投票"


@pytest.fixture(scope="module")
def book_settings(corpus_settings, tmp_path_factory) -> Settings:
    return corpus_settings.replace(data_dir=tmp_path_factory.mktemp("faq-data"))


def test_expired_and_disabled_entries_are_never_served(book_settings, kb, monkeypatch, capsys):
    book = FaqBook(book_settings)
    today = date.today()
    saved = book.save([Draft("社保卡丢了怎么补办？", "带身份证到社保中心补办。", valid_until=(today - timedelta(days=1)).isoformat()),
                       Draft("居住证怎么办理？", "到派出所办理。", valid_until=today.isoformat()),
                       Draft("护照怎么办理？", "到出入境管理处办理。")])
    expired, last_day, forever = saved.ids
    vector = kb.embed_query("社保卡丢了怎么补办？")
    assert book.match("社保卡丢了怎么补办？", vector) is None  # the same question, but expired yesterday
    assert answer_with_faq(kb, book, "社保卡丢了怎么补办？").curated_entry is None
    assert book.match("居住证怎么办理", kb.embed_query("居住证怎么办理")).entry.id == last_day  # valid through today
    assert book.match("居住证怎么办理", kb.embed_query("居住证怎么办理"), today + timedelta(days=1)) is None
    book.set_enabled(forever, False)
    assert answer_with_faq(kb, book, "护照怎么办理？").curated_entry is None
    book.set_enabled(forever, True)
    assert answer_with_faq(kb, book, "護照怎麼辦理").curated_entry == forever  # traditional, no punctuation
    # the command line changing the store is seen at the next question
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(book_settings.data_dir))
    assert cli(["faq", "disable", str(forever)]) == 0
    assert book.match("护照怎么办理？", kb.embed_query("护照怎么办理？")) is None
    assert cli(["faq", "list", "--search", "護照"]) == 0 and f"{forever} [disabled] 护照怎么办理？" in capsys.readouterr().out
    assert cli(["faq", "enable", "999"]) == 1
    assert FaqStore(db_path(book_settings)).get(last_day).served_on(today)


def test_the_curated_answer_comes_first_and_coverage_counts_it(book_settings, kb):
    book = FaqBook(book_settings)
    [entry_id] = book.save([Draft("临川区不动产登记要多久？", "一般登记5个工作日办结。", source="临川区不动产登记中心",
                                  dept="临川区")]).ids
    answer = answer_with_faq(kb, book, "臨川區不動產登記要多久")
    first = answer.citations[0]
    assert answer.curated_entry == entry_id and answer.answered and answer.answer.startswith("一般登記5個工作日辦結。[1]")
    assert (first.kind, first.doc_id, first.title, first.context) == ("faq", f"faq:{entry_id}", "常見問題 · 臨川區不動產登記中心",
                                                                    "临川区不动产登记要多久？")
    assert first.date == date.today().isoformat()
    # the documents' passages follow, numbered after it, and the payload survives the Rasa round trip
    assert len(answer.citations) > 1 and [c.kind for c in answer.citations[1:]] == ["document"] * (len(answer.citations) - 1)
    assert "[2]" in answer.answer
    assert type(answer).from_json(answer.to_json()) == answer
    questions = [Question("临川区不动产登记要多久？", "line 1"), Question("吉阳区设置了几个综合受理窗口？", "line 2")]
    result = run(questions, in_process(kb, None, book), kb.settings.decline_below)
    assert result.summary.curated == 1 and [r.to_json()["faq_entry"] for r in result.results] == [entry_id, None]
    header, first_row = results_csv(result).decode("utf-8-sig").splitlines()[:2]
    assert "faq_entry" in header.split(",") and f",{entry_id}," in first_row


def test_taipei_paraphrases_find_their_entry_and_others_find_none(book_settings, kb, tmp_path):
    rows = _taipei()
    depts = {"臺北市政府體育局", "臺北市政府社會局婦女福利及兒童托育科", "臺北市政府觀光傳播局"}
    imported = [r for r in imported_half(rows)[0] if r["dept"] in depts]
    faq_file = tmp_path / "taipei.jsonl"
    faq_file.write_text("".join(json.dumps({"問題": r["question"], "答案": r["answer"], "部門": r["dept"]},
                                           ensure_ascii=False) + "\n" for r in imported), encoding="utf-8")
    book = FaqBook(book_settings.replace(data_dir=tmp_path / "data"))
    saved = book.save([r.draft for r in read_faq(faq_file)])
    entry_of = {r["id"]: i for r, i in zip(imported, saved.ids)}
    dept_of = {r["id"]: r["dept"] for r in rows}
    lines = [json.loads(line) for line in PARAPHRASES.read_text(encoding="utf-8").splitlines()]
    asked = [line for line in lines if dept_of[line["id"]] in depts]
    found = {line["q"]: book.match(line["q"], kb.embed_query(line["q"])) for line in asked}
    right = [line for line in asked if line["match"] and found[line["q"]] and found[line["q"]].entry.id == entry_of[line["id"]]]
    false = [line["q"] for line in asked if not line["match"] and found[line["q"]]]
    positives = [line for line in asked if line["match"]]
    matched = sum(m is not None for m in found.values())
    assert len(positives) >= 15 and len(asked) - len(positives) >= 10
    # Precision first (docs/benchmarks.md: 1.0 held out, recall 0.65 with half the FAQ imported); with only these
    # three departments' entries a question's margin over the rest tells less, and recall here is 8 of 19.
    assert len(right) >= 0.35 * len(positives), [l["q"] for l in positives if l not in right]
    assert len(right) >= 0.95 * matched and len(false) <= 1, false
    # an imported question as written, in the other script and without its punctuation, matches exactly
    sample = imported[0]["question"]
    match = book.match(normalise(sample), kb.embed_query(sample))
    assert match.exact and match.entry.id == saved.ids[0]
    # An entry alone on its topic among the others answers its own question, not the topic's other questions.
    book.save([Draft("紅線禁止停車時間為何？", "全天禁止臨時停車。"), Draft("吉阳区政务服务中心周末开门吗？", "周六上午开放。")])
    # (Not yet 黃線禁止停車時間為何？ against 紅線……: cosine 0.916, as close as a rewording; docs/benchmarks.md.)
    for other in ("吉阳区设置了几个综合受理窗口？", "吉阳区政务服务中心进驻了多少个事项？"):
        assert book.match(other, kb.embed_query(other)) is None, other
    assert book.match("红线禁止停车时间是什么？", kb.embed_query("红线禁止停车时间是什么？")) is not None


# --- the staff page, against the real gateway; the action server absent (a post past the checks meets its 503)

DEAD = "http://127.0.0.1:9"
TOKEN = "faq-token"


def _login(client: TestClient, page: str = "/staff/faq") -> str:
    assert client.post("/staff/login", data={"token": TOKEN, "name": "王芳"}).status_code == 200
    reply = client.get(page)
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', reply.text)
    assert found, reply.text[:500]
    return found.group(1)


def test_the_staff_faq_page_refuses_without_the_token_or_with_a_forged_csrf_token(tmp_path):
    config = Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path, staff_token=TOKEN)
    entry = {"question": "怎么办理居住证？", "answer": "到派出所办理。"}
    upload = {"file": ("faq.csv", io.BytesIO("问题,答案\n怎么办理居住证？,到派出所办理。\n".encode()), "text/csv")}
    with TestClient(create_app(config, DEAD, DEAD), base_url="http://policybot.test") as client:
        assert client.get("/staff/faq").status_code == 401
        for path, kwargs in (("/staff/faq/add", {"data": entry}), ("/staff/faq/1/disable", {"data": {}}),
                             ("/staff/faq-import", {"files": upload}), ("/staff/faq-export", {"data": {"format": ".csv"}})):
            assert client.post(path, **kwargs).status_code == 401, path
        csrf = _login(client)
        page = client.get("/staff/faq")
        assert "常见问题 FAQ" in page.text and 'aria-current="page"' in page.text and "知识库暂时不可用" in page.text
        for path, data in (("/staff/faq/add", entry), ("/staff/faq/1/enable", {}), ("/staff/faq-export", {"format": ".csv"})):
            form = {"Content-Type": "application/x-www-form-urlencoded"}  # an empty form still says it is one
            assert client.post(path, data=data, headers=form).status_code == 403, path
            assert client.post(path, data={**data, "csrf": "0" * 64}).status_code == 403, path
            other = client.post(path, data={**data, "csrf": csrf}, headers={"Origin": "https://evil.example"})
            assert other.status_code == 403 and "其他网站" in other.text
            through = client.post(path, data={**data, "csrf": csrf}, headers={"Origin": "http://policybot.test"})
            assert through.status_code == 503 and "知识库暂时不可用" in through.text, path
        assert client.post("/staff/faq-import", files=upload, data={"csrf": "f" * 64}).status_code == 403
        wrong = client.post("/staff/faq-import", data={"csrf": csrf},
                            files={"file": ("faq.docx", io.BytesIO(b"PK"), "application/octet-stream")})
        assert wrong.status_code == 400 and "unsupported file type" in wrong.text
        huge = client.post("/staff/faq-import", data={"csrf": csrf},
                           files={"file": ("faq.csv", io.BytesIO(b"x" * (3 * 1024 * 1024)), "text/csv")})
        assert huge.status_code == 413
        # none of the refused requests was done, so none is in the audit log
        assert [e.action for e in audit_log.entries(audit_log.db_path(config))] == ["login"]
    off = Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path)
    with TestClient(create_app(off, DEAD, DEAD)) as client:
        assert client.get("/staff/faq").status_code == 404
