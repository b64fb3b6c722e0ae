"""The `policybot` command line: index, ask, eval, coverage, FAQ entries, staff accounts and an interactive chat
in the terminal."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# Quiet third-party start-up chatter (jieba's dictionary build, transformers' warnings) on stderr.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _settings(args: argparse.Namespace):
    from knowledge.config import load_settings

    settings = load_settings()
    corpus = Path(args.corpus).resolve() if getattr(args, "corpus", None) else None
    return settings.replace(corpus_dir=corpus, index_dir=_index_dir_for(settings, corpus) if corpus else None)


def _index_dir_for(settings, corpus: Path) -> Path:
    """Each corpus folder gets its own index beside the default one, so indexing another folder never
    overwrites the default knowledge base."""
    import hashlib

    from knowledge.config import ENVIRONMENT

    if corpus == settings.corpus_dir.resolve() or os.environ.get(ENVIRONMENT["index_dir"]):
        return settings.index_dir
    digest = hashlib.sha1(str(corpus).encode()).hexdigest()[:8]
    return settings.index_dir.parent / f"index-{corpus.name}-{digest}"


def _quiet_libraries() -> None:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except ImportError:
        pass


def cmd_index(args) -> int:
    from knowledge.index.building import build_index

    settings = _settings(args)
    report = build_index(settings, rebuild=args.rebuild, progress=not args.quiet)
    if report.rebuilt_all:
        print(f"rebuilt every document ({report.rebuilt_all})")
    print(f"index {settings.index_dir}: {report.chunks} chunks from {len(report.added) + len(report.changed) + len(report.unchanged)}"
          f" documents (added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)},"
          f" unchanged {len(report.unchanged)}, unreadable {len(report.skipped)},"
          f" furniture kept {len(report.furniture_kept)})")
    for reason in report.skipped.values():
        print(f"  unreadable: {reason}", file=sys.stderr)
    for kept in report.furniture_kept:
        print(f"  furniture kept: {kept.doc_id}: {kept.reason}", file=sys.stderr)
    return 0


def _load_kb(settings):
    from knowledge.answer.knowledge_base import KnowledgeBase

    return KnowledgeBase.load(settings)


def _read_questions(path: Path) -> list[str]:
    from knowledge.evaluation.expectations import load_expectations

    if path.suffix.lower() == ".jsonl":
        return [e.question for e in load_expectations(path)]
    return [ln.strip() for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip()]


def _faq_book(settings):
    """The curated FAQ of the data folder (its entries answer first, as in the running bot)."""
    from knowledge.faq.book import FaqBook

    return FaqBook(settings)


def cmd_ask(args) -> int:
    from knowledge.faq.answering import answer_with_faq

    if not args.question and not args.file:
        print("policybot ask: give a question, or --file F with one question per line", file=sys.stderr)
        return 2
    questions = _read_questions(Path(args.file)) if args.file else [" ".join(args.question)]
    if args.via:
        return _ask_via(args, questions)
    settings = _settings(args)
    kb, faq = _load_kb(settings), _faq_book(settings)
    for q in questions:
        ans = answer_with_faq(kb, faq, q, args.k)
        if args.json:
            print(json.dumps(ans.to_json(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(ans), flush=True)
    return 0


def _ask_via(args, questions: list[str]) -> int:
    """The same questions through Rasa's REST channel: the dialogue layer end to end."""
    import httpx

    from knowledge.models import Answer
    from .rest_client import ask

    try:
        for row in ask(args.via, questions):
            if args.k is not None:
                row["citations"] = row["citations"][:args.k]
            print(json.dumps(row, ensure_ascii=False) if args.json else format_answer(Answer.from_json(row)), flush=True)
    except httpx.HTTPError as exc:
        print(f"policybot: cannot reach Rasa at {args.via} ({exc}): is it running (`make run`)?", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args) -> int:
    from .serve import serve

    from .serve import Scale
    from .supervisor import StartupFailed

    try:
        scale = Scale(args.rasa_workers, args.action_workers, args.gateway_workers)
    except StartupFailed as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    return serve(_settings(args), Path(args.rasa_model).resolve() if args.rasa_model else None, scale)


