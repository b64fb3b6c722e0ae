"""Every spreadsheet the project writes (feedback export as CSV and XLSX, the coverage results.csv, the staff
page's download) read back by real readers (the csv module, openpyxl): formulas typed by citizens or found in
documents arrive as text, nothing is lost, numbers stay numbers; and the export survives any stored row."""
from __future__ import annotations

import base64
import csv
import io
import os
import sqlite3
import subprocess
import sys

import openpyxl

from bot import feedback, spreadsheet
from bot.answerers import in_process
from bot.coverage_report import results_csv
from knowledge.config import Settings
from knowledge.evaluation.coverage import run
from knowledge.evaluation.questions_file import Question

ATTACKS = ['=HYPERLINK("http://x","y")', "=1+1", "+1+1", "@SUM(A1:A2)", "－1", "-2+3", "\t=1", "\r=1", "＝1+1",
           "＋1", "＠SUM(A1)", " =1+1", "\u3000=1+1"]
TRIGGERS = tuple("=+-@\t\r＝＋－＠")


def _unneutralised(cell: str) -> str:
    """The text as it was written, from a cell read back: the leading apostrophe is the only change."""
    return cell[1:] if cell.startswith("'") else cell


def _assert_all_text(cells: list[str]) -> None:
    for cell in cells:
        assert not cell.startswith(TRIGGERS) and not cell.lstrip(" \u3000\n").startswith(TRIGGERS), repr(cell)


def _feedback_db(tmp_path):
    db = tmp_path / "feedback.db"
    for n, attack in enumerate(ATTACKS, start=1):
        feedback.record(db, f"session-{n}", "down", attack, attack, f"{attack}[1]",
                        [{"n": 1, "title": attack, "doc_id": "004.txt", "quote": attack}])
    return db


def test_neutralise_only_text_that_starts_like_a_formula():
    assert spreadsheet.neutralise("=1+1") == "'=1+1"
    assert spreadsheet.neutralise("－1") == "'－1"
    assert spreadsheet.neutralise("办理时限 -3 天") == "办理时限 -3 天"
    assert spreadsheet.neutralise("") == ""
    assert spreadsheet.neutralise(-0.25) == -0.25 and spreadsheet.neutralise(3) == 3
    assert spreadsheet.neutralise(None) is None and spreadsheet.neutralise(True) is True


def test_feedback_csv_holds_text_not_formulas(tmp_path):
    db = _feedback_db(tmp_path)
    out = tmp_path / "feedback.csv"
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        assert feedback.export_csv(db, f) == len(ATTACKS)
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    header, body = table[0], table[1:]
    _assert_all_text([cell for row in body for cell in row])
    comments = [row[header.index("comment")] for row in body]
    assert [_unneutralised(c) for c in comments] == ATTACKS  # the text is all there
    assert [_unneutralised(row[header.index("question")]) for row in body] == ATTACKS
    assert body[0][header.index("citations")] == '[1] =HYPERLINK("http://x","y")（004.txt）：=HYPERLINK("http://x","y")'
    assert [row[0] for row in body] == [str(n) for n in range(1, len(ATTACKS) + 1)]


def test_feedback_xlsx_opened_by_openpyxl_holds_text(tmp_path):
    db = _feedback_db(tmp_path)
    out = tmp_path / "feedback.xlsx"
    assert feedback.export_xlsx(db, out) == len(ATTACKS)
    sheet = openpyxl.load_workbook(out).active  # formulas as formulas, not their cached values
    rows = list(sheet.iter_rows(min_row=2))
    cells = [c for row in rows for c in row]
    assert all(c.data_type != "f" for c in cells)
    _assert_all_text([c.value for c in cells if isinstance(c.value, str)])
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert [_unneutralised(row[header.index("comment")].value) for row in rows] == ATTACKS
    assert [row[0].value for row in rows] == list(range(1, len(ATTACKS) + 1))  # ids stay numbers


def test_numbers_stay_numbers_text_that_looks_negative_does_not(tmp_path):
    out = tmp_path / "t.xlsx"
    spreadsheet.write_xlsx(out, ["confidence", "note"], [[-0.25, "-0.25"], [0.5, "=A1"]])
    sheet = openpyxl.load_workbook(out).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [[-0.25, "'-0.25"], [0.5, "'=A1"]]
    assert sheet["A2"].data_type == "n"
    text = io.StringIO()
    spreadsheet.write_csv(text, ["confidence", "note"], [[-0.25, "-0.25"]])
    assert list(csv.reader(io.StringIO(text.getvalue())))[1] == ["-0.25", "'-0.25"]


