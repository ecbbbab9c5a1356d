"""What a trainer hands out after grading: a PDF per candidate, a class PDF, tidy CSVs.

Every number comes from `grade.GradeReport` (scores, p, discrimination, shares, KR-20,
SEM): this module only arranges them, adds the bank's text (stems, options, rationales)
by the ids in the key, and words them for people who are not psychometricians. The
documents are built as plain data (dicts of strings and numbers) handed to Typst as JSON,
so a candidate id or a stem is never read as markup.
"""

from __future__ import annotations

import io
import re
import statistics
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from peerprep import csvcells
from peerprep.constants import OPTION_LETTERS
from peerprep.exams.formkey import FormKey, KeyPosition
from peerprep.exams.grade import DISC_LOW, P_HIGH, P_LOW, ClassGrade, GradeReport, ItemStats

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.exams.grade import CandidateResult
    from peerprep.exams.responses import Candidate

Data = dict[str, object]

# What "±1 SEM" means to a candidate: under the classical model the band around an
# observed score holds about two scores in three (a normal error within one SD).
BAND_SHARE = 68

LEGEND: list[tuple[str, str]] = [
    (
        "p",
        f"share of the class who got the item right. Below {P_LOW}: very hard, or "
        f"miskeyed; above {P_HIGH}: so easy it tells candidates apart little.",
    ),
    (
        "Disc.",
        "discrimination: do the candidates who did well overall get this item right more "
        f"often? From -1 to 1. Below {DISC_LOW}: the item barely separates strong from weak "
        "candidates; below 0: stronger candidates miss it more, so check its key first.",
    ),
    (
        "A-E",
        "share of the class choosing each option; * marks the key. A wrong option chosen "
        "more than the key (a strong lure) often means a miskey or an ambiguous item.",
    ),
    ("Blank", "share who left the item blank (counted wrong)."),
    (
        "Flags",
        "why an item is listed first: hard, easy, low disc., neg. disc. (check the key), "
        "lure X (option X beat the key), rekeyed.",
    ),
    (
        "KR-20",
        "reliability of the whole form, 0 to 1: how consistently the items rank "
        "candidates. 0.7 or more is usual for a classroom test; fewer than 30 candidates "
        "make it a rough estimate.",
    ),
    (
        "SEM",
        "standard error of measurement, in items: a candidate's score would likely land "
        f"within this many items of their result on a similar form (about {BAND_SHARE} % of "
        "the time).",
    ),
]

_SHORT = [
    (re.compile(r"^rekeyed (\S+) -> (\S+)"), r"rekeyed \1→\2"),
    (re.compile(r"^hard\b"), "hard"),
    (re.compile(r"^easy\b"), "easy"),
    (re.compile(r"^negative discrimination"), "neg. disc."),
    (re.compile(r"^low discrimination"), "low disc."),
    (re.compile(r"^distractor (.+) chosen more than the key"), r"lure \1"),
]


def short_flag(flag: str) -> str:
    """A grade.py flag in a word or two, for a narrow table (the legend explains them)."""
    for pattern, repl in _SHORT:
        m = pattern.search(flag)
        if m:
            return m.expand(repl)
    return flag


def flagged_first(items: Sequence[ItemStats]) -> list[ItemStats]:
    """Items with a flag first (each group in printed order): what needs a look on top."""
    return sorted(items, key=lambda i: (not i.flags, i.n))


def domain_names(bank: Bank | None) -> dict[str, str]:
    return {d.code: d.name for d in bank.blueprint.domains} if bank is not None else {}


def class_domain_means(report: GradeReport) -> dict[str, float]:
    """Mean of the candidates' per-domain percents, in the report's (blueprint) order."""
    domains = list(report.candidates[0].by_domain) if report.candidates else []
    return {d: statistics.fmean(c.by_domain[d] for c in report.candidates) for d in domains}


def domain_items(report: GradeReport) -> dict[str, int]:
    out: dict[str, int] = {}
    for it in report.items:
        out[it.domain] = out.get(it.domain, 0) + 1
    return out


def band(report: GradeReport, correct: int) -> tuple[float, float] | None:
    """The score ± 1 SEM as percents of the scored items, kept within 0-100. None when
    there is no SEM, or KR-20 is negative: then the items disagree (likely a wrong key)
    and a band would look precise while meaning nothing."""
    if report.sem is None or (report.kr20 is not None and report.kr20 < 0):
        return None
    k = report.scored
    lo, hi = max(0.0, correct - report.sem), min(float(k), correct + report.sem)
    return 100.0 * lo / k, 100.0 * hi / k