def cmd_web(args) -> int:
    from .addresses import public_url
    from .web import run

    settings = _settings(args).replace(web_port=args.port, web_host=args.host)
    print(f"policybot chat page: {public_url(settings)}  (relaying to Rasa at {args.rasa_url})", flush=True)
    run(settings, args.rasa_url, args.actions_url, workers=args.workers)
    return 0


def cmd_feedback_export(args) -> int:
    import sqlite3

    from . import feedback

    db = feedback.db_path(_settings(args))
    try:
        if not args.out:
            feedback.export_csv(db, sys.stdout)
            return 0
        if Path(args.out).suffix.lower() == ".xlsx":
            n = feedback.export_xlsx(db, Path(args.out))
        else:
            # utf-8-sig: Excel, which staff open CSV files with, needs the BOM to read Chinese.
            with open(args.out, "w", encoding="utf-8-sig", newline="") as out:
                n = feedback.export_csv(db, out)
    except sqlite3.DatabaseError as exc:
        print(f"policybot: {db} is not a readable feedback database ({exc}): move it aside and the next feedback"
              " starts a new one", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"policybot: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{n} feedback rows from {db} written to {args.out}", file=sys.stderr)
    return 0


def format_answer(ans) -> str:
    lines = [ans.answer, f"（置信度 {ans.confidence:.2f}）"]
    for c in ans.citations:
        lines.append(_format_citation(f"[{c.n}]", c))
    if ans.related:
        lines.append("相关内容：")
        lines.extend(_format_citation("·", c) for c in ans.related)
    return "\n".join(lines)


def _format_citation(label: str, c) -> str:
    from knowledge.models import FAQ_CITATION

    if c.kind == FAQ_CITATION:  # a curated entry: the answer is the quote; say which entry and question
        return f"{label} {c.title}{'（' + c.date + '）' if c.date else ''} · FAQ 条目 {c.doc_id.partition(':')[2]}\n    问：{c.context}"
    # Paragraph 0: a line of the page outside the text (a date line), which only the original has.
    where = f"{c.doc_id}{f' 第{c.paragraph}段' if c.paragraph else ''}，字符 {c.start}–{c.end}"
    return f"{label} {c.title}{'（' + c.date + '）' if c.date else ''} · {where}\n    “{c.text}”"


def cmd_eval(args) -> int:
    from knowledge.answer.answering import answer_question
    from knowledge.evaluation.expectations import load_expectations
    from knowledge.evaluation.report import evaluate

    exps = load_expectations(Path(args.file))
    kb = _load_kb(_settings(args))
    report = evaluate([(e, answer_question(kb, e.question, max(args.k, 5))) for e in exps])
    if args.json:
        print(json.dumps({"summary": report.summary(), "results": report.rows}, ensure_ascii=False, indent=1))
        return 0
    for row in report.rows:
        mark = "✓" if (row["rank"] == 1 or (row["expected"] == "decline" and not row["answered"])) else "✗"
        print(f"{mark} {row['id']:>4} rank={row['rank']} conf={row['confidence']:.2f} {row['question']}")
    for k, v in report.summary().items():
        print(f"{k}: {v}")
    return 0


