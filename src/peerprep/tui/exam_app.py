"""The timed exam as a full-screen app: live countdown, keyboard navigation, review.

All exam logic lives in `peerprep.exams.session.ExamSession`; this module only shows
it and turns keys into calls, so the plain front end behaves the same.

Item text is data: it is shown as a `Content` (never parsed as Textual markup) made
`printable`, so neither `[b]` nor an escape sequence in a bank acts on the screen.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, ListItem, ListView, Static

from peerprep.constants import OPTION_LETTERS
from peerprep.exams.session import ExamSession
from peerprep.text import printable


def inert(text: str) -> Content:
    """Data for a widget: literal (no markup) and printable (no control sequences)."""
    return Content(printable(text, multiline=True))


def clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}"


class ReviewScreen(ModalScreen[str | int | None]):
    """Every item with its state; pick one to go there, or submit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("s", "submit", "Submit"),
    ]

    def __init__(self, session: ExamSession, *, confirm: bool) -> None:
        super().__init__()
        self.session = session
        self.confirm = confirm

    def summary(self) -> str:
        s = self.session
        un, fl = s.unanswered(), s.flagged_list()
        return (
            f"Review: {len(s.answers)} of {len(s.items)} answered · "
            f"{len(un)} unanswered · {len(fl)} flagged · {clock(s.remaining)} left"
        )

    def tick(self) -> None:
        """The clock runs here too (the app calls this every second)."""
        self.query_one("#review-summary", Label).update(self.summary())

    def compose(self) -> ComposeResult:
        s = self.session
        with Vertical(id="review"):
            yield Label(self.summary(), id="review-summary")
            rows = []
            for i in range(len(s.items)):
                chosen = s.answers.get(i)
                state = f"answer {chosen}" if chosen else "not answered"
                flag = "  ⚑ flagged" if i in s.flagged else ""
                rows.append(ListItem(Label(f"{i + 1:>3}.  {state}{flag}"), id=f"q{i}"))
            yield ListView(*rows, id="review-list")
            with Horizontal(id="review-buttons"):
                yield Button(
                    "Submit exam" if self.confirm else "Submit", variant="error", id="submit"
                )
                yield Button("Back to the exam", id="back")

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        self.dismiss(int((event.item.id or "q0")[1:]))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss("submit" if event.button.id == "submit" else None)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        self.dismiss("submit")


class ExamApp(App[None]):
    TITLE = "peerprep exam"
    CSS = """
    #bar { height: 1; background: $panel; padding: 0 1; }
    #timer { dock: right; width: auto; text-style: bold; }
    #timer.low { color: $error; }
    #question { padding: 1 2; }
    #stem { margin-bottom: 1; }
    #review { padding: 1 2; }
    #review-list { height: 1fr; border: round $primary; }
    #review-buttons { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *[Binding(k.lower(), f"answer('{k}')", k, show=False) for k in OPTION_LETTERS],
        Binding("n,right", "next", "Next"),
        Binding("p,left", "prev", "Previous"),
        Binding("f", "flag", "Flag"),
        Binding("x", "clear", "Clear"),
        Binding("r", "review", "Review"),
        Binding("s", "submit", "Submit"),
        Binding("q", "leave", "Leave"),
        # Textual's own Ctrl-C only says "Press ctrl+q to quit"; here it does what the
        # README promises: save and leave (the exam exits 130 and can be resumed).
        Binding("ctrl+c", "leave", "Save & leave", show=False, priority=True),
    ]

    def __init__(self, session: ExamSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield Label("", id="position")
            yield Label("", id="timer")
        with VerticalScroll(id="question"):
            yield Static("", id="stem")
            yield Static("", id="options")
        yield Footer()

    def on_mount(self) -> None:
        self.show()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        s = self.session
        if s.result is None and s.expired:
            s.submit(timed_out=True)
            self.exit()
            return
        # The exam screen's own widgets: `self.query_one` would search the screen on
        # top, which is the review screen while it is open (and the clock would stop).
        timer = self.screen_stack[0].query_one("#timer", Label)
        timer.update(f"⏱ {clock(s.remaining)} left")
        timer.set_class(s.remaining < 300, "low")
        if isinstance(self.screen, ReviewScreen):
            self.screen.tick()

    def show(self) -> None:
        s = self.session
        p, item = s.item()
        i = s.current
        flag = "  ⚑ flagged" if i in s.flagged else ""
        self.query_one("#position", Label).update(
            f"Question {i + 1} of {len(s.items)} · {len(s.answers)} answered{flag}"
        )
        self.query_one("#stem", Static).update(inert(item.stem.strip()))
        lines = []
        for n, key in enumerate(p.order):
            letter = OPTION_LETTERS[n]
            mine = s.answers.get(i) == letter
            mark = "●" if mine else "○"
            lines.append(f"{mark} {letter}  {item.options[key]}{'  (your answer)' if mine else ''}")
        self.query_one("#options", Static).update(inert("\n\n".join(lines)))
        self.tick()

    # ---------------------------------------------------------------- actions
    def action_answer(self, letter: str) -> None:
        s = self.session
        if letter in OPTION_LETTERS[: len(s.items[s.current].order)]:
            s.answer(letter)
            self.show()

    def action_next(self) -> None:
        self.session.next()
        self.show()

    def action_prev(self) -> None:
        self.session.prev()
        self.show()

    def action_flag(self) -> None:
        self.session.toggle_flag()
        self.show()

    def action_clear(self) -> None:
        self.session.clear()
        self.show()

    def _after_review(self, choice: str | int | None) -> None:
        if choice == "submit":
            self.session.submit()
            self.exit()
        elif isinstance(choice, int):
            self.session.goto(choice)
            self.show()

    def action_review(self) -> None:
        self.push_screen(ReviewScreen(self.session, confirm=False), self._after_review)

    def action_submit(self) -> None:
        self.push_screen(ReviewScreen(self.session, confirm=True), self._after_review)

    def action_leave(self) -> None:
        self.exit()


def run_exam_app(session: ExamSession) -> None:
    ExamApp(session).run()
