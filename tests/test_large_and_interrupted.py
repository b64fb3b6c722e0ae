"""Bounded ingestion and progress that survives: a file longer than the part size is indexed in parts with a
progress bar of its own, and an interrupted build keeps what it finished and resumes there, the previous
index live all along. Real files, the real model, `policybot index` as a real process."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from knowledge.answer.answering import answer_question
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.config import PROJECT_ROOT, Settings
from knowledge.index.building import build_index
from knowledge.index.store import current_build, load_bundles, read_manifest

from conftest import CORPUS

PART = 4000  # characters: small parts, so that a test file of a few parts embeds in seconds


def _long_file(folder):
    """One file of three shipped documents one after the other (about 40k characters)."""
    text = "\n".join((CORPUS / n).read_text(encoding="utf-8") for n in
                     ("001_3bffe2b40b3aca62.txt", "002_dbf7095373e82926.txt", "004_7877965d32ecbab8.txt"))
    path = folder / "long.txt"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_a_long_file_is_indexed_in_parts_that_answer_and_quote_exactly(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path, text = _long_file(corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", max_document_chars=PART)
    report = build_index(settings, progress=False)
    manifest = read_manifest(settings.index_dir)
    parts = sorted(manifest["documents"], key=lambda d: int(d.rsplit("#", 1)[1]))
    assert report.added == ["long.txt"] and len(parts) >= len(text) // PART
    assert all(d.startswith("long.txt#") and manifest["documents"][d]["file"] == "long.txt" for d in parts)
    kb = KnowledgeBase.load(settings)
    # The parts are the file, in order, nothing lost or repeated.
    assert "".join(kb.docs[d].original for d in parts) == text
    assert all(len(kb.docs[d].original) <= PART for d in parts)
    ans = answer_question(kb, "新余为多少家企业建立了信用档案？")
    assert ans.answered and "2万余家企业" in ans.answer
    c = ans.citations[0]
    assert c.doc_id.startswith("long.txt#") and kb.docs[c.doc_id].original[c.start:c.end] == c.quote

    again = build_index(settings, progress=False)
    assert again.unchanged == ["long.txt"] and not again.touched
    path.write_text(text[:PART // 2], encoding="utf-8")  # now one part: the old parts go
    shrunk = build_index(settings, progress=False)
    assert shrunk.changed == ["long.txt"]
    assert list(read_manifest(settings.index_dir)["documents"]) == ["long.txt"]
    assert len(list((current_build(settings.index_dir) / "docs").iterdir())) == 2  # its .json and .npz, no orphans


def test_a_long_file_shows_its_own_progress_in_characters(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _long_file(corpus)
    env = {**os.environ, **Settings(index_dir=tmp_path / "index", max_document_chars=PART).to_env()}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--corpus", str(corpus), "index"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "long.txt" in done.stderr and "char" in done.stderr  # the file's own bar, in characters


def test_an_interrupted_build_keeps_what_it_finished_and_resumes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = sorted(p.name for p in CORPUS.glob("0*.txt"))
    for name in names:
        shutil.copy(CORPUS / name, corpus / name)
    index = tmp_path / "index"
    settings = Settings(corpus_dir=corpus, index_dir=index)
    # A live index of the first document only: what must keep serving while the next build runs.
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in names[1:]:
        (corpus / name).rename(aside / name)
    build_index(settings, progress=False)
    live = current_build(index)
    for name in names[1:]:
        (aside / name).rename(corpus / name)

    env = {**os.environ, **settings.replace(index_checkpoint_s=0.0).to_env()}
    # As from a terminal: Ctrl-C's SIGINT raises KeyboardInterrupt (a shell's background job inherits it ignored).
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--corpus", str(corpus), "index", "--quiet"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:  # wait for the first checkpoint, then press Ctrl-C
        manifest = read_manifest(index)
        if manifest and len(manifest["documents"]) >= 2:
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    assert proc.returncode != 0  # interrupted, not finished
    kept = read_manifest(index)["documents"]
    assert 2 <= len(kept) < len(names)
    assert [p.name for p in index.glob("build-*")] == [current_build(index).name]  # the unfinished build is gone
    assert current_build(index) != live  # the checkpoint is live, and loads
    assert KnowledgeBase.load(settings).docs.keys() == kept.keys()

    resumed = build_index(settings, progress=False)
    assert names[0] in kept and set(resumed.unchanged) == set(kept)  # what was finished is not embedded again
    assert set(resumed.added) == set(names) - set(kept)
    assert set(read_manifest(index)["documents"]) == set(names)


def test_a_build_in_worker_processes_holds_what_a_build_in_process_holds(tmp_path):
    """The parallel build (two workers, forced for five documents) against the one in this process: the same
    documents, chunks, sentences and words, the same vectors but for bfloat16 rounding in other batches, and an
    unreadable file reported from a worker as from here."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "empty.txt").write_text("\u200b\n", encoding="utf-8")
    serial = Settings(corpus_dir=corpus, index_dir=tmp_path / "serial", index_workers=1)
    parallel = serial.replace(index_dir=tmp_path / "parallel", index_workers=2, index_parallel_min_bytes=0)
    env = {**os.environ, **parallel.to_env()}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--corpus", str(corpus), "index", "--quiet"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "empty.txt" in done.stderr  # skipped, and said so
    build_index(serial, progress=False)
    assert read_manifest(parallel.index_dir)["documents"] == read_manifest(serial.index_dir)["documents"]
    assert read_manifest(parallel.index_dir)["skipped"].keys() == {"empty.txt"}
    ours, theirs = (dict((b.doc.doc_id, b) for b in load_bundles(s.index_dir).bundles) for s in (serial, parallel))
    assert ours.keys() == theirs.keys() and len(ours) == 5
    for doc_id, b in ours.items():
        t = theirs[doc_id]
        assert [c.text for c in b.chunks] == [c.text for c in t.chunks] and b.tokens == t.tokens
        assert (b.sentence_spans == t.sentence_spans).all()
        assert (b.vectors * t.vectors).sum(axis=1).min() > 0.99
        assert (b.sentence_vectors * t.sentence_vectors).sum(axis=1).min() > 0.99