def cmd_coverage(args) -> int:
    """Which questions of a list the knowledge base answers, as an HTML report plus CSV and JSON."""
    import httpx

    from knowledge.evaluation.coverage import run
    from knowledge.evaluation.questions_file import QuestionsFileError, read_questions

    from .answerers import in_process, through_rasa
    from .coverage_report import ReportMeta, write_report

    try:
        questions = read_questions(Path(args.file))
    except QuestionsFileError as exc:
        print(f"policybot coverage: {exc}", file=sys.stderr)
        return 2
    settings = _settings(args)
    if args.via:
        try:
            with through_rasa(args.via, args.k) as answer:
                result = run(questions, answer, settings.decline_below, progress=True)
        except httpx.HTTPError as exc:
            print(f"policybot: cannot reach Rasa at {args.via} ({exc}): is it running (`make run`)?", file=sys.stderr)
            return 1
    else:
        kb = _load_kb(settings)
        result = run(questions, in_process(kb, args.k, _faq_book(settings)), settings.decline_below,
                     {d.doc_id: d.meta.title for d in kb.docs.values()}, progress=True)
    paths = write_report(result, ReportMeta(Path(args.file).name, args.via or "in process"), Path(args.out))
    s = result.summary
    print(f"questions {s.total}: answered {s.answered}, declined {s.declined}, coverage {s.coverage_pct:.1f}%")
    print(f"low confidence (answered below {s.low_confidence_below}): {s.low_confidence}")
    print(f"answered from a curated FAQ entry: {s.curated}")
    if s.answerable:
        print(f"hit@1 {s.hit_at_1:.4f}  hit@3 {s.hit_at_3:.4f}  MRR {s.mrr:.4f}  ({s.answerable} questions with an expected document or answer)")
    if s.expected_declines:
        print(f"declined as expected: {s.expected_declines_correct}/{s.expected_declines}")
    print(f"report: {paths['report.html']}  (also {paths['results.csv'].name}, {paths['results.json'].name})")
    if args.fail_under is not None and s.coverage_pct < args.fail_under:
        print(f"policybot coverage: coverage {s.coverage_pct:.1f}% is below --fail-under {args.fail_under:g}%"
              f" ({s.declined} of {s.total} questions declined; see the gaps in {paths['report.html']})", file=sys.stderr)
        return 1
    return 0


def cmd_faq_import(args) -> int:
    from knowledge.faq.files import FaqFileError, read_faq

    try:
        rows = read_faq(Path(args.file))
    except FaqFileError as exc:
        print(f"policybot faq import: {exc}", file=sys.stderr)
        return 2
    saved = _faq_book(_settings(args)).save([r.draft for r in rows])
    print(f"{args.file}: {len(rows)} entries: added {saved.added}, updated {saved.updated}, unchanged {saved.unchanged}"
          " (a running bot serves them from its next question)")
    return 0


def _faq_store(args):
    from knowledge.faq.store import FaqStore, db_path

    return FaqStore(db_path(_settings(args)))


def cmd_faq_list(args) -> int:
    from datetime import date

    today = date.today()
    entries = _faq_store(args).search(args.search or "", limit=args.limit)
    for e in reversed(entries):
        state = "served" if e.served_on(today) else "disabled" if not e.enabled else "expired"
        extra = " · ".join(x for x in (e.dept, e.source, f"valid until {e.valid_until}" if e.valid_until else "") if x)
        print(f"{e.id:>5} [{state}] {e.question}" + (f"  ({extra})" if extra else ""))
    print(f"{len(entries)} entries", file=sys.stderr)
    return 0


