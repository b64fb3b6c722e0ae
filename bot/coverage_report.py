"""A coverage run as files for staff: a self-contained report.html, results.csv (for Excel) and results.json."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from knowledge.evaluation.coverage import LOW_CONFIDENCE_MARGIN, CoverageRun, Result

from . import spreadsheet
from .charts import inline_svg

# The report must open from disk and from the gateway with nothing fetched: inline style and SVG only, no script.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
CSV_COLUMNS = ("n", "where", "question", "answered", "status", "confidence", "low_confidence", "faq_entry", "answer", "top_doc_id",
               "top_title", "top_quote", "citations", "expected_doc", "expected_answer", "hit_rank", "expectation_met")


@dataclass(frozen=True)
class ReportMeta:
    file: str  # the question list's name, as the user knows it
    answered_by: str  # "in process" or the Rasa URL
    generated: str = ""

    def __post_init__(self):
        if not self.generated:
            object.__setattr__(self, "generated", datetime.now().isoformat(timespec="seconds"))


def write_report(run: CoverageRun, meta: ReportMeta, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in ("report.html", "results.csv", "results.json")}
    paths["results.csv"].write_bytes(results_csv(run))
    paths["results.json"].write_text(json.dumps(results_json(run, meta), ensure_ascii=False, indent=1), encoding="utf-8")
    paths["report.html"].write_text(render_html(run, meta, {"results.csv": "results.csv", "results.json": "results.json"}),
                                    encoding="utf-8")
    return paths


def results_json(run: CoverageRun, meta: ReportMeta) -> dict:
    summary = {"file": meta.file, "answered_by": meta.answered_by, "generated": meta.generated,
               **run.summary.to_json()}
    return {"summary": summary, "results": [r.to_json() for r in run.results]}


def results_csv(run: CoverageRun) -> bytes:
    """One row per question, for Excel (UTF-8 with a BOM; text that would start a formula is made text)."""
    return spreadsheet.csv_bytes(CSV_COLUMNS, (_csv_row(n, r) for n, r in enumerate(run.results, start=1)))


def _csv_row(n: int, r: Result) -> list:
    top = r.answer.citations[0] if r.answer.citations else None
    q = r.question
    curated = r.answer.curated_entry
    return [n, q.where, q.text, r.answer.answered, r.answer.status.value, round(r.answer.confidence, 4), r.low_confidence,
            "" if curated is None else curated, r.answer.answer, top.doc_id if top else "", top.title if top else "", top.quote if top else "",
            len(r.answer.citations), q.expected_doc or "", q.expected_answer, "" if r.rank is None else r.rank,
            "" if r.met is None else r.met]


def render_html(run: CoverageRun, meta: ReportMeta, downloads: dict[str, str] | None = None) -> str:
    rows = list(enumerate(run.results, start=1))
    return _TEMPLATES.get_template("coverage_report.html.j2").render(
        s=run.summary, meta=meta, rows=rows, gaps=[(n, r) for n, r in rows if r.gap],
        chart=histogram_svg(run), margin=LOW_CONFIDENCE_MARGIN, downloads=downloads or {}, csp=REPORT_CSP)


def histogram_svg(run: CoverageRun) -> Markup:
    """The confidence histogram as inline SVG markup; each bar group has an id starting with "bar-"."""
    s = run.summary
    edges = [i / 20 for i in range(21)]
    answered = [r.answer.confidence for r in run.results if r.answer.answered]
    declined = [r.answer.confidence for r in run.results if not r.answer.answered]

    def draw(ax) -> None:
        _, _, bars = ax.hist([declined, answered], bins=edges, stacked=True, color=["#d4a373", "#4c9f70"],
                             label=[f"declined ({len(declined)})", f"answered ({len(answered)})"])
        for name, container in zip(("declined", "answered"), bars):
            for i, patch in enumerate(container):
                patch.set_gid(f"bar-{name}-{i}")
        ax.axvline(s.decline_below, color="#57606a", linestyle="--", linewidth=1)
        ax.axvline(s.low_confidence_below, color="#9a6700", linestyle=":", linewidth=1)
        ax.set_xlim(0, 1)
        ax.set_xlabel("confidence")
        ax.set_ylabel("questions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False)

    return inline_svg(draw, (8, 3.2), "policybot-coverage")
