"""`policybot coverage` and the staff page: real question files, the real index, a real browser."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from html import unescape as html_unescape
from pathlib import Path

import openpyxl
import pytest

from bot.answerers import in_process
from bot.coverage_report import REPORT_CSP, ReportMeta, write_report
from knowledge.answer.answering import answer_question
from knowledge.evaluation.coverage import LOW_CONFIDENCE_MARGIN, run
from knowledge.evaluation.expectations import load_expectations
from knowledge.evaluation.questions_file import QuestionsFileError, read_questions
from knowledge.evaluation.report import evaluate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANSWER_KEYS = {"question", "answered", "confidence", "answer", "citations"}


def _cli(settings, *args):
    env = {**os.environ, **settings.to_env()}
    return subprocess.run([sys.executable, "-m", "bot.cli", "coverage", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=600)


def _run(kb, questions):
    return run(questions, in_process(kb), kb.settings.decline_below, {d.doc_id: d.meta.title for d in kb.docs.values()})


# --- reading question lists -------------------------------------------------------------------------------


def test_txt_with_bom_and_blank_lines(tmp_path):
    f = tmp_path / "faq.txt"
    f.write_bytes("\ufeff怎么办理不动产登记？\r\n\r\n   \n吉阳区设置了几个综合受理窗口？\n".encode("utf-8"))
    qs = read_questions(f)
    assert [(q.text, q.where) for q in qs] == [("怎么办理不动产登记？", "line 1"), ("吉阳区设置了几个综合受理窗口？", "line 4")]
    assert not any(q.has_expectation for q in qs)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_the_encodings_excel_writes(tmp_path, encoding):
    f = tmp_path / "faq.csv"
    f.write_bytes("编号,问题,期望答案,文档\n1,吉阳区设置了几个综合受理窗口？,设置综合受理窗口6个,吉阳区\n\n"
                  "2,\"新余为多少家企业建立了信用档案，\n（换行的问题）\",,004\n".encode(encoding))
    qs = read_questions(f)
    assert [q.text for q in qs] == ["吉阳区设置了几个综合受理窗口？", "新余为多少家企业建立了信用档案，\n（换行的问题）"]
    assert (qs[0].expected_answer, qs[0].expected_doc, qs[0].where) == ("设置综合受理窗口6个", "吉阳区", "row 2")
    assert (qs[1].expected_answer, qs[1].expected_doc) == ("", "004")


def test_xlsx_with_expected_answers_and_documents(tmp_path, kb):
    f = tmp_path / "faq.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Question", "expected_answer", "expected_doc"])
    sheet.append(["吉阳区设置了几个综合受理窗口？", "设置综合受理窗口6个，纳入综合窗口统一受理的事项322项", "三亚吉阳区"])
    sheet.append([None, None, None])  # a blank row Excel leaves behind
    sheet.append(["吉阳区设置了几个综合受理窗口？", None, "新余"])  # the wrong document: a miss
    sheet.append(["新余为多少家企业建立了信用档案？", "为全市2万余家企业建立了信用档案", None])
    sheet.append([12345, None, None])  # a number typed into the cell is still a question
    book.save(f)
    qs = read_questions(f)
    assert [q.where for q in qs] == ["row 2", "row 4", "row 5", "row 6"]
    assert qs[3].text == "12345"
    result = _run(kb, qs)
    assert [r.rank for r in result.results[:3]] == [1, None, 1]
    assert [r.met for r in result.results] == [True, False, True, None]
    s = result.summary
    assert (s.answerable, s.hit_at_1, s.hit_at_3) == (3, round(2 / 3, 4), round(2 / 3, 4))


@pytest.mark.parametrize("name, content, expected", [
    ("bad.jsonl", '{"q": "怎么办理不动产登记？"}\n{"q": "缺了右括号"\n', r"bad\.jsonl: line 2: not a JSON object"),
    ("noq.jsonl", '{"q": "怎么办理不动产登记？"}\n\n{"doc": "000"}\n', r"noq\.jsonl: line 3: no \"q\" or \"question\" field"),
    ("cols.csv", "编号,内容\n1,怎么办理不动产登记？\n", r"cols\.csv: row 1: no column named question or 问题 .*'编号', '内容'"),
    ("empty.txt", "\n \n", r"empty\.txt: the file is empty"),
    ("faq.docx", "怎么办理？", r"faq\.docx: unsupported file type '\.docx': use \.txt"),
    ("broken.xlsx", "this is not a zip", r"broken\.xlsx: not a readable \.xlsx workbook"),
    ("header_only.csv", "question\n", r"header_only\.csv: no questions found"),
])
def test_malformed_files_say_where_and_what_to_do(tmp_path, name, content, expected):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionsFileError) as err:
        read_questions(f)
    assert re.search(expected, str(err.value)), str(err.value)


def test_cli_malformed_file_exits_2_without_traceback(corpus_settings, tmp_path):
    f = tmp_path / "faq.jsonl"
    f.write_text('{"q": "怎么办理不动产登记？"}\nnot json\n', encoding="utf-8")
    out = _cli(corpus_settings, f, "--out", tmp_path / "out")
    assert out.returncode == 2
    assert f"{f}: line 2: not a JSON object" in out.stderr and "each line must be a JSON object" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_cli_via_an_unreachable_rasa_is_a_clear_error(corpus_settings, tmp_path):
    f = tmp_path / "faq.txt"
    f.write_text("怎么办理不动产登记？\n", encoding="utf-8")
    out = _cli(corpus_settings, f, "--via", "http://127.0.0.1:9", "--out", tmp_path / "out")
    assert out.returncode == 1
    assert "cannot reach Rasa at http://127.0.0.1:9" in out.stderr and "Traceback" not in out.stderr


# --- the command end to end -------------------------------------------------------------------------------


def test_cli_on_the_dev_set_writes_the_three_files(corpus_settings, kb, dev_questions, tmp_path):
    questions = tmp_path / "dev_questions.jsonl"
    shutil.copy(dev_questions, questions)
    out_dir = tmp_path / "report"
    out = _cli(corpus_settings, questions, "--out", out_dir, "--fail-under", 100)
    assert out.returncode == 1, out.stderr  # the two out-of-scope questions are declined: coverage < 100%
    assert "is below --fail-under 100%" in out.stderr

    report = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    exps = load_expectations(questions)
    rows = report["results"]
    assert [r["question"] for r in rows] == [e.question for e in exps]
    assert all(ANSWER_KEYS <= set(r) and {"expected_doc", "expected_any", "hit_rank", "expectation_met"} <= set(r)
               for r in rows)
    # The same numbers as `policybot eval`'s definitions, on the same answers (3 citations each).
    reference = evaluate([(e, answer_question(kb, e.question)) for e in exps], ks=(1, 3))
    s = report["summary"]
    assert s["hit@1"] == reference.summary()["hit@1_rate"] and s["hit@3"] == reference.summary()["hit@3_rate"]
    assert s["mrr"] == reference.summary()["mrr"]
    assert [r["hit_rank"] for r in rows] == [r["rank"] for r in reference.rows]
    assert (s["total"], s["answered"], s["declined"]) == (18, 16, 2)
    assert s["coverage_pct"] == round(100 * 16 / 18, 1)
    assert s["expected_declines_correct"] == s["expected_declines"] == 2
    assert f"coverage {s['coverage_pct']:.1f}%" in out.stdout and "hit@1" in out.stdout

    with open(out_dir / "results.csv", encoding="utf-8") as fh:
        assert fh.read(1) == "\ufeff"  # the BOM Excel needs
    with open(out_dir / "results.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["question"] for r in table] == [e.question for e in exps]
    assert "<svg" in (out_dir / "report.html").read_text(encoding="utf-8")


def test_fail_under_passes_when_coverage_is_enough(corpus_settings, tmp_path):
    f = tmp_path / "faq.txt"
    f.write_text("怎么办理不动产登记？\n明天广州会下雨吗？\n", encoding="utf-8")
    out = _cli(corpus_settings, f, "--out", tmp_path / "out", "--fail-under", 50)
    assert out.returncode == 0, out.stderr
    assert "coverage 50.0%" in out.stdout
    assert _cli(corpus_settings, f, "--out", tmp_path / "out", "--fail-under", 50.1).returncode == 1


# --- the HTML report in a real browser --------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_dir(kb, tmp_path_factory, dev_questions):
    qs = read_questions(dev_questions) + read_questions(_write(tmp_path_factory.mktemp("q") / "x.txt",
                                                               "<script>alert(1)</script>不动产登记怎么办？\n"))
    out = tmp_path_factory.mktemp("report")
    result = _run(kb, qs)
    write_report(result, ReportMeta("dev <b>questions</b>.jsonl", "in process"), out)
    return out, result


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_report_is_escaped_and_states_its_definitions(report_dir):
    out, result = report_dir
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "dev &lt;b&gt;questions&lt;/b&gt;.jsonl" in html
    low = result.summary.decline_below + LOW_CONFIDENCE_MARGIN
    assert f'id="low-threshold">{round(low, 4)}<' in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert csp and html_unescape(csp.group(1)) == REPORT_CSP


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_report_opens_from_disk_in_chromium_with_its_numbers_and_chart(report_dir):
    from playwright.sync_api import sync_playwright

    out, result = report_dir
    s = result.summary
    url = (out / "report.html").as_uri()
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            assert page.inner_text("#coverage-pct") == f"{s.coverage_pct:.1f}%"
            assert page.inner_text("#answered") == str(s.answered) == "17"
            assert page.inner_text("#declined") == str(s.declined) == "2"
            assert page.inner_text("#total") == "19"
            assert page.inner_text("#hit-at-1") == f"{s.hit_at_1:.2f}"
            assert page.inner_text("#mrr") == f"{s.mrr:.3f}"
            # A real chart: bars drawn with a visible height, as many non-empty bins as the data has.
            heights = page.eval_on_selector_all("#histogram svg g[id^='bar-'] path",
                                                "els => els.map(e => e.getBoundingClientRect().height)")
            confidences = [r.answer.confidence for r in result.results]
            bins = {(min(int(c * 20), 19), r.answer.answered) for c, r in zip(confidences, result.results)}
            assert sum(h > 1 for h in heights) == len(bins) >= 3
            assert page.locator("#gaps tbody tr").count() == len(result.gaps)
            assert page.locator("#questions tbody tr").count() == 19
            assert page.locator("#expected tbody tr").count() == 18
        finally:
            browser.close()
    assert errors == []
    assert requests == [url]  # nothing fetched: no scripts, fonts, styles or images from anywhere


# --- the staff page on the gateway ------------------------------------------------------------------------


@contextmanager
def _staff_client(stack, settings, token: str, actions_url: str | None = None):
    """The gateway, its staff pages answered by the stack's action server (or by `actions_url`)."""
    from fastapi.testclient import TestClient

    from bot.web import create_app

    app = create_app(settings.replace(staff_token=token), stack.rasa_url, actions_url or stack.actions_url)
    with TestClient(app) as client:
        yield client