def cmd_faq_export(args) -> int:
    from .faq_export import export_bytes

    entries = list(reversed(_faq_store(args).search("", limit=10**9)))  # oldest first, as imported
    try:
        data = export_bytes(entries, Path(args.file).suffix)
        Path(args.file).write_bytes(data)
    except ValueError as exc:
        print(f"policybot faq export: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"policybot faq export: cannot write {args.file} ({exc.strerror or exc})", file=sys.stderr)
        return 1
    print(f"{len(entries)} FAQ entries written to {args.file}", file=sys.stderr)
    return 0


def cmd_faq_enabled(args) -> int:
    enabled = args.faq_command == "enable"
    entry = _faq_store(args).set_enabled(args.id, enabled)
    if entry is None:
        print(f"policybot faq {args.faq_command}: no entry {args.id} (`policybot faq list` shows the ids)", file=sys.stderr)
        return 1
    print(f"entry {entry.id} {'enabled' if enabled else 'disabled'}: {entry.question}")
    return 0


PREP_FORMATS = ("md", "html", "docx")


def cmd_prep(args) -> int:
    from knowledge.briefing.briefing import prepare_briefing
    from knowledge.briefing.render import to_docx, to_html, to_markdown

    if args.format == "docx" and not args.out:
        print("policybot prep: --format docx writes a Word file: give --out FILE.docx", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else None
    if out is not None and (out.is_dir() or not out.parent.is_dir() or not os.access(out.parent, os.W_OK)):
        # Said before the knowledge base loads, so a typo in the path costs no waiting.
        print(f"policybot prep: cannot write {out}: its folder does not exist or is not writable,"
              " or it is a folder; choose a writable file path with --out", file=sys.stderr)
        return 1
    briefing = prepare_briefing(_load_kb(_settings(args)), " ".join(args.topic))
    try:
        if args.format == "docx":
            to_docx(briefing, out)
        else:
            text = to_html(briefing) if args.format == "html" else to_markdown(briefing)
            if out is None:
                print(text, end="", flush=True)
            else:
                out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"policybot prep: cannot write {out} ({exc.strerror or exc}): choose a writable path with --out",
              file=sys.stderr)
        return 1
    if out is not None:
        print(f"{out}: {len(briefing.questions())} questions, {len(briefing.figures)} figures"
              + ("" if briefing.found else " (nothing on this topic in the knowledge base)"), file=sys.stderr)
    return 0


def cmd_chat(args) -> int:
    from knowledge.faq.answering import answer_with_faq

    settings = _settings(args)
    kb, faq = _load_kb(settings), _faq_book(settings)
    print("policybot：请输入关于政策文件的问题（空行或 Ctrl-D 退出）。", flush=True)
    while True:
        try:
            q = input("问> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not q:
            return 0
        print(format_answer(answer_with_faq(kb, faq, q)) + "\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot", description="Answers questions about policy documents, with citations.")
    parser.add_argument("--corpus", help="folder of documents (default: the shipped corpus, or $POLICYBOT_CORPUS)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index of the corpus")
    p.add_argument("--corpus", default=argparse.SUPPRESS, help="folder of documents to index")
    p.add_argument("--rebuild", action="store_true", help="re-embed every document")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer one question, or every question of --file")
    p.add_argument("question", nargs="*")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.add_argument("--file", help=".txt with one question per line, or .jsonl with a q or question field")
    p.add_argument("--json", action="store_true", help="one JSON object per question")
    p.add_argument("--k", type=int, default=None, help="at most this many citations (default 3)")
    p.add_argument("--via", metavar="URL", help="ask through Rasa's REST channel at URL (e.g. http://localhost:5005)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="hit@k, MRR and declines on a .jsonl of questions with expectations")
    p.add_argument("file")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("coverage", help="which questions of a list the knowledge base answers: HTML, CSV and JSON report")
    p.add_argument("file", help=".txt (one question per line), .csv/.xlsx (a question or 问题 column; optional expected"
                                " answer and document columns) or .jsonl (q, optional doc and any)")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.add_argument("--out", default="coverage-report", help="folder for report.html, results.csv and results.json")
    p.add_argument("--via", metavar="URL", help="ask through Rasa's REST channel at URL instead of in process")
    p.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 when coverage is below PCT percent (for CI)")
    p.add_argument("--k", type=int, default=None, help="at most this many citations per answer (default 3)")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("serve", help="start the whole bot: index, Rasa model, action server, Rasa and the chat page;"
                                     " a part that stops is started again")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.add_argument("--rasa-model", metavar="FILE", help="serve this trained Rasa model (.tar.gz) instead of the one"
                                                         " trained from config.yml, domain.yml and data/")
    for flag, what in (("--rasa-workers", "Rasa servers"), ("--action-workers", "action servers"),
                       ("--gateway-workers", "gateway worker processes")):
        p.add_argument(flag, type=int, default=1, metavar="N",
                       help=f"{what} (default 1); more than one of anything starts the cluster: PostgreSQL and Redis"
                            " shared by the Rasa servers (docs/deploy.md)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("web", help="the chat page only, relaying to an already running Rasa (serve starts it too)")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=None, help="default 8000, or $POLICYBOT_WEB_PORT")
    p.add_argument("--host", default=None, help="default 127.0.0.1, or $POLICYBOT_WEB_HOST; 0.0.0.0 for phones on the LAN")
    p.add_argument("--rasa-url", default="http://127.0.0.1:5005",
                   help="Rasa's URL, or several comma-separated: each conversation stays on one (consistent hashing)")
    p.add_argument("--workers", type=int, default=1, help="gateway worker processes (their rate limits shared in Redis"
                   " when POLICYBOT_REDIS_HOST is set)")
    p.add_argument("--actions-url", default="http://127.0.0.1:5055")
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("feedback", help="citizens' feedback on answers")
    fsub = p.add_subparsers(dest="feedback_command", required=True)
    p = fsub.add_parser("export", help="all feedback as CSV or XLSX (question, answer, citations, rating, comment)")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.add_argument("--out", help="file to write: .xlsx for a workbook, else CSV (default: CSV to standard output)")
    p.set_defaults(func=cmd_feedback_export)
    p = sub.add_parser("faq", help="curated FAQ answers: served before the documents' answer when a question matches")
    fsub = p.add_subparsers(dest="faq_command", required=True)
    p = fsub.add_parser("import", help="add or update entries from .xlsx/.csv/.jsonl (question/问题, answer/答案,"
                                       " optional source/来源, dept/部门, valid_until)")
    p.add_argument("file")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_faq_import)
    p = fsub.add_parser("list", help="the entries with their ids and whether each is served")
    p.add_argument("--search", help="only entries whose question, answer, source or department holds this")
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_faq_list)
    p = fsub.add_parser("export", help="every entry to FILE (.csv, .xlsx or .jsonl), in the format import reads")
    p.add_argument("file")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_faq_export)
    for name, says in (("disable", "stop serving an entry (kept, and listed)"), ("enable", "serve an entry again")):
        p = fsub.add_parser(name, help=says)
        p.add_argument("id", type=int)
        p.add_argument("--corpus", default=argparse.SUPPRESS)
        p.set_defaults(func=cmd_faq_enabled)

    from .staff.accounts_cli import add_parsers as add_staff_parsers

    add_staff_parsers(sub, _settings)

    p = sub.add_parser("prep", help="a cited briefing for an interview host on a topic (Markdown, HTML or docx)")
    p.add_argument("topic", nargs="+", help="the interview's topic, e.g. 营商环境 or 不动产登记")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.add_argument("--format", choices=PREP_FORMATS, default="md", help="md (default, to stdout), html or docx")
    p.add_argument("--out", metavar="FILE", help="write the briefing to FILE (required for docx)")
    p.set_defaults(func=cmd_prep)

    p = sub.add_parser("chat", help="ask questions interactively in the terminal")
    p.add_argument("--corpus", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_chat)

    args = parser.parse_args(argv)
    if args.command != "staff" and args.func not in (cmd_serve, cmd_web, cmd_feedback_export, cmd_faq_list,
                                                     cmd_faq_export, cmd_faq_enabled):
        # the others load the model: quiet its libraries
        _quiet_libraries()
    from knowledge.index.embedding import ModelUnavailable
    from knowledge.ingest.readers import UnreadableDocument
    from knowledge.index.store import IndexUnavailable

    try:
        return args.func(args)
    except (IndexUnavailable, ModelUnavailable, UnreadableDocument, FileNotFoundError, ValueError) as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
