from bot.feedback import polarity_of, record, rows


def test_polarity_of_feedback_words():
    assert polarity_of("这个回答很有用") == "up"
    assert polarity_of("回答得不错") == "up"
    assert polarity_of("回答得不錯，謝謝") == "up"
    assert polarity_of("没用") == "down"
    assert polarity_of("答非所问，错了") == "down"


def test_feedback_is_stored_with_its_answer(tmp_path):
    db = tmp_path / "feedback.db"
    record(db, "s1", "down", "不准确", "新余负面清单多少项", "530项[1]", [{"n": 1, "doc_id": "004.txt"}])
    (row,) = rows(db)
    assert row["rating"] == "down" and row["question"] == "新余负面清单多少项"
    assert '"doc_id": "004.txt"' in row["citations"]


def test_export_writes_every_row_as_csv_with_readable_citations(tmp_path):
    import csv
    import io

    from bot.feedback import export_csv

    db = tmp_path / "feedback.db"
    record(db, "s1", "up", "", "问题一", "答案一[1]", [{"n": 1, "title": "新余文件", "doc_id": "004.txt", "quote": "原文, 带逗号"}])
    record(db, "s2", "down", "不对,\n换行", "问题二", "答案二", [])
    out = io.StringIO()
    assert export_csv(db, out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[0]["citations"] == "[1] 新余文件（004.txt）：原文, 带逗号"
    assert rows[1]["comment"] == "不对,\n换行"


def test_unknown_rating_is_refused(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="up.*down"):
        record(tmp_path / "f.db", "s", "meh", "", "q", "a", [])