def _csv_upload(text: str, name: str = "faq.csv"):
    return {"file": (name, io.BytesIO(text.encode("utf-8-sig")), "text/csv")}


def test_staff_pages_are_disabled_without_a_token(stack, stack_settings):
    with _staff_client(stack, stack_settings, "") as client:
        assert client.get("/staff").status_code == 404
        assert client.post("/staff/report", files=_csv_upload("问题\n怎么办理不动产登记？\n")).status_code == 404
        assert client.post("/staff/login", data={"token": ""}).status_code == 404


def test_staff_pages_need_the_token(stack, stack_settings):
    with _staff_client(stack, stack_settings, "s3cret-token") as client:
        page = client.get("/staff")
        assert page.status_code == 401 and 'name="token"' in page.text and 'type="file"' not in page.text
        assert client.post("/staff/report", files=_csv_upload("问题\n怎么办理不动产登记？\n")).status_code == 401
        assert client.post("/staff/login", data={"token": "wrong"}).status_code == 403
        assert client.get("/staff", headers={"Authorization": "Bearer wrong"}).status_code == 401

        nameless = client.post("/staff/login", data={"token": "s3cret-token"}, follow_redirects=False)
        assert nameless.status_code == 400 and "请填写姓名" in nameless.text
        login = client.post("/staff/login", data={"token": "s3cret-token", "name": "王芳"}, follow_redirects=False)
        assert login.status_code == 303
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "s3cret-token" not in cookie
        upload = client.get("/staff")
        assert upload.status_code == 200 and 'type="file"' in upload.text

        client.post("/staff/logout")
        assert client.get("/staff").status_code == 401