def band_sentence(report: GradeReport, correct: int) -> str:
    b = band(report, correct)
    if report.kr20 is not None and report.kr20 < 0:
        return (
            "No score band is given: this form's reliability came out negative for this "
            "class, which usually means a wrong key; your trainer has been told to check it."
        )
    if b is None or report.sem is None:
        return (
            "This class's results do not allow an estimate of how much your score would "
            "vary on a similar form (the form's reliability could not be computed)."
        )
    text = (
        f"If you took a similar form again, your score would likely fall between "
        f"{b[0]:.0f} % and {b[1]:.0f} %. That band is your score plus or minus one standard "
        f"error of measurement ({report.sem:.1f} of {report.scored} items, from this class's "
        f"results): a score lands inside it about {BAND_SHARE} % of the time, two times in "
        "three."
    )
    if report.small_sample:
        text += (
            f" The class had only {len(report.candidates)} candidates, so the band is itself "
            "a rough estimate."
        )
    return text


# ---------------------------------------------------------------- item text
@dataclass(frozen=True)
class ItemText:
    stem: str
    options: list[str]  # in printed order
    notes: list[str]  # the rationale of each printed option
    found: bool = True


def item_text(bank: Bank | None, pos: KeyPosition) -> ItemText:
    if bank is None or pos.id not in bank:
        missing = f"(item {pos.id} is not in the bank given with --bank)"
        return ItemText(missing, ["" for _ in pos.order], ["" for _ in pos.order], False)
    q = bank.get(pos.id)
    return ItemText(
        q.stem.strip(),
        [q.options[b] for b in pos.order],
        [
            q.rationale.answer if b == q.answer else q.rationale.distractors.get(b, "")
            for b in pos.order
        ],
    )


def chosen_words(answer: str, pos: KeyPosition, text: ItemText) -> str:
    """The mark a candidate made, in words: a letter and its option, or what it was."""
    letters = OPTION_LETTERS[: pos.options]
    if not answer:
        return "left blank"
    if len(answer) == 1 and answer in letters:
        return f"{answer}. {text.options[letters.index(answer)]}".rstrip()
    if len(answer) > 1 and all(a in letters for a in answer):
        count = "two marks" if len(answer) == 2 else f"{len(answer)} marks"
        return f"{count} ({' and '.join(answer)}): scored wrong"
    return f"an unreadable mark ({answer!r}): scored wrong"


# ---------------------------------------------------------------- documents
def candidate_data(
    report: GradeReport,
    key: FormKey,
    result: CandidateResult,
    answers: Sequence[str],
    texts: dict[int, ItemText],
    names: dict[str, str],
    means: dict[str, float],
) -> Data:
    """One candidate's report: score, domains against the class, the band, missed items."""
    missed = []
    for it in report.items:
        pos = key.items[it.n - 1]
        mark = answers[it.n - 1] if it.n - 1 < len(answers) else ""
        if mark == it.key:
            continue
        t = texts[it.n]
        ki = OPTION_LETTERS.index(it.key)
        why_not = ""
        if len(mark) == 1 and mark in OPTION_LETTERS[: pos.options]:
            why_not = t.notes[OPTION_LETTERS.index(mark)]
        missed.append(
            {
                "n": str(it.n),
                "task": it.task,
                "domain": it.domain,
                "stem": t.stem,
                "chosen": chosen_words(mark, pos, t),
                "why_not": why_not,
                "key": f"{it.key}. {t.options[ki]}".rstrip(),
                "why": t.notes[ki],
                "rekeyed": it.n in report.rekeyed,
            }
        )
    return {
        "kind": "candidate",
        "title": report.title,
        "form": report.form,
        "candidate": result.id,
        "score": f"{result.correct} of {report.scored} ({result.percent:.0f} %)",
        "band": band_sentence(report, result.correct),
        "domains": [
            {
                "code": d,
                "name": names.get(d, ""),
                "you": pct / 100.0,
                "class": means[d] / 100.0,
                "label": f"you {pct:.0f} % · class {means[d]:.0f} %",
            }
            for d, pct in result.by_domain.items()
        ],
        "missed": missed,
        "notes": _scoring_notes(report),
    }


def _scoring_notes(report: GradeReport) -> list[str]:
    out = []
    if report.dropped:
        out.append(
            f"Item {', '.join(map(str, report.dropped))} left out of scoring by the trainer."
        )
    for n, (old, new) in report.rekeyed.items():
        out.append(f"Item {n} scored against {new} (the printed key was {old}).")
    return out


