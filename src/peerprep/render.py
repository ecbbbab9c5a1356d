"""The only module that prints: rich tables for people, a JSON envelope for tools."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from peerprep import __version__

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.bank_stats import BankStats
    from peerprep.engine.draw import Presented
    from peerprep.engine.score import ScoreReport, Tally
    from peerprep.engine.session import Feedback
    from peerprep.models import Blueprint, Question

JSON_FORMAT = 1


def bar(fraction: float | None, width: int = 20) -> Text:
    """A solid bar for a share in [0, 1]; dim dots for 'no data'."""
    if fraction is None:
        return Text("·" * width, style="dim")
    full = round(max(0.0, min(1.0, fraction)) * width)
    style = "green" if fraction >= 0.75 else "yellow" if fraction >= 0.5 else "red"
    return Text("█" * full, style=style) + Text("░" * (width - full), style="dim")


def _pct(p: float | None) -> str:
    return "—" if p is None else f"{p:.0f} %"


class Renderer:
    def __init__(self, console: Console | None = None, err: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.err = err or Console(stderr=True, highlight=False)

    # ---------------------------------------------------------------- generic
    def json(self, kind: str, data: Any) -> None:
        """A versioned envelope, written raw (no colour, no wrapping) for tools."""
        payload = {"peerprep": __version__, "format": JSON_FORMAT, "kind": kind, "data": data}
        self.console.file.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        self.console.file.write("\n")

    def error(self, message: str, details: tuple[str, ...] = ()) -> None:
        # soft_wrap: one problem per line, unbroken, so editors and grep can use it
        for line in details:
            self.err.print(escape(line), soft_wrap=True)
        self.err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)

    def note(self, message: str) -> None:
        self.console.print(message)

    # ---------------------------------------------------------------- blueprint
    def domains(self, bp: Blueprint) -> None:
        shares = bp.shares()
        summary = Table(title=f"{bp.exam.name}", title_justify="left", show_edge=False)
        summary.add_column("Domain")
        summary.add_column("Tasks", justify="right")
        summary.add_column("Weight", justify="right")
        summary.add_column("")
        for d in bp.domains:
            summary.add_row(
                f"{d.code}  {d.name}",
                str(len(d.tasks)),
                f"{100 * shares[d.code]:.1f} %",
                bar(shares[d.code] / max(shares.values())),
            )
        self.console.print(summary)
        self.console.print(
            f"[bold]{bp.exam.items}[/] items · [bold]{bp.exam.minutes}[/] minutes · "
            f"{bp.exam.options_per_item} options per item"
        )
        self.console.print(
            f"[yellow]Weights ({escape(bp.weights.basis)}):[/] {escape(bp.weights.source)}"
        )
        self.console.print(f"[dim]{escape(bp.exam.source)}[/]\n")
        for d in bp.domains:
            t = Table(
                title=f"{d.code}  {d.name}",
                title_justify="left",
                show_header=False,
                show_edge=False,
                box=None,
                padding=(0, 1),
            )
            t.add_column(style="bold cyan", no_wrap=True)
            t.add_column()
            for task in d.tasks:
                t.add_row(task.code, escape(task.text))
            self.console.print(t)
            self.console.print()

    # ---------------------------------------------------------------- bank
    def validated(self, bank: Bank) -> None:
        src = "cache" if bank.from_cache else "files"
        self.console.print(
            f"[green]✓[/] {len(bank)} items valid in {escape(str(bank.source))} "
            f"[dim](read from {src})[/]"
        )

    def stats(self, s: BankStats) -> None:
        t = Table(title=f"Bank: {s.total} items", title_justify="left")
        t.add_column("Domain")
        t.add_column("Items", justify="right")
        t.add_column("Of bank", justify="right")
        t.add_column("Blueprint", justify="right")
        for d in s.domains:
            t.add_row(
                f"{d.code}  {d.name}",
                str(d.items),
                f"{100 * d.share:.1f} %",
                f"{100 * d.blueprint_share:.1f} %",
            )
        self.console.print(t)
        most = max((x.items for x in s.tasks), default=1) or 1
        tt = Table(
            title=f"Items per task (fewer than {s.min_per_task} flagged)", title_justify="left"
        )
        tt.add_column("Task", style="bold")
        tt.add_column("Items", justify="right")
        tt.add_column("")
        tt.add_column("Statement", overflow="ellipsis", no_wrap=True, max_width=60)
        for task in s.tasks:
            flag = Text(f"{task.items}", style="bold red") if task.thin else Text(str(task.items))
            tt.add_row(task.code, flag, bar(task.items / most, 12), escape(task.text))
        self.console.print(tt)
        n = sum(s.answer_letters.values()) or 1
        lt = Table(title="Answer-key letters", title_justify="left")
        lt.add_column("Letter")
        lt.add_column("Keys", justify="right")
        lt.add_column("Share", justify="right")
        lt.add_column("")
        for k, v in s.answer_letters.items():
            lt.add_row(
                k, str(v), f"{100 * v / n:.1f} %", bar(v / n * len(s.answer_letters) / 2, 16)
            )
        self.console.print(lt)
        mix = ", ".join(f"{k} {v}" for k, v in s.cognitive.items())
        diff = ", ".join(f"{k}: {v}" for k, v in s.difficulty.items())
        self.console.print(f"Cognitive levels: {mix}.  Difficulty: {diff}.")
        if s.thin_tasks:
            codes = ", ".join(t.code for t in s.thin_tasks)
            n = len(s.thin_tasks)
            self.console.print(
                f"[yellow]{n} task(s) have fewer than {s.min_per_task} items:[/] {codes}"
            )

    # ---------------------------------------------------------------- quiz
    def question(
        self, number: int, total: int, p: Presented, item: Question, bp: Blueprint
    ) -> None:
        d = bp.domain_of(item.task)
        self.console.rule(f"[bold]Question {number} of {total}[/]  [dim]{d.name} · {item.task}[/]")
        self.console.print(escape(item.stem.strip()))
        self.console.print()
        for i, key in enumerate(p.order):
            self.console.print(f"  [bold cyan]{'ABCDE'[i]}[/]  {escape(item.options[key])}")  # type: ignore[index]
        self.console.print()

    def feedback(self, fb: Feedback) -> None:
        item, p = fb.item, fb.presented
        if fb.correct:
            self.console.print(f"[bold green]✓ Correct[/] — {fb.key_shown}")
        else:
            self.console.print(
                f"[bold red]✗ Not quite[/] — you chose {fb.chosen_shown}; "
                f"the best answer is [bold]{fb.key_shown}[/]"
            )
        self.console.print(f"[green]{fb.key_shown}[/]  {escape(item.rationale.answer)}")
        for i, key in enumerate(p.order):
            note = item.rationale.distractors.get(key)  # type: ignore[call-overload]
            if note:
                style = "bold" if "ABCDE"[i] == fb.chosen_shown else "dim"
                self.console.print(f"[{style}]{'ABCDE'[i]}  {escape(note)}[/]")
        self.console.print(f"[dim]Source: {escape(item.source)}[/]\n")

    def score(self, r: ScoreReport, *, stopped_early: bool = False) -> None:
        if stopped_early:
            self.console.print(f"\n[yellow]Stopped after {r.answered} of {r.asked} questions.[/]")
        if not r.answered:
            self.console.print("No questions answered.")
            return
        t = Table(
            title=f"Score: {r.correct}/{r.answered} ({_pct(r.percent)})", title_justify="left"
        )
        t.add_column("Domain")
        t.add_column("Correct", justify="right")
        t.add_column("Percent", justify="right")
        t.add_column("")
        for d in r.by_domain:
            self._tally_row(t, d)
        self.console.print(t)
        self.console.print(
            "[dim]Percent correct is a study measure. IC&RC reports a scaled score "
            "(200–800, 500 passes) whose raw cut is not published.[/]"
        )

    @staticmethod
    def _tally_row(t: Table, d: Tally) -> None:
        frac = d.correct / d.answered if d.answered else None
        t.add_row(f"{d.code}  {d.name}", f"{d.correct}/{d.answered}", _pct(d.percent), bar(frac))