def test_staff_report_from_an_upload(stack, stack_settings):
    with _staff_client(stack, stack_settings, "s3cret-token") as client:
        auth = {"Authorization": "Bearer s3cret-token"}
        text = "问题,期望文档\n吉阳区设置了几个综合受理窗口？,003\n明天广州会下雨吗？,\n<img src=x onerror=alert(1)>,\n"
        reply = client.post("/staff/report", files=_csv_upload(text), headers=auth)
        assert reply.status_code == 200, reply.text
        csp = reply.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script" not in csp
        html = reply.text
        assert 'id="coverage-pct">33.3%<' in html  # one of three answered
        assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
        assert "<svg" in html and 'download="results.csv"' in html and "data:text/csv;charset=utf-8;base64," in html

        bad = client.post("/staff/report", files=_csv_upload("内容\n怎么办理？\n"), headers=auth)
        assert bad.status_code == 400 and "faq.csv: row 1: no column named question or 问题" in bad.text
        # Just over 2 MB: the page says so; far over: the gateway's body cap stops it before it is read.
        big = client.post("/staff/report", files=_csv_upload("问题\n" + "怎么办理不动产登记？\n" * 68_000), headers=auth)
        assert big.status_code == 413 and "2 MB" in big.text
        huge = client.post("/staff/report", files=_csv_upload("问题\n" + "怎么办理不动产登记？\n" * 250_000), headers=auth)
        assert huge.status_code == 413 and "最多 2112 KB" in huge.json()["error"]
        many = client.post("/staff/report", files=_csv_upload("问题\n" + "怎么办理？\n" * 2001), headers=auth)
        assert many.status_code == 413 and "2000" in many.text
    # The action server away (restarting): the page says so instead of failing.
    with _staff_client(stack, stack_settings, "t", actions_url="http://127.0.0.1:9") as client:
        away = client.post("/staff/report", files=_csv_upload("问题\n怎么办理？\n"), headers={"Authorization": "Bearer t"})
    assert away.status_code == 503 and "知识库暂时不可用" in away.text
