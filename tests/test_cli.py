"""The policybot command line, end to end in a subprocess, on the shipped corpus."""
from __future__ import annotations

import json
import os
import subprocess
import sys



def _run(settings, *args, input_text=None):
    env = {**os.environ, **settings.to_env()}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          input=input_text, timeout=600)


def test_ask_json_on_the_default_corpus(corpus_settings):
    out = _run(corpus_settings, "ask", "怎么办理不动产登记？", "--json")
    assert out.returncode == 0, out.stderr
    assert "\\u" not in out.stdout and "不动产登记" in out.stdout  # Chinese as it is, not escaped
    row = json.loads(out.stdout)
    assert set(row) >= {"question", "answered", "confidence", "answer", "citations"}
    assert row["answered"] is True
    c = row["citations"][0]
    assert set(c) >= {"n", "doc_id", "title", "date", "quote", "context", "start", "end", "score"}
    assert c["doc_id"] == "000_1a45194fc899ac1e.txt"


def test_ask_file_keeps_input_order(corpus_settings, tmp_path):
    questions = ["明天广州会下雨吗？", "新余为多少家企业建立了信用档案？", "吉陽區設置了幾個綜合受理窗口？"]
    f = tmp_path / "qs.jsonl"
    f.write_text("\n".join(json.dumps({"q": q}, ensure_ascii=False) for q in questions), encoding="utf-8")
    out = _run(corpus_settings, "ask", "--file", str(f), "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["question"] for r in rows] == questions
    assert [r["answered"] for r in rows] == [False, True, True]
    txt = tmp_path / "qs.txt"
    txt.write_text("\ufeff" + "\n\n".join(questions) + "\n", encoding="utf-8")
    rows = [json.loads(line) for line in _run(corpus_settings, "ask", "--file", str(txt), "--json").stdout.splitlines()]
    assert [r["question"] for r in rows] == questions


def test_eval_prints_the_metrics(corpus_settings, dev_questions):
    out = _run(corpus_settings, "eval", str(dev_questions))
    assert out.returncode == 0, out.stderr
    for metric in ("hit@1", "hit@3", "hit@5", "mrr", "out_of_scope_declined"):
        assert metric in out.stdout


def test_chat_loop_answers_then_exits(corpus_settings):
    out = _run(corpus_settings, "chat", input_text="吉阳区设置了几个综合受理窗口？\n\n")
    assert out.returncode == 0, out.stderr
    assert "[1]" in out.stdout and "6个" in out.stdout


def test_missing_index_is_a_clear_error(tmp_path):
    from knowledge.config import Settings

    out = _run(Settings(index_dir=tmp_path / "none"), "ask", "你好")
    assert out.returncode == 1
    assert "policybot index" in out.stderr


def test_index_names_each_document_kept_with_its_furniture(tmp_path):
    from knowledge.config import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "stub.txt").write_text("当前位置：首页 > 政务公开\n来源：怀柔区城管委 发布时间：2023-10-23 访问量：35\n【打印】【关闭】",
                                     encoding="utf-8")
    (corpus / "notice.txt").write_text("北京市怀柔区城市管理委员会关于做好供暖工作的通知 各镇乡：本区自2023年11月15日起供暖。",
                                       encoding="utf-8")
    out = _run(Settings(index_dir=tmp_path / "index"), "index", "--corpus", str(corpus), "--quiet")
    assert out.returncode == 0, out.stderr
    assert "unreadable 0, furniture kept 1)" in out.stdout
    kept = [line for line in out.stderr.splitlines() if "furniture kept" in line]
    assert len(kept) == 1 and kept[0].startswith("  furniture kept: stub.txt: removing page furniture would leave no text")
    assert "remove it from the corpus" in kept[0]
