"""The only module that prints: rich tables for people, a JSON envelope for tools.

Everything shown here that came from outside the program (bank and blueprint text, ids,
file names, CSV cells, key files, error messages) is data, and data must stay inert:
it goes through `peerprep.text.printable` (controls and invisible format characters
become visible stand-ins) and, when it lands inside a markup string, through rich's
`escape`, so `[bold]` or `[/]` in an item prints as written. `_m` does both for markup
strings and `_text` builds a plain Text. The console itself is an `InertConsole` as a
second line of defence for strings that callers pass in whole.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from peerprep import __version__
from peerprep.constants import OPTION_LETTERS
from peerprep.text import printable
from peerprep.wording import estimate, legend, local_time, percent_estimate, right_so_far

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from peerprep.bank import Bank
    from peerprep.bank_stats import BankStats
    from peerprep.engine.draw import Presented
    from peerprep.engine.mastery import Mastery
    from peerprep.engine.plan import DomainPace, Leech, Plan
    from peerprep.engine.score import ScoreReport, Tally
    from peerprep.engine.session import Feedback
    from peerprep.exams.grade import ClassGrade, GradeReport, RowProblem
    from peerprep.exams.scan import ScanReport
    from peerprep.exams.session import ExamSession
    from peerprep.lint import LintReport
    from peerprep.models import Blueprint, Question
    from peerprep.progress.history import SessionSummary
    from peerprep.progress.report import ProgressReport
    from peerprep.progress.store import CheckReport
    from peerprep.results import (
        BuildResult,
        ExamHistory,
        ExamReport,
        Failure,
        ReadinessResult,
        Validation,
    )

JSON_FORMAT = 1


def _m(value: object, *, multiline: bool = False) -> str:
    """Data to put inside a markup string: made printable, its brackets escaped."""
    return escape(printable(str(value), multiline=multiline))


def literal(value: object) -> str:
    """For the CLI's own notes: one line of data, safe inside a markup string."""
    return _m(value)


def _text(value: str, style: str = "", *, multiline: bool = True) -> Text:
    """Data as a Text (never parsed as markup), made printable."""
    return Text(printable(value, multiline=multiline), style=style)


class InertConsole(Console):
    """A Console whose string renderables are made printable before markup is parsed.

    Every str given to print(), rule(), input() or a table cell goes through
    render_str, so a caller that forgot `_m` still cannot emit a control sequence
    (its markup, if any, is its own bug; the tests grep for that). Emoji codes are
    off: ":x:" in an item is text, not a cross mark.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("highlight", False)
        kwargs.setdefault("emoji", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(printable(text, multiline=True), **kwargs)


# Characters json.dumps(ensure_ascii=False) leaves raw that a terminal may act on or
# hide (C1 controls, bidi and other format characters, separators, lone surrogates).
# Written as \uXXXX escapes they stay the same JSON string, byte for byte inert.
_JSON_UNSAFE = re.compile(r"[^\x20-\x7e\n]")  # json.dumps escapes controls in strings


def _json_escape(m: re.Match[str]) -> str:
    ch = m.group()
    if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return ch
    code = ord(ch)
    if code > 0xFFFF:  # JSON spells astral characters as a UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def lettered(rows: list[tuple[Text, Text]]) -> Table:
    """Letter and text side by side, so a wrapped option stays under its own text."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for letter, text in rows:
        grid.add_row(Text("  ") + letter, text)
    return grid


def option_rows(item: Question, p: Presented, chosen: str | None = None) -> Table:
    """The options of a presented item in shown order; the chosen letter in reverse."""
    rows = []
    for n, key in enumerate(p.order):
        letter = OPTION_LETTERS[n]
        style = "reverse" if letter == chosen else ""
        rows.append((Text(letter, style="bold cyan"), _text(item.options[key], style)))
    return lettered(rows)


def bar(fraction: float | None, width: int = 20) -> Text:
    """A solid bar for a share in [0, 1]; dim dots for 'no data'."""
    if fraction is None:
        return Text("·" * width, style="dim")
    full = round(max(0.0, min(1.0, fraction)) * width)
    style = "green" if fraction >= 0.75 else "yellow" if fraction >= 0.5 else "red"
    return Text("█" * full, style=style) + Text("░" * (width - full), style="dim")


def _pct(p: float | None) -> str:
    return "—" if p is None else f"{whole(p)} %"


def whole(p: float) -> int:
    """A percent rounded half up (3 of 8 and 1 of 8 both round away from the .5 the way
    a reader does by hand: 38 % and 13 %), not Python's half-to-even."""
    return math.floor(p + 0.5)


def _duration_pair(used: float | None, limit: float | None, *, words: bool = False) -> str:
    """'1:42 of 2:00' (hours:minutes) for a table; with words, '1 h 42 min of 2 h'."""

    def hm(seconds: float) -> str:
        minutes = round(seconds / 60)
        h, m = divmod(minutes, 60)
        if not words:
            return f"{h}:{m:02d}"
        if seconds < 30:
            return "under a minute"
        return f"{h} h {m:02d} min" if h and m else f"{h} h" if h else f"{m} min"

    if used is None:
        return "not recorded" if words else "—"
    return hm(used) + (f" of {hm(limit)}" if limit else "")


def verdict(fb: Feedback, *, markup: bool = False) -> str:
    """One line saying, in words, what was chosen and what is best (repeated at the pause
    prompt so it is on screen even when the explanations push it up)."""
    if fb.correct:
        text = f"Correct: you chose {fb.chosen_shown}, the best answer."
        return f"[bold green]✓ {text}[/]" if markup else f"✓ {text}"
    text = f"Not quite: you chose {fb.chosen_shown}; the best answer is {fb.key_shown}."
    return f"[bold red]✗ {text}[/]" if markup else f"✗ {text}"