def test_export_command_writes_xlsx_by_its_suffix(tmp_path):
    _feedback_db(tmp_path)
    out = tmp_path / "export.xlsx"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "feedback", "export", "--out", str(out)],
                          env={**os.environ, **Settings(data_dir=tmp_path).to_env()}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{len(ATTACKS)} feedback rows" in done.stderr
    assert openpyxl.load_workbook(out).active.max_row == len(ATTACKS) + 1


def test_coverage_results_csv_and_the_staff_download_hold_text(kb):
    questions = [Question(text, f"line {n}") for n, text in enumerate(ATTACKS, start=1)]
    result = run(questions, in_process(kb), kb.settings.decline_below, {})
    data = results_csv(result)
    assert data.startswith("\ufeff".encode())  # the BOM Excel needs for Chinese
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = table[0], table[1:]
    _assert_all_text([cell for row in body for cell in row])
    assert [_unneutralised(row[header.index("question")]) for row in body] == ATTACKS
    confidences = [float(row[header.index("confidence")]) for row in body]  # numbers, no apostrophe
    assert all(0 <= c <= 1 for c in confidences)

    from bot.coverage_report import ReportMeta
    from bot.staff.coverage import _downloads

    link = _downloads(result, ReportMeta("faq.csv", "in process"))["results.csv"]
    assert base64.b64decode(link.split(",", 1)[1]) == data


# --- the export survives any stored row ------------------------------------------------------------------

MALFORMED_CITATIONS = [
    '[[1, 2], [3]]',  # what POST /api/feedback once accepted: a list of lists
    '["[1] 一条", 5, null, true]',
    '{"n": 1, "title": "单个对象", "doc_id": "004.txt", "quote": "=1+1"}',
    '5', 'null', '"只是文字"', 'not json at all', '', "[" * 100_000,
    '[{"n": [1], "title": {"a": 1}, "doc_id": null}]',
]


def test_export_survives_malformed_rows_inserted_directly(tmp_path):
    db = tmp_path / "feedback.db"
    feedback.record(db, "good-session", "up", "好", "问题", "答案", [{"n": 1, "title": "t", "doc_id": "d", "quote": "q"}])
    with sqlite3.connect(db) as conn:
        for citations in MALFORMED_CITATIONS:
            conn.execute("INSERT INTO feedback (created, sender, rating, comment, question, answer, citations)"
                         " VALUES ('2026-01-01T00:00:00', 's', 'down', 'c', 'q', 'a', ?)", (citations,))
        # NULLs, numbers, bytes and text that is not UTF-8 where text belongs.
        conn.execute("INSERT INTO feedback (created, sender, rating, comment, question, answer, citations)"
                     " VALUES (NULL, 42, NULL, X'3d312b31ff', CAST(X'ff3d' AS TEXT), 1.5, X'5b5b315d5d')")
        conn.execute("INSERT INTO feedback (id) VALUES (NULL)")
    expected = 1 + len(MALFORMED_CITATIONS) + 2
    text = io.StringIO()
    assert feedback.export_csv(db, text) == expected
    table = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert len(table) == expected and table[0]["citations"] == "[1] t（d）：q"
    by_citations = {r["citations"] for r in table}
    assert "[1, 2]\n[3]" in by_citations  # each inner list on a line of its own, as its JSON
    assert "[1] 单个对象（004.txt）：=1+1" in by_citations
    assert "not json at all" in by_citations
    odd = table[-2]
    assert odd["sender"] == "42" and odd["answer"] == "1.5" and odd["comment"] == "'=1+1\ufffd"
    _assert_all_text([cell for row in table for cell in row.values()])
    assert feedback.export_xlsx(db, tmp_path / "f.xlsx") == expected
    assert openpyxl.load_workbook(tmp_path / "f.xlsx").active.max_row == expected + 1


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    (tmp_path / "feedback.db").write_bytes(b"this is not sqlite" * 100)
    done = subprocess.run([sys.executable, "-m", "bot.cli", "feedback", "export"],
                          env={**os.environ, **Settings(data_dir=tmp_path).to_env()}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "feedback.db is not a readable feedback database" in done.stderr
    assert "Traceback" not in done.stderr