def histogram(report: GradeReport) -> list[Data]:
    """Candidates per 10-point band of percent correct (90-100 % is one band)."""
    counts = [0] * 10
    for c in report.candidates:
        counts[min(9, int(c.percent // 10))] += 1
    top = max(counts) or 1
    return [
        {
            "label": f"{10 * i}–{10 * i + 9 if i < 9 else 100}",
            "count": n,
            "height": n / top,
        }
        for i, n in enumerate(counts)
    ]


def class_data(report: GradeReport, names: dict[str, str]) -> Data:
    n, k = len(report.candidates), report.scored
    means = class_domain_means(report)
    per = domain_items(report)
    letters = [L for L in OPTION_LETTERS if any(L in i.shares for i in report.items)]
    caution = " (fewer than 30 candidates: a rough estimate)" if report.small_sample else ""
    median = statistics.median(c.correct for c in report.candidates)
    rows = []
    for it in flagged_first(report.items):
        rows.append(
            {
                "n": str(it.n),
                "id": it.id,
                "task": it.task,
                "p": f"{it.p:.2f}",
                "disc": "—" if it.discrimination is None else f"{it.discrimination:.2f}",
                "shares": [
                    (f"{100 * it.shares[L]:.0f}" + ("*" if it.key == L else ""))
                    if L in it.shares
                    else ""
                    for L in letters
                ],
                "blank": f"{100 * it.shares.get('blank', 0.0):.0f}",
                "flags": ", ".join(short_flag(f) for f in it.flags),
                "flagged": bool(it.flags),
            }
        )
    return {
        "kind": "class",
        "title": report.title,
        "form": report.form,
        "summary": [
            ["Candidates", str(n)],
            ["Items scored", str(k)],
            ["Mean", f"{report.mean:.1f} of {k} ({100 * report.mean / k:.0f} %)"],
            ["Median", f"{median:g} of {k} ({100 * median / k:.0f} %)"],
            ["Standard deviation", f"{report.sd:.1f} items"],
            ["KR-20 reliability", ("—" if report.kr20 is None else f"{report.kr20:.2f}") + caution],
            [
                "SEM",
                ("—" if report.sem is None else f"{report.sem:.1f} items") + caution,
            ],
        ],
        "warnings": [w.message for w in report.warnings],
        "notes": _scoring_notes(report),
        "histogram": histogram(report),
        "domains": [
            {
                "code": d,
                "name": names.get(d, ""),
                "mean": m / 100.0,
                "label": f"{m:.0f} % ({per.get(d, 0)} items)",
            }
            for d, m in means.items()
        ],
        "letters": letters,
        "items": rows,
        "flagged": sum(1 for r in rows if r["flagged"]),
        "legend": [[a, b] for a, b in LEGEND],
    }


# ---------------------------------------------------------------- file names
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(text: str, taken: set[str], *, limit: int = 60) -> str:
    """A file name (no extension) from a candidate id that is safe on every system: word
    characters, `.` and `-` only (no path separators), no leading dot, no Windows device
    name, and unique ignoring case (a clash gets -2, -3, ...). Adds it to `taken`."""
    name = unicodedata.normalize("NFKC", text)
    name = _UNSAFE.sub("_", name).strip("._-")[:limit].rstrip("._-") or "candidate"
    if _RESERVED.match(name):
        name = "_" + name
    out, i = name, 1
    while out.lower() in taken:
        i += 1
        out = f"{name}-{i}"
    taken.add(out.lower())
    return out


# ---------------------------------------------------------------- the set
@dataclass(frozen=True)
class ReportDocs:
    classes: list[tuple[str, Data]]  # (file name, class document), one per form
    candidates: list[tuple[str, Data]]  # (file name under candidates/, document)


def build_documents(
    grade: ClassGrade,
    keys: Sequence[FormKey],
    sheets: Iterable[Candidate],
    bank: Bank | None,
    *,
    candidates: bool = True,
) -> ReportDocs:
    """The class document of each form and (unless `candidates` is False) one document
    per candidate, with safe unique file names."""
    names = domain_names(bank)
    by_form = {k.form: k for k in keys}
    answers = {(c.form, c.id): c.answers for c in sheets}
    several = len(grade.reports) > 1
    classes: list[tuple[str, Data]] = []
    docs: list[tuple[str, Data]] = []
    taken: set[str] = set()
    for rep in grade.reports:
        key = by_form[int(rep.form)]
        classes.append(
            (f"class-form-{rep.form}.pdf" if several else "class.pdf", class_data(rep, names))
        )
        if not candidates:
            continue
        texts = {it.n: item_text(bank, key.items[it.n - 1]) for it in rep.items}
        means = class_domain_means(rep)
        for c in rep.candidates:
            got = answers.get((key.form, c.id)) or answers.get((None, c.id)) or []
            docs.append(
                (
                    safe_name(c.id, taken) + ".pdf",
                    candidate_data(rep, key, c, got, texts, names, means),
                )
            )
    return ReportDocs(classes, docs)


@cache
def _template() -> bytes:
    return resources.files("peerprep.exams").joinpath("templates/report.typ").read_bytes()


def render_pdf(data: Data) -> bytes:
    import datetime as dt
    import json

    from peerprep.exams.printable import _compiler  # one Typst compiler per thread

    pdf: bytes = _compiler().compile(
        input=_template(),
        sys_inputs={"data": json.dumps(data)},
        timestamp=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    )
    return pdf


def render_pdfs(datas: list[Data], on_done: Callable[[], None] = lambda: None) -> list[bytes]:
    """Class and candidate reports, compiled in parallel like the forms."""
    from peerprep.exams.printable import in_parallel

    return in_parallel(render_pdf, datas, on_done)


# ---------------------------------------------------------------- CSV tables
def _csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    w = csvcells.writer(out)  # ids and flags come from files we did not write
    w.writerow(header)
    for row in rows:
        w.writerow(row)
    return out.getvalue()


def _num(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


# Only something shaped like an address goes in the e-mail columns ("@cmd|calc" is not).
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

GRADEBOOK_ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def grade_column(grade: ClassGrade) -> str:
    """The gradebook's grade column: the form title, and that it is a percent."""
    return f"{grade.reports[0].title} (percent)"


def csv_tables(grade: ClassGrade) -> dict[str, str]:
    """Tidy tables, one kind of row per file, every form in one file with a `form` column;
    and gradebook.csv for a Moodle or Canvas gradebook import."""
    summary, cands, doms, items, opts, book = [], [], [], [], [], []
    for rep in grade.reports:
        f, k = rep.form, rep.scored
        per = domain_items(rep)
        summary.append(
            [
                f,
                len(rep.candidates),
                k,
                _num(rep.mean, 2),
                f"{statistics.median(c.correct for c in rep.candidates):g}",
                _num(rep.sd, 2),
                _num(rep.kr20),
                _num(rep.sem),
                int(rep.small_sample),
                " | ".join(dict.fromkeys(w.code for w in rep.warnings)),
            ]
        )
        for c in rep.candidates:
            b = band(rep, c.correct)
            cands.append(
                [
                    f,
                    c.id,
                    c.correct,
                    k,
                    _num(c.percent, 1),
                    c.blanks,
                    c.invalid,
                    "" if b is None else _num(b[0], 1),
                    "" if b is None else _num(b[1], 1),
                ]
            )
            for d, pct in c.by_domain.items():
                doms.append([f, c.id, d, per[d], round(pct * per[d] / 100), _num(pct, 1)])
            email = c.id if _EMAIL.fullmatch(c.id) else ""
            book.append([c.id, "", c.id, email, "", c.id, email, _num(c.percent, 1)])
        for it in rep.items:
            items.append(
                [
                    f,
                    it.n,
                    it.id,
                    it.task,
                    it.domain,
                    it.key,
                    _num(it.p),
                    _num(it.discrimination),
                    _num(it.shares.get("blank", 0.0)),
                    _num(it.invalid),
                    int(bool(it.flags)),
                    "; ".join(it.flags),
                ]
            )
            for opt, share in it.shares.items():
                opts.append([f, it.n, opt, int(opt == it.key), _num(share)])
    return {
        "summary.csv": _csv(
            [
                "form",
                "candidates",
                "items",
                "mean",
                "median",
                "sd",
                "kr20",
                "sem",
                "small_sample",
                "warnings",
            ],
            summary,
        ),
        "candidates.csv": _csv(
            [
                "form",
                "candidate",
                "correct",
                "items",
                "percent",
                "blanks",
                "invalid",
                "band_low_percent",
                "band_high_percent",
            ],
            cands,
        ),
        "domains.csv": _csv(["form", "candidate", "domain", "items", "correct", "percent"], doms),
        "items.csv": _csv(
            [
                "form",
                "item",
                "id",
                "task",
                "domain",
                "key",
                "p",
                "discrimination",
                "blank_share",
                "invalid_share",
                "flagged",
                "flags",
            ],
            items,
        ),
        "options.csv": _csv(["form", "item", "option", "is_key", "share"], opts),
        "gradebook.csv": _csv(
            [*GRADEBOOK_ID_COLUMNS, "ID number", "Email address", grade_column(grade)], book
        ),
    }
