from bot.feedback import polarity_of, record, rows


def test_polarity_of_feedback_words():
    assert polarity_of("这个回答很有用") == "up"
    assert polarity_of("回答得不错") == "up"
    assert polarity_of("回答得不錯，謝謝") == "up"
    assert polarity_of("没用") == "down"
    assert polarity_of("答非所问，错了") == "down"


def test_feedback_is_stored_with_its_answer(tmp_path):
    db = tmp_path / "feedback.db"
    record("s1", "down", "不准确", "新余负面清单多少项", "530项[1]", [{"n": 1, "doc_id": "004.txt"}], db=db)
    (row,) = rows(db)
    assert row["rating"] == "down" and row["question"] == "新余负面清单多少项"
    assert '"doc_id": "004.txt"' in row["citations"]