class Renderer:
    def __init__(self, console: Console | None = None, err: Console | None = None) -> None:
        self.console = console or InertConsole()
        self.err = err or InertConsole(stderr=True)

    # ---------------------------------------------------------------- generic
    # ---------------------------------------------------------------- results
    def report(self, kind: str, result: Any, fmt: OutputFormat = "rich") -> None:
        """The one place a command's result becomes output: rich text for people, the
        versioned JSON envelope (`--json`), or CSV (`--csv`, where the result has one)."""
        if fmt == "json":
            self.json(kind, result.as_dict())
        elif fmt == "csv":
            self.data(result.to_csv())
        else:
            getattr(self, _HUMAN[kind])(result)

    def failure(self, f: Failure) -> None:
        self.error(f.message, f.details)

    def data(self, text: str) -> None:
        """Raw data on stdout (a CSV, a path) for a pipe or a file, exactly as it is; on
        a terminal, with its control characters shown rather than obeyed."""
        if self.console.is_terminal:
            text = printable(text, multiline=True)
        self.console.file.write(text)

    def json(self, kind: str, data: Any) -> None:
        """A versioned envelope, written raw (no colour, no wrapping) for tools."""
        payload = {"peerprep": __version__, "format": JSON_FORMAT, "kind": kind, "data": data}
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
        self.console.file.write(_JSON_UNSAFE.sub(_json_escape, text))
        self.console.file.write("\n")

    def error(self, message: str, details: tuple[str, ...] = ()) -> None:
        # soft_wrap: one problem per line, unbroken, so editors and grep can use it
        for line in details:
            self.err.print(_m(line), soft_wrap=True)
        self.err.print(f"[bold red]error:[/] {_m(message)}", soft_wrap=True)

    def note(self, message: str) -> None:
        self.console.print(message)

    def notices(self, messages: list[str]) -> None:
        for m in messages:
            self.err.print(f"[bold yellow]note:[/] {_m(m)}", soft_wrap=True)

    # ---------------------------------------------------------------- blueprint
    def domains(self, bp: Blueprint) -> None:
        shares = bp.shares()
        summary = Table(title=_m(bp.exam.name), title_justify="left", show_edge=False)
        summary.add_column("Domain")
        summary.add_column("Tasks", justify="right")
        summary.add_column("Weight", justify="right")
        summary.add_column("")
        for d in bp.domains:
            summary.add_row(
                f"{_m(d.code)}  {_m(d.name)}",
                str(len(d.tasks)),
                f"{100 * shares[d.code]:.1f} %",
                bar(shares[d.code] / max(shares.values())),
            )
        self.console.print(summary)
        self.console.print(
            f"[bold]{bp.exam.items}[/] items · [bold]{bp.exam.minutes}[/] minutes · "
            f"{bp.exam.options_per_item} options per item"
        )
        self.console.print(f"[yellow]Weights ({_m(bp.weights.basis)}):[/] {_m(bp.weights.source)}")
        self.console.print(f"[dim]{_m(bp.exam.source)}[/]\n")
        for d in bp.domains:
            t = Table(
                title=f"{_m(d.code)}  {_m(d.name)}",
                title_justify="left",
                show_header=False,
                show_edge=False,
                box=None,
                padding=(0, 1),
            )
            t.add_column(style="bold cyan", no_wrap=True)
            t.add_column()
            for task in d.tasks:
                t.add_row(_m(task.code), _m(task.text))
            self.console.print(t)
            self.console.print()

    # ---------------------------------------------------------------- bank
    def validated(self, v: Validation) -> None:
        src = "cache" if v.from_cache else "files"
        self.console.print(
            f"[green]✓[/] {v.items} items valid in {_m(v.source)} [dim](read from {src})[/]"
        )

    def stats(self, s: BankStats) -> None:
        t = Table(title=f"Bank: {s.total} items", title_justify="left")
        t.add_column("Domain")
        t.add_column("Items", justify="right")
        t.add_column("Of bank", justify="right")
        t.add_column("Blueprint", justify="right")
        for d in s.domains:
            t.add_row(
                f"{_m(d.code)}  {_m(d.name)}",
                str(d.items),
                f"{100 * d.share:.1f} %",
                f"{100 * d.blueprint_share:.1f} %",
            )
        self.console.print(t)
        most = max((x.items for x in s.tasks), default=1) or 1
        tt = Table(
            title=f"Items per task (fewer than {s.min_per_task} flagged)", title_justify="left"
        )
        # Codes and counts must never be cut to "I…"; the statement gives way instead.
        tt.add_column("Task", style="bold", no_wrap=True, min_width=4)
        tt.add_column("Items", justify="right", no_wrap=True, min_width=5)
        tt.add_column("", no_wrap=True, min_width=12)
        # 4 + 5 + 12 for the fixed columns, 13 for borders and padding.
        room = max(12, min(60, self.console.width - 34))
        tt.add_column("Statement", overflow="ellipsis", no_wrap=True, width=room)
        for task in s.tasks:
            flag = Text(f"{task.items}", style="bold red") if task.thin else Text(str(task.items))
            tt.add_row(_m(task.code), flag, bar(task.items / most, 12), _m(task.text))
        self.console.print(tt)
        n = sum(s.answer_letters.values()) or 1
        lt = Table(title="Answer-key letters", title_justify="left")
        lt.add_column("Letter")
        lt.add_column("Keys", justify="right")
        lt.add_column("Share", justify="right")
        lt.add_column("")
        for k, v in s.answer_letters.items():
            lt.add_row(
                _m(k), str(v), f"{100 * v / n:.1f} %", bar(v / n * len(s.answer_letters) / 2, 16)
            )
        self.console.print(lt)
        mix = ", ".join(f"{_m(k)} {v}" for k, v in s.cognitive.items())
        diff = ", ".join(f"{_m(k)}: {v}" for k, v in s.difficulty.items())
        self.console.print(f"Cognitive levels: {mix}.  Difficulty: {diff}.")
        if s.thin_tasks:
            codes = ", ".join(_m(t.code) for t in s.thin_tasks)
            n = len(s.thin_tasks)
            self.console.print(
                f"[yellow]{n} task(s) have fewer than {s.min_per_task} items:[/] {codes}"
            )

    def lint(self, report: LintReport) -> None:
        for f in report.findings:
            where = f"{f.file}:{f.line}: " if f.file else "bank: "
            item = f"{f.item_id}: " if f.item_id else ""
            self.console.print(
                f"{_m(where)}[bold]{_m(f.check)}[/]: {_m(item)}{_m(f.message)}",
                soft_wrap=True,
            )
        counts = report.as_dict()["counts"]
        t = Table(title=f"Lint: {report.items} items", title_justify="left")
        t.add_column("Check")
        t.add_column("Findings", justify="right")
        t.add_column("Items", justify="right")
        for check, n in counts.items():  # type: ignore[attr-defined]
            share = f"{100 * n / report.items:.1f} %" if report.items else "—"
            t.add_row(_m(check), Text(str(n), style="bold red" if n else "green"), share)
        self.console.print(t)
        letters = ", ".join(f"{_m(k)} {v}" for k, v in report.letters.items())
        self.console.print(
            f"Key letters: {letters}. Key is the longest option in "
            f"{100 * report.longest_key_share:.1f} % of items."
        )
        if report.clean:
            self.console.print("[green]✓ clean[/]")
        else:
            self.console.print(f"[yellow]{len(report.findings)} finding(s)[/]")

    # ---------------------------------------------------------------- progress
    @staticmethod
    def interval_bar(m: Mastery, width: int = 20) -> Text:
        """Solid to the interval's low end, shaded across the interval, dim beyond."""
        lo, hi = round(m.low * width), round(m.high * width)
        style = "green" if m.mean >= 0.75 else "yellow" if m.mean >= 0.5 else "red"
        return (
            Text("█" * lo, style=style)
            + Text("▒" * (hi - lo), style=style)
            + Text("░" * (width - hi), style="dim")
        )

    def _mastery_table(self, title: str, rows: list[Mastery], *, kind: str = "Task") -> Table:
        """Whole answers and the estimate in words, one row per domain or task.

        Names wrap rather than being cut: every column but the name is no_wrap, so only
        the name gives way when the terminal is narrow. The bar (the range drawn) needs
        room, so it shows from 120 columns up.
        """
        t = Table(title=title, title_justify="left")
        t.add_column("", style="bold", no_wrap=True)
        t.add_column(kind, overflow="fold", min_width=12)
        t.add_column("Right so far", justify="right", no_wrap=True)
        t.add_column("Estimated skill", no_wrap=True)
        with_bar = self.console.width >= 120
        if with_bar:
            t.add_column("", no_wrap=True, min_width=12)
        for m in rows:
            cells: list[str | Text] = [_m(m.code), _m(m.name)]
            if not m.answers:
                cells += ["—", "[dim]no answers yet[/]"]
                bar_cell = Text("·" * 12, style="dim")
            else:
                cells += [right_so_far(m.right, m.answers), estimate(m.mean, m.low, m.high)]
                bar_cell = self.interval_bar(m, 12)
            t.add_row(*cells, *([bar_cell] if with_bar else []))
        return t

    def estimate_legend(self) -> None:
        """What 'about' and 'likely' mean, once under the tables that use them."""
        self.console.print(f"[dim]{legend()}[/]")

    def progress(self, rep: ProgressReport) -> None:
        self.console.print(f"[dim]{_m(rep.path)}[/]")
        if not rep.answers:
            self.console.print("No answers recorded yet. Start with `peerprep quiz`.")
            if hint := self._resume_hint(rep):
                self.console.print(f"Unfinished:{hint}")
            return
        pct = 100 * rep.correct / rep.answers
        self.console.print(
            f"[bold]{rep.answers}[/] answers, {whole(pct)} % correct; "
            f"{rep.items_seen} of {rep.bank_items} items seen; "
            f"{len(rep.sessions)} session{'' if len(rep.sessions) == 1 else 's'}"
            + self._resume_hint(rep)
        )
        self.console.print(self._mastery_table("By domain", rep.mastery.domains, kind="Domain"))
        tried = [m for m in rep.mastery.tasks if m.answers]
        self.console.print(
            self._mastery_table(
                f"By task ({len(tried)} of {len(rep.mastery.tasks)} tasks answered)", tried
            )
        )
        self.estimate_legend()
        due = rep.due
        if due["cards"]:
            self.console.print(
                f"[bold]Spaced review:[/] {due['now']} due now, {due['today']} by the end of "
                f"today, {due['week']} within 7 days, of {due['cards']} questions"
                + (" → `peerprep review`" if due["now"] else "")
            )
        if rep.weakest:
            self.console.print(
                "[bold]Weakest tasks[/] (lowest estimated skill): "
                + ", ".join(_m(m.code) for m in rep.weakest)
            )
        self.leeches(rep.leeches)
        self.domain_pace(rep.pace)
        self.history_chart(rep.sessions)
        self.console.print(
            "[dim]Estimated skill is a study measure, not a prediction of IC&RC's scaled score.[/]"
        )

    @staticmethod
    def _resume_hint(rep: ProgressReport) -> str:
        """' (1 unfinished quiz: `peerprep quiz --resume`; ...)', each with the command
        that continues it; study and review sessions are drawn afresh, so not named."""
        quizzes = sum(
            s.mode == "quiz" and not s.finished and s.answered < s.asked for s in rep.sessions
        )
        exams = sum(s.mode == "exam" and not s.finished for s in rep.sessions)
        parts = [
            f"{n} unfinished {what if n == 1 else many}: `peerprep {what} --resume`"
            for n, what, many in ((quizzes, "quiz", "quizzes"), (exams, "exam", "exams"))
            if n
        ]
        return f" ({'; '.join(parts)})" if parts else ""

    def history_chart(self, sessions: list[SessionSummary], last: int = 15) -> None:
        shown = [s for s in sessions if s.answered][-last:]
        if not shown:
            return
        t = Table(
            title=f"Session scores (last {len(shown)})",
            title_justify="left",
            show_edge=False,
            box=None,
            padding=(0, 1),
        )
        t.add_column("When", style="dim", no_wrap=True)
        t.add_column("Mode")
        t.add_column("Score", justify="right")
        t.add_column("")
        for s in shown:
            frac = s.correct / s.scored_over
            t.add_row(
                local_time(s.started),
                _m(s.mode),
                f"{s.correct}/{s.scored_over}",
                bar(frac, 30) + Text(f" {whole(100 * frac)} %"),
            )
        self.console.print(t)

    def progress_check(self, rep: CheckReport) -> None:
        self.console.print(f"[dim]{_m(rep.path)}[/]")
        for f in rep.findings:
            self.console.print(f"[yellow]•[/] {_m(f)}", soft_wrap=True)
        for fix in rep.repairs:
            self.console.print(f"[green]repaired:[/] {_m(fix)}", soft_wrap=True)
        verdict = "[green]✓ ok[/]" if rep.ok else "[red]✗ problems found[/]"
        self.console.print(
            f"{verdict}: {rep.events} events in progress.json and {rep.segments} sealed segment(s)"
        )

    def readiness(self, result: ReadinessResult) -> None:
        est, moves, target_saved = result.estimate, result.trend, result.target_saved
        if target_saved:
            self.console.print(f"[green]✓[/] study target set to {est.target:g} %")
        if not est.answers:
            self.console.print(
                "No answers yet: readiness starts at a wide 50 % guess. "
                "Start with `peerprep quiz` or `peerprep study`."
            )
        self.console.print(
            self._mastery_table("By domain (recent answers count more)", est.domains, kind="Domain")
        )
        if est.low >= est.target:
            style = "green"
        elif est.expected >= est.target:
            style = "yellow"
        else:
            style = "red"
        self.console.print(
            "[bold]On a full practice exam weighted like the real one:[/] "
            f"[bold {style}]{percent_estimate(est.expected, est.low, est.high)}[/]"
        )
        self.console.print(
            f"Your study target: {est.target:g} % · chance you are already there: "
            f"{100 * est.p_target:.0f} %"
        )
        if len(moves) > 1:
            t = Table(
                title="How the estimate has moved (week ending)",
                title_justify="left",
                show_edge=False,
                box=None,
                padding=(0, 1),
            )
            t.add_column("Week", style="dim", no_wrap=True)
            t.add_column("Estimate", no_wrap=True)
            t.add_column("")
            for day, e, lo, hi in moves:
                t.add_row(day.isoformat(), percent_estimate(e, lo, hi), bar(e / 100, 30))
            self.console.print(t)
        self.estimate_legend()
        self.console.print(
            "[dim]IC&RC reports a scaled score (200–800, 500 passes) and does not publish the "
            "raw percent behind it. Your target is a study goal you choose, not a passing mark, "
            "and this estimate is not a pass prediction.[/]"
        )

    # ---------------------------------------------------------------- plan
    def plan(self, p: Plan) -> None:
        """Today's plan on one screen (at most 16 lines at 80 columns)."""
        out = self.console.print
        out(
            f"[bold]Exam {p.exam_date:%a %d %b %Y}: {p.days_left} day"
            f"{'s' if p.days_left != 1 else ''} left[/] [dim](today {p.today:%a %d %b})[/]"
        )
        t = p.progress
        frac = t.answered / t.target if t.target else 1.0
        out(
            Text("Today  ")
            + bar(frac, 16)
            + Text(
                f"  {t.answered} of {t.target} answered · new {t.new_done} of "
                f"{t.new_target} · reviews {t.reviews_done} of {t.reviews_target}"
            )
        )
        if p.streak:
            keep = "" if p.answered_today else " (answer today to keep it)"
            out(f"Streak: {p.streak} day{'s' if p.streak != 1 else ''} in a row{keep}")
        else:
            out("Streak: none yet; answer one question today to start one")
        whose = "your median" if p.pace_from == "your answers" else "exam pace"
        out(
            f"Each day: [bold]{p.new_per_day} new[/] + about "
            f"[bold]{p.reviews_per_day:.0f} reviews[/] ≈ {math.ceil(p.minutes_per_day)} min "
            f"[dim]at {p.seconds_per_answer:.0f} s an answer ({whose})[/]"
        )
        if p.fit is not None:
            f = p.fit
            if f.new_per_day == 0:
                fits = "reviews alone fill it, so no new items fit"
            else:
                assert f.covered_by is not None
                late = ", after the exam" if f.covered_by >= p.exam_date else ""
                fits = (
                    f"{f.new_per_day} new + about {f.reviews_per_day:.0f} reviews a day, "
                    f"all seen by {f.covered_by:%d %b %Y}{late}"
                )
            out(
                f"[yellow]More than your {f.minutes_a_day} min a day.[/] What fits: {fits}. "
                f"Or plan {math.ceil(p.minutes_per_day)} min a day."
            )
        elif p.minutes_a_day is not None:
            out(f"[green]✓[/] fits in your {p.minutes_a_day} min a day")
        out(f"New items, weakest domain first ({p.unseen} of {p.bank_items} not yet seen):")
        g = Table.grid(padding=(0, 2))
        for _ in range(4):
            g.add_column(no_wrap=True)
        for d in p.domains:
            name = d.name if len(d.name) <= 26 else d.name[:25] + "…"
            mastery = "no answers" if d.mastery is None else f"{100 * d.mastery:.0f} % mastery"
            when = f"all seen by {d.covered_by:%d %b}" if d.covered_by else "all seen"
            g.add_row(f"  {_m(d.code):<4}{_m(name)}", mastery, f"{d.unseen} new", when)
        out(g)
        if p.leeches:
            out(
                f"Leeches: {len(p.leeches)} item(s) missed {min(x.missed for x in p.leeches)}+ "
                "times → `peerprep quiz --leeches`"
            )
        out(self._next_steps(p))

    @staticmethod
    def _next_steps(p: Plan) -> str:
        steps = []
        new_left = max(0, p.progress.new_target - p.progress.new_done)
        first = next((d for d in p.domains if d.unseen), None)
        if new_left and first is not None:
            n = min(new_left, first.unseen)
            steps.append(f"`peerprep quiz --new -d {_m(first.code)} -n {n}`")
        if p.progress.reviews_target > p.progress.reviews_done:
            steps.append("`peerprep review`")
        if not steps:
            return "[green]✓ Today's plan is done.[/] More: `peerprep study`"
        return "[bold]Next:[/] " + ", then ".join(steps)

    def welcome(self, *, passed: dt.date | None = None) -> None:
        """Bare `peerprep` with no exam date: what to start with."""
        out = self.console.print
        if passed is not None:
            out(f"[yellow]Your exam date {passed.isoformat()} has passed.[/]")
        else:
            out("[bold]Welcome to peerprep[/]: practice for the IC&RC Peer Recovery exam.")
        out("Start with one of these:")
        g = Table.grid(padding=(0, 2))
        g.add_column(no_wrap=True)
        g.add_column()
        g.add_row("  peerprep quiz", "10 questions, each explained")
        g.add_row("  peerprep study", "practise where you are weakest")
        g.add_row("  peerprep plan --exam-date YYYY-MM-DD", "a daily plan to your exam")
        g.add_row("  peerprep exam", "a timed 75-item mock exam")
        out(g)

    def leeches(self, rows: list[Leech], limit: int = 8) -> None:
        """Items missed again and again: task, the stem's start, times missed."""
        if not rows:
            return
        self.console.print(
            f"[bold]Leeches: {len(rows)}[/] (missed 4+ times, not yet right 3 times in a row)"
        )
        t = Table.grid(padding=(0, 1))
        t.add_column(no_wrap=True, min_width=6)
        # A fixed width for the stem, so the count beside it is never squeezed out.
        t.add_column(no_wrap=True, overflow="ellipsis", width=max(20, self.console.width - 20))
        t.add_column(no_wrap=True, justify="right")
        for x in rows[:limit]:
            t.add_row(
                Text("  " + x.task, style="bold"),
                _text(x.stem, multiline=False),
                f"missed {x.missed}×",
            )
        self.console.print(t)
        more = f"and {len(rows) - limit} more (`--json` lists all); " if len(rows) > limit else ""
        self.console.print(f"  [dim]{more}drill them: `peerprep quiz --leeches`[/]")

    def domain_pace(self, rows: list[DomainPace]) -> None:
        """Median time per answer in each domain, in words, against the exam's pace."""
        if not any(r.median_seconds for r in rows):
            return
        self.console.print("[bold]Time per item[/] (median of your answers):")
        t = Table.grid(padding=(0, 2))
        t.add_column(no_wrap=True)
        t.add_column()
        for r in rows:
            if r.median_seconds is None:
                words = "no timed answers yet"
            else:
                words = f"about {r.median_seconds:.0f} s an item; exam pace is {r.exam_pace:.0f} s"
                if r.median_seconds > r.exam_pace:
                    words += " [yellow](slower than the exam allows)[/]"
            name = r.name if len(r.name) <= 26 else r.name[:25] + "…"
            t.add_row(f"  {_m(r.code):<4}{_m(name)}", words)
        self.console.print(t)

    # ---------------------------------------------------------------- exams
    @contextmanager
    def progress_bar(self, label: str, total: int) -> Iterator[Callable[[], None]]:
        """A progress bar on stderr for long work; yields a function that advances it."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
        ) as bar:
            task = bar.add_task(_m(label), total=total)
            yield lambda: bar.advance(task)

    def build_summary(self, result: BuildResult) -> None:
        s = result.as_dict()
        per = ", ".join(f"{_m(k)} {v}" for k, v in s["per_domain"].items())
        self.console.print(
            f"[green]✓[/] {s['forms']} form(s) of {s['items']} items "
            f"(seed {s['seed']}); per domain: {per}"
        )
        ov = s["overlap"]
        if s["forms"] > 1:
            self.console.print(
                f"Overlap between forms: at most {ov['max']} shared items "
                f"({ov['distinct_items']} distinct items used)"
            )
        for f in s["files"]:
            self.console.print(f"  {_m(f)}")

    def grade_report(self, g: ClassGrade | GradeReport) -> None:
        """Each form's report; warnings first, so a wrong key is seen before the tables."""
        from peerprep.exams.grade import ClassGrade

        reports = g.reports if isinstance(g, ClassGrade) else [g]
        for i, rep in enumerate(reports):
            if i:
                self.console.print()
            self.grade_form(rep)
        if isinstance(g, ClassGrade) and len(reports) > 1:
            self.grade_row_counts(g.problems, g.cells, g.absent)

    def grade_warnings(self, g: GradeReport) -> None:
        for w in g.warnings:
            style = "yellow" if w.code == "small-sample" else "bold red"
            self.console.print(f"[{style}]warning:[/] {_m(w.message)}")
        if g.dropped:
            shown = ", ".join(map(str, g.dropped))
            self.console.print(f"Dropped from scoring: item {shown}.")
        for n, (old, new) in g.rekeyed.items():
            self.console.print(f"Rekeyed: item {n} {_m(old)} -> {_m(new)}.")

    def grade_row_counts(
        self, problems: list[RowProblem], cells: list[RowProblem], absent: list[RowProblem]
    ) -> None:
        if cells:
            self.console.print(
                f"[yellow]{len(cells)} cell(s) with a double mark or no single option, "
                "scored wrong (listed above).[/]"
            )
        if absent:
            self.console.print(
                f"[yellow]{len(absent)} all-blank row(s) excluded as absent (listed above).[/]"
            )
        if problems:
            self.console.print(f"[yellow]{len(problems)} row(s) skipped (listed above).[/]")

    def grade_form(self, g: GradeReport) -> None:
        self.grade_warnings(g)
        caution = " [yellow](small sample: caution)[/]" if g.small_sample else ""
        t = Table(
            title=f"{_m(g.title)} · Form {_m(g.form)}: {len(g.candidates)} candidates",
            title_justify="left",
        )
        t.add_column("Candidate")
        t.add_column("Score", justify="right")
        t.add_column("Percent", justify="right")
        domains = list(g.candidates[0].by_domain) if g.candidates else []
        for d in domains:
            t.add_column(_m(d), justify="right")
        t.add_column("Blank", justify="right")
        for c in g.candidates:
            t.add_row(
                _m(c.id),
                f"{c.correct}/{len(g.items)}",
                f"{whole(c.percent)} %",
                *[f"{whole(c.by_domain[d])} %" for d in domains],
                str(c.blanks),
            )
        self.console.print(t)
        # Compact borders and one-word flags (explained below the table) keep the item
        # table within 80 columns; the full flag wording is in the warnings, --json, --csv.
        from rich import box

        from peerprep.exams.reports import short_flag

        it = Table(
            title=f"Item analysis{caution}",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            padding=(0, 0, 0, 1),
            pad_edge=False,
        )
        # One share column per option letter any item of the form has (4 on most forms).
        letters = [L for L in OPTION_LETTERS if any(L in i.shares for i in g.items)]
        disc = "Disc.*" if g.small_sample else "Disc."
        # Double marks and unreadable cells: a column only when the class had some.
        other = ["Invalid"] if any(i.invalid for i in g.items) else []
        for col in ("No.", "Item", "Key", "p", disc, *letters, "Blank", *other, "Flags"):
            it.add_column(
                col,
                justify="right" if col not in ("Item", "Flags") else "left",
                no_wrap=col != "Flags",
            )
        for i in g.items:
            shares = [f"{100 * i.shares[L]:.0f}" if L in i.shares else "" for L in letters]
            d = "—" if i.discrimination is None else f"{i.discrimination:.2f}"
            it.add_row(
                str(i.n),
                _m(i.id),
                _m(i.key),
                f"{i.p:.2f}",
                f"[bold red]{d}[/]" if i.discrimination is not None and i.discrimination < 0 else d,
                *shares,
                f"{100 * i.shares['blank']:.0f}",
                *[f"{100 * i.invalid:.0f}" for _ in other],
                _text(", ".join(short_flag(f) for f in i.flags), "yellow", multiline=False),
            )
        self.console.print(it)
        if any(i.flags for i in g.items):
            self.console.print(
                "[dim]Flags: hard/easy (p below 0.2 / above 0.9), low disc. (below 0.2), "
                "neg. disc. (negative: check the key), lure X (option X chosen more than "
                "the key). Shares are percents of the class.[/]"
            )
        if g.small_sample:
            self.console.print(
                f"[yellow]* {len(g.candidates)} candidates, fewer than 30: discrimination "
                "is a rough estimate.[/]"
            )
        kr = "—" if g.kr20 is None else f"{g.kr20:.2f}"
        sem = "—" if g.sem is None else f"{g.sem:.2f} points"
        self.console.print(
            f"Mean {g.mean:.1f} (sd {g.sd:.1f}) · KR-20 reliability {kr}{caution} · "
            f"standard error of measurement {sem}"
        )
        self.grade_row_counts(g.problems, g.cells, g.absent)

    def files_written(self, paths: list[Path]) -> None:
        """Where `exam grade --report/--csv-dir` put its files, on stderr (stdout may be
        --json or --csv for a pipe)."""
        if not paths:
            return
        folders = sorted({str(p.parent) for p in paths})
        self.err.print(
            f"Wrote {len(paths)} file{'s' if len(paths) != 1 else ''} to "
            f"{', '.join(_m(f) for f in folders)}",
            soft_wrap=True,
        )

    def scan_report(self, rep: ScanReport) -> None:
        """`exam scan`: the sheets read, then every mark a person must confirm."""
        t = Table(title=f"{len(rep.sheets)} answer sheet page(s) read", title_justify="left")
        for col in ("Picture", "Form", "Page", "Candidate", "Answered", "To confirm"):
            t.add_column(col, justify="left" if col in ("Picture", "Candidate") else "right")
        for sh in rep.sheets:
            t.add_row(
                _m(sh.source),
                str(sh.form),
                f"{sh.page}/{sh.pages}",
                _m(sh.candidate),
                str(sum(1 for a in sh.answers.values() if a)),
                str(len(sh.uncertain)) if sh.uncertain else "",
            )
        self.console.print(t)
        unsure = rep.uncertain
        if unsure:
            u = Table(
                title=f"{len(unsure)} mark(s) to confirm on the paper (fill 0 = blank, "
                "1 = as dark as the corner squares)",
                title_justify="left",
            )
            for col in ("Picture", "Page", "Candidate", "Where", "Read as", "Fills", "Why"):
                u.add_column(col, no_wrap=col in ("Where", "Read as"))
            for m in unsure:
                u.add_row(
                    _m(m.sheet),
                    str(m.page),
                    _m(m.candidate),
                    m.where,
                    _m(m.read) or "(blank)",
                    " ".join(f"{k}{v:.2f}".replace("0.", ".") for k, v in m.fills.items()),
                    _m(m.reason),
                )
            self.console.print(u)
        for f in rep.failures:
            self.err.print(f"[yellow]{_m(f.source)}:[/] {_m(f.message)}", soft_wrap=True)
        for p in rep.problems:
            self.err.print(f"[yellow]note:[/] {_m(p)}", soft_wrap=True)
        if rep.skipped:
            self.console.print(f"[dim]No answer sheet on {len(rep.skipped)} PDF page(s).[/]")
        for form, path in rep.written.items():
            self.console.print(f"[green]✓[/] Form {form} responses: {_m(path)}")
        if unsure:
            self.console.print(
                "[yellow]Check each mark above on the paper and correct its cell in the CSV "
                "before `peerprep exam grade`.[/]"
            )

    def row_problems(self, source: object, problems: list[RowProblem]) -> None:
        """Skipped rows of a responses CSV, one `file:line: message` each, on stderr."""
        for p in problems:
            self.err.print(f"[yellow]{_m(source)}:{p.line}:[/] {_m(p.message)}", soft_wrap=True)

    def exam_question(self, s: ExamSession) -> None:
        p, item = s.item()
        i = s.current
        mark = " [yellow]⚑ flagged[/]" if i in s.flagged else ""
        self.console.rule(
            f"[bold]Question {i + 1} of {len(s.items)}[/]{mark}  [dim]{len(s.answers)} answered[/]"
        )
        self.console.print(_m(item.stem.strip(), multiline=True) + "\n")
        self.console.print(option_rows(item, p, s.answers.get(i)))

    def exam_question_words(self, s: ExamSession) -> None:
        """The plain exam's question, every state in words (for a screen reader): no
        rule line, no reverse video, no symbol that is the only sign of something."""
        p, item = s.item()
        i = s.current
        status = [f"Question {i + 1} of {len(s.items)}.", f"{len(s.answers)} answered."]
        if i in s.flagged:
            status.append("Flagged for review.")
        self.console.print()
        self.console.print(f"[bold]{' '.join(status)}[/]")
        self.console.print(_m(item.stem.strip(), multiline=True) + "\n")
        rows = [
            (Text(OPTION_LETTERS[n], style="bold"), _text(item.options[key]))
            for n, key in enumerate(p.order)
        ]
        self.console.print(lettered(rows))
        chosen = s.answers.get(i)
        self.console.print(f"Your answer: {chosen}." if chosen else "Not answered.")

    def exam_review(self, s: ExamSession) -> None:
        un = [str(i + 1) for i in s.unanswered()]
        fl = [str(i + 1) for i in s.flagged_list()]
        self.console.print(f"[bold]Review:[/] {len(s.answers)} of {len(s.items)} answered.")
        self.console.print(f"Unanswered: {', '.join(un) if un else 'none'}", soft_wrap=True)
        self.console.print(f"Flagged: {', '.join(fl) if fl else 'none'}", soft_wrap=True)

    def exam_result(self, s: ExamSession, *, plain: bool = False) -> None:
        """The score by domain and the missed items; `plain` (the screen-reader mode)
        says each domain in a sentence instead of a bordered table with bars."""
        res = s.result
        assert res is not None
        r = res.report
        if res.timed_out:
            self.console.print("[yellow]Submitted when time ran out.[/]")
        title = (
            f"Exam result: {r.correct} of {len(s.items)} correct "
            f"({whole(100 * r.correct / len(s.items))} %); {res.answered} answered"
        )
        if plain:
            self.console.print(f"[bold]{title}.[/]")
            for d in r.by_domain:
                self.console.print(
                    f"Domain {_m(d.code)}, {_m(d.name)}: {d.correct} of {d.answered} correct"
                    + (f", {_pct(d.percent)}." if d.answered else ".")
                )
        else:
            self.domain_scores(title, r.by_domain)
        self.console.print(
            "[dim]Like IC&RC's score letter, this shows percent correct by domain. IC&RC's own "
            "result is a scaled score (200–800, 500 passes) whose raw cut is not published, "
            "so this is a study measure, not a pass prediction.[/]"
        )
        if res.missed and plain:
            self.console.print("\n[bold]Items to review:[/]")
        elif res.missed:
            self.console.rule("[bold]Items to review[/]")
        for number, q, chosen in res.missed:
            p = s.items[number - 1]
            self.console.print(f"[bold]{number}.[/] {_m(q.stem.strip(), multiline=True)}")
            mine = p.original_key(chosen) if chosen else None
            self._why_missed(q, mine, chosen, p.shown_letter(q.answer))
            self.console.print()

    def exam_history(self, h: ExamHistory) -> None:
        if not h.exams:
            self.console.print("No mock exam submitted yet. Take one with `peerprep exam`.")
            return
        t = Table(title="Your mock exams", title_justify="left", box=None, padding=(0, 1))
        t.add_column("#", justify="right")
        t.add_column("Date", no_wrap=True)
        t.add_column("Score", justify="right", no_wrap=True)
        codes = [d.code for d in h.exams[-1].report.by_domain]
        for code in codes:
            t.add_column(_m(code), justify="right")
        t.add_column("Time used", justify="right", no_wrap=True)
        for e in reversed(h.exams):  # newest first
            by = {d.code: d for d in e.report.by_domain}
            t.add_row(
                str(e.number),
                local_time(e.started),
                f"{e.correct}/{e.items} {whole(e.percent)} %",
                *(_pct(by[c].percent) if c in by else "—" for c in codes),
                _duration_pair(e.seconds_used, e.limit_seconds),
            )
        self.console.print(t)
        self.console.print(
            "[dim]Score counts every question (blanks are wrong). Domain columns: percent "
            "correct. Open one with `peerprep exam report N` (or `--last`).[/]"
        )

    def exam_report(self, rep: ExamReport) -> None:
        """A past exam, paged when it is longer than the screen (a terminal only)."""
        self._paged(lambda: self._exam_report(rep))

    def _exam_report(self, rep: ExamReport) -> None:
        e, bank = rep.exam, rep.bank
        c = self.console
        c.rule(f"[bold]Mock exam {e.number}[/]  {local_time(e.started)}")
        blanks = e.items - e.answered
        c.print(
            f"[bold]Score: {e.correct} of {e.items} correct ({whole(e.percent)} %)[/]; "
            f"{e.answered} answered, {blanks} left blank. "
            f"Time used: {_duration_pair(e.seconds_used, e.limit_seconds, words=True)}."
        )
        if e.dropped:
            c.print(f"[dim]{e.dropped} question(s) since removed from the bank are not counted.[/]")
        self.domain_scores("By domain (blanks count as wrong)", e.report.by_domain)
        c.print(
            "[dim]Percent correct is a study measure. IC&RC reports a scaled score "
            "(200–800, 500 passes) whose raw cut is not published.[/]"
        )
        missed = e.missed
        if not missed:
            c.print("[green]No question missed.[/]")
            return
        c.rule(f"[bold]Questions to review ({len(missed)})[/]")
        for q in missed:
            item = bank.get(q.item_id)
            stem = _m(item.stem.strip(), multiline=True)
            c.print(f"[bold]{q.number}.[/] [dim]{_m(item.task)}[/]  {stem}")
            self._why_missed(item, q.chosen, q.shown(q.chosen), q.shown(item.answer))
            c.print()

    def _why_missed(
        self, item: Question, chosen: str | None, chosen_letter: str | None, key_letter: str | None
    ) -> None:
        """A missed question's answer, the best answer and why, each option by its text
        (the end of an exam and `exam report` show it the same way)."""
        lines: list[tuple[str, str, str]] = []  # (label, text, style)
        if chosen is None:
            lines.append(("Your answer:", "none (left blank)", ""))
        else:
            label = f"Your answer ({chosen_letter}):" if chosen_letter else "Your answer:"
            lines.append((label, item.options[chosen], ""))
            why_not = item.rationale.distractors.get(chosen)
            if why_not:
                lines.append(("Why not:", why_not.strip(), "dim"))
        label = f"Best answer ({key_letter}):" if key_letter else "Best answer:"
        lines.append((label, item.options[item.answer], "green"))
        lines.append(("Why:", item.rationale.answer.strip(), "dim"))
        for label, text, style in lines:
            row = Text(label + " ", style=f"bold {style}".strip()) + _text(text, style)
            self.console.print(Padding(row, (0, 0, 0, 3)))

    def _paged(self, draw: Callable[[], None]) -> None:
        """Draw through the system pager (rich's, honouring $PAGER) when the output is a
        terminal and would not fit on one screen; else print it as it is."""
        c = self.console
        if not c.is_terminal:
            draw()
            return
        with c.capture() as cap:
            draw()
        text = cap.get()
        if text.count("\n") < c.height - 1:
            c.file.write(text)
            return
        import os

        # `less`, pydoc's default pager, shows colour codes as text unless told -R.
        os.environ.setdefault("LESS", "-R")
        with c.pager(styles=True):
            c.print(Text.from_ansi(text), end="")

    # ---------------------------------------------------------------- quiz
    def question(
        self, number: int, total: int, p: Presented, item: Question, bp: Blueprint
    ) -> None:
        d = bp.domain_of(item.task)
        self.console.rule(
            f"[bold]Question {number} of {total}[/]  [dim]{_m(d.name)} · {_m(item.task)}[/]"
        )
        self.console.print(_m(item.stem.strip(), multiline=True))
        self.console.print()
        self.console.print(option_rows(item, p))
        self.console.print()

    def feedback(self, fb: Feedback) -> None:
        """The verdict in words, then every option's text with its explanation.

        The chosen and the best option are named in words ("best answer", "your
        answer"), not only by colour, so a screen reader or NO_COLOR reads the same.
        """
        item, p = fb.item, fb.presented
        self.console.print(verdict(fb, markup=True))
        self.console.print(f"[dim]Source: {_m(item.source, multiline=True)}[/]")
        rows: list[tuple[int, Text, Text]] = []
        for i, key in enumerate(p.order):
            letter = OPTION_LETTERS[i]
            best = key == item.answer
            tags = [
                t
                for t, on in (("best answer", best), ("your answer", letter == fb.chosen_shown))
                if on
            ]
            style = "green" if best else "red" if tags else ""
            body = _text(item.options[key], "bold" if tags else "")
            if tags:
                body.append(f"  ({', '.join(tags)})", style=style)
            note = item.rationale.answer if best else item.rationale.distractors.get(key, "")
            if note:
                body.append("\n")
                body.append("Why: " if best else "Why not: ", style="italic")
                body.append_text(_text(note.strip(), "" if tags else "dim"))
            # The other options first, then yours, then the best answer: on a short
            # screen what scrolls away is what matters least, and the two that matter
            # sit right above the prompt (which repeats the verdict).
            rank = 2 if best else 1 if tags else 0
            rows.append((rank, Text(letter, style=f"bold {style}".strip()), body))
        rows.sort(key=lambda row: row[0])  # stable: letter order within a rank
        self.console.print(lettered([(letter, body) for _, letter, body in rows]))

    def missed(self, bank: Bank, ids: list[str]) -> None:
        """The items missed in a session, one line each: task, the stem's start, the key."""
        t = Table.grid(padding=(0, 1))
        t.add_column(no_wrap=True, min_width=5)
        t.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        for item_id in ids:
            q = bank.get(item_id)
            t.add_row(Text(q.task, style="bold"), _text(" ".join(q.stem.split()), multiline=False))
            t.add_row(
                Text(""),
                _text("Best: " + " ".join(q.options[q.answer].split()), "green", multiline=False),
            )
        self.console.print(f"\n[bold]Missed in this session ({len(ids)}):[/]")
        self.console.print(t)

    def score(self, r: ScoreReport, *, stopped_early: bool = False) -> None:
        if stopped_early:
            self.console.print(f"\n[yellow]Stopped after {r.answered} of {r.asked} questions.[/]")
        if not r.answered:
            self.console.print("No questions answered.")
            return
        self.domain_scores(f"Score: {r.correct}/{r.answered} ({_pct(r.percent)})", r.by_domain)
        self.console.print(
            "[dim]Percent correct is a study measure. IC&RC reports a scaled score "
            "(200–800, 500 passes) whose raw cut is not published.[/]"
        )

    def domain_scores(self, title: str, rows: list[Tally]) -> None:
        """Correct / percent / bar per domain: the shape of IC&RC's score letter."""
        t = Table(title=title, title_justify="left")
        t.add_column("Domain")
        t.add_column("Correct", justify="right")
        t.add_column("Percent", justify="right")
        t.add_column("")
        for d in rows:
            frac = d.correct / d.answered if d.answered else None
            t.add_row(
                f"{_m(d.code)}  {_m(d.name)}",
                f"{d.correct}/{d.answered}",
                _pct(d.percent),
                bar(frac),
            )
        self.console.print(t)


OutputFormat = Literal["rich", "json", "csv"]

# Result kind -> the method that shows it to a person (the JSON envelope's `kind` names
# the same thing). Names, not functions, so a subclass or a test can replace one.
_HUMAN: dict[str, str] = {
    "error": "failure",
    "bank.validate": "validated",
    "bank.stats": "stats",
    "bank.lint": "lint",
    "domains": "domains",
    "progress": "progress",
    "progress.check": "progress_check",
    "readiness": "readiness",
    "plan": "plan",
    "exam.build": "build_summary",
    "exam.grade": "grade_report",
    "exam.scan": "scan_report",
    "exam.history": "exam_history",
    "exam.report": "exam_report",
}
