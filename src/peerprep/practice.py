"""Practice sessions (quiz, study, review, exam): what is saved, when, and how they resume.

The CLI and the full-screen exam only ask, show and parse; everything that touches the
progress file goes through `PracticeService`. Three promises live here:

- An answer counts (in the score on screen) only after the write that saves it has
  returned. A Ctrl-C that arrives during the write is held until the write is done; one
  that escapes anyway is checked against the disk, and the drill says whether the last
  answer was saved.
- A session resumes with what the bank still has: items removed since are skipped,
  items whose options changed are shown in a fresh order (and their saved exam answers
  cleared), and the notice says so. Never a KeyError, never an answer under a wrong key.
- One session is driven by one process at a time (a claim file, held while it runs).

No printing and no typer/rich here; heavy imports (fsrs, pydantic models) wait for the
first save, so a quiz shows its first question as fast as before.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from peerprep.constants import EXAM_LIMIT_SECONDS
from peerprep.engine.draw import Presented
from peerprep.engine.session import Feedback, QuizSession
from peerprep.errors import InvalidInputError, PeerprepError

if TYPE_CHECKING:
    import datetime as dt

    from filelock import FileLock

    from peerprep.bank import Bank
    from peerprep.exams.session import ExamSession
    from peerprep.models import Question
    from peerprep.progress.history import History, Start, Unfinished
    from peerprep.progress.schema import Event, Mode
    from peerprep.progress.store import ProgressStore

DEFAULT_LIMIT = EXAM_LIMIT_SECONDS  # an exam start that carries no limit at all
_FP = "@"  # separates the on-screen order from the options' fingerprint


# ---------------------------------------------------------------- option orders
def fingerprint(item: Question) -> str:
    """A short hash of an item's options (keys and text): changes if any option does."""
    h = hashlib.blake2b(digest_size=4)
    for key in sorted(item.options):
        h.update(f"{key}\0{item.options[key]}\0".encode())
    return h.hexdigest()


def encode_order(item: Question, p: Presented) -> str:
    """What a session start stores per item: the shown order of bank keys, then the
    options' fingerprint ("CADB@1a2b3c4d"), so a resume can tell an edited item."""
    return "".join(p.order) + _FP + fingerprint(item)


def decode_order(item: Question, stored: str) -> tuple[str, ...] | None:
    """The stored order if it still fits the item as the bank has it now, else None.

    Older files hold the bare order ("CADB"): then only the keys can be checked.
    """
    keys, _, fp = stored.partition(_FP)
    if len(set(keys)) != len(keys) or set(keys) != set(item.options):
        return None
    if fp and fp != fingerprint(item):
        return None
    return tuple(keys)


def fresh_order(item: Question, session: str) -> tuple[str, ...]:
    """A new valid order for an edited item, the same on every resume of the session."""
    keys = sorted(item.options)
    random.Random(f"{session}:{item.id}").shuffle(keys)
    return tuple(keys)


def exam_limit(start: Start, snapshot: dict[str, Any] | None) -> float:
    """An exam's time limit in seconds: the typed field, or the label older files used."""
    if start.limit_seconds is not None:
        return float(start.limit_seconds)
    if start.label.startswith("limit:"):
        try:
            value = float(start.label.partition(":")[2])
        except ValueError:
            value = 0.0
        if value > 0:
            return value
    if snapshot is not None and float(snapshot.get("limit", 0)) > 0:
        return float(snapshot["limit"])
    return DEFAULT_LIMIT


# ---------------------------------------------------------------- interrupts
@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and a closed terminal (SIGHUP) until the block is done, then
    deliver them.

    Around a save, so an interrupt cannot leave an answer half-counted: the write
    finishes, and the interrupt arrives right after it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    caught: list[int] = []
    held = [signal.SIGINT, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    olds = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, old in olds.items():
            # None: the old handler was not set from Python; the default is the honest guess.
            signal.signal(s, old if old is not None else signal.SIG_DFL)
    if not caught:
        return
    first = signal.Signals(caught[0])
    old = olds[first]
    if callable(old):
        old(first, None)  # SIGINT's default handler (and the CLI's SIGHUP one) raise
    elif old == signal.SIG_DFL:
        if first == signal.SIGINT:
            raise KeyboardInterrupt
        os.kill(os.getpid(), first)  # the default action, now that the write is done


def hangup_as_interrupt() -> None:
    """A closed terminal (SIGHUP) ends a session the way Ctrl-C does: the quiz or exam
    saves where it stood (question, time used) before the process exits. Set by the
    console script; main thread only."""
    if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():

        def on_hangup(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGHUP, on_hangup)


class InterruptedAfterSave(KeyboardInterrupt):
    """Ctrl-C arrived during a save, which was let finish: the events are on disk."""


# ---------------------------------------------------------------- claims
class SessionBusyError(PeerprepError):
    """Another process is driving this session."""


class SessionClaim:
    """Held while a process drives a session: a second `--resume` of it is refused.

    An OS file lock (released by the kernel if the process dies, so a crash leaves no
    stale claim) on `<progress file>.session-<id>.lock`, with the holder's pid beside it
    for the message. The lock file is removed on release, so no claim files pile up.
    """

    def __init__(self, progress: Path, session: str) -> None:
        self.lock_path = progress.with_name(f"{progress.name}.session-{session}.lock")
        self.pid_path = self.lock_path.with_suffix(".pid")
        self._lock: FileLock | None = None
        self._fd: int | None = None

    def acquire(self, what: str) -> None:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            self._acquire_flock(what)
        else:
            self._acquire_filelock(what)
        self.pid_path.write_text(str(os.getpid()))

    def _acquire_flock(self, what: str) -> None:
        import errno
        import fcntl

        for _ in range(8):
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise self._busy(what) from None
                raise
            if self.holds_the_named_file(fd):
                self._fd = fd
                return
            os.close(fd)
        raise self._busy(what)

    def holds_the_named_file(self, fd: int) -> bool:
        """Is the file locked through `fd` the one the lock's name points at now?

        The holder removes the file as it lets go. A process that opened the name just
        before that wins a lock on a file nobody else will ever open, while a third
        creates a new one and locks it too: two claims at once. So a lock counts only
        on the file that is still there under the name.
        """
        try:
            named = os.stat(self.lock_path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)

    def _acquire_filelock(self, what: str) -> None:
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.lock_path), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise self._busy(what) from None
        self._lock = lock

    def _busy(self, what: str) -> SessionBusyError:
        try:
            pid = self.pid_path.read_text().strip()
        except OSError:
            pid = "?"
        return SessionBusyError(
            f"that {what} is already open in another peerprep process (pid {pid}); "
            "finish or close it there first"
        )

    def release(self) -> None:
        if self._fd is not None:
            # Removed while still locked, then unlocked: see holds_the_named_file.
            self.pid_path.unlink(missing_ok=True)
            self.lock_path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None
        if self._lock is None:
            return
        self.pid_path.unlink(missing_ok=True)
        self._lock.release()
        self._lock = None
        self.lock_path.unlink(missing_ok=True)


# ---------------------------------------------------------------- resume notices
@dataclass
class ResumeNotice:
    """What a resume had to change because the bank changed since the session began."""

    dropped: list[str] = field(default_factory=list)  # item ids no longer in the bank
    reshuffled: list[str] = field(default_factory=list)  # options changed: fresh order
    cleared: list[int] = field(default_factory=list)  # exam: question numbers, answer cleared
    left_out: int = 0  # quiz: answered earlier, item gone: not in the score

    def messages(self) -> list[str]:
        out = []
        if self.dropped:
            n = len(self.dropped)
            out.append(
                f"{n} question{'s are' if n != 1 else ' is'} no longer in the bank and "
                f"{'were' if n != 1 else 'was'} skipped ({', '.join(self.dropped)})."
            )
        if self.reshuffled:
            n = len(self.reshuffled)
            out.append(
                f"{n} question{'s' if n != 1 else ''} changed in the bank since you started "
                f"({', '.join(self.reshuffled)}): shown with a fresh option order."
            )
        if self.cleared:
            nums = ", ".join(str(i) for i in self.cleared)
            out.append(
                f"Your saved answer to question{'s' if len(self.cleared) != 1 else ''} {nums} "
                "was cleared because its options changed; answer it again."
            )
        if self.left_out:
            n = self.left_out
            out.append(
                f"{n} answered question{'s are' if n != 1 else ' is'} no longer in the bank "
                "and left out of this score."
            )
        return out

    @property
    def changed(self) -> bool:
        return bool(self.dropped or self.reshuffled or self.cleared)


# ---------------------------------------------------------------- the service
SaveOutcome = Literal["saved", "not saved"]


class PracticeService:
    """Every read and write a practice session makes, for one bank and one progress file."""

    def __init__(
        self,
        bank: Bank,
        store: ProgressStore,
        *,
        clock: Callable[[], dt.datetime],
        monotonic: Callable[[], float],
        critical: Callable[[], AbstractContextManager[None]] = interrupts_deferred,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock  # wall time, UTC, for what is saved
        self.monotonic = monotonic  # for durations on screen (answer time, exam countdown)
        self.critical = critical
        exam = bank.blueprint.exam
        self.pace = exam.minutes * 60 / exam.items  # FSRS: slower than this rates Hard

    def claim(self, session: str, what: str) -> SessionClaim:
        c = SessionClaim(self.store.path, session)
        c.acquire(what)
        return c

    def save(self, *events: Event, cards: Sequence[tuple[str, bool, float]] = ()) -> None:
        """Append events, with the review cards of `cards` (item, correct, seconds) moved
        in the same atomic write, and Ctrl-C held until it is done.

        A Ctrl-C held back this way is raised afterwards as `InterruptedAfterSave`, so
        the caller knows the events are on disk.
        """
        now = self.clock()

        def update(store_cards: dict[str, dict[str, Any]]) -> None:
            from peerprep.engine import schedule

            for item_id, correct, seconds in cards:
                store_cards[item_id] = schedule.review(
                    store_cards.get(item_id),
                    item_id,
                    correct=correct,
                    seconds=seconds,
                    when=now,
                    pace_seconds=self.pace,
                )

        written = False
        try:
            with self.critical():
                self.store.append(*events, on_cards=update if cards else None)
                written = True
        except KeyboardInterrupt as exc:
            if written and not isinstance(exc, InterruptedAfterSave):
                raise InterruptedAfterSave from None
            raise

    # ------------------------------------------------------------ drills
    def new_drill(self, presented: list[Presented], *, mode: Mode) -> Drill:
        """A new question-by-question session; nothing is written until its first answer."""
        from peerprep.progress.store import new_session_id

        return Drill(
            self,
            QuizSession(self.bank, presented, clock=self.monotonic),
            mode=mode,
            session=new_session_id(),
            started=False,
        )

    def unfinished_quizzes(self, history: History) -> list[Unfinished]:
        return [u for u in history.unfinished() if u.start.mode == "quiz"]

    def resume_drill(self, u: Unfinished) -> tuple[Drill, ResumeNotice]:
        """Continue an interrupted session with what the bank still has, in order."""
        notice = ResumeNotice()
        session = u.start.session
        # Claimed before anything is decided, then read again: what the caller read may
        # be stale (another process may have answered some of it since), and an item
        # asked again would be answered twice.
        claim = self.claim(session, u.start.mode)
        try:
            u = self._still_unfinished_drill(session)
        except BaseException:
            claim.release()
            raise
        presented = []
        for item_id, stored in u.remaining:
            if item_id not in self.bank:
                notice.dropped.append(item_id)
                continue
            q = self.bank.get(item_id)
            order = decode_order(q, stored)
            if order is None:
                notice.reshuffled.append(item_id)
                order = fresh_order(q, session)
            presented.append(Presented(item_id, order))
        earlier = [(a["item"], a["correct"]) for a in u.answered if a["item"] in self.bank]
        notice.left_out = len(u.answered) - len(earlier)
        quiz = QuizSession(self.bank, presented, clock=self.monotonic, earlier=earlier)
        drill = Drill(self, quiz, mode=u.start.mode, session=session, started=True)  # type: ignore[arg-type]
        drill.claim = claim
        return drill, notice

    def _still_unfinished_drill(self, session: str) -> Unfinished:
        for u in self.store.load().unfinished():
            if u.start.session == session:
                return u
        raise InvalidInputError("that session was finished in another peerprep process meanwhile")

    # ------------------------------------------------------------ exams
    def new_exam(self, presented: list[Presented], *, limit_seconds: float) -> ExamRun:
        """Start a timed exam: its start (with the typed limit) is saved at once, so even
        an exam left before its first answer can be resumed."""
        from peerprep.progress.schema import SessionStart
        from peerprep.progress.store import new_session_id

        session = new_session_id()
        claim = self.claim(session, "exam")
        try:
            self.save(
                SessionStart(
                    session=session,
                    at=self.clock(),
                    mode="exam",
                    items=[
                        (p.item_id, encode_order(self.bank.get(p.item_id), p)) for p in presented
                    ],
                    limit_seconds=limit_seconds,
                )
            )
        except BaseException:
            claim.release()
            raise
        return self._exam_run(session, presented, limit_seconds, 0.0, {}, set(), claim)

    def unfinished_exams(self, history: History) -> list[tuple[Start, dict[str, Any] | None]]:
        return history.unfinished_exams()

    def resume_exam(
        self, start: Start, snapshot: dict[str, Any] | None
    ) -> tuple[ExamRun, ResumeNotice]:
        """Continue an interrupted exam with its time left and what the bank still has.

        Snapshots store answers by position; if items were dropped or re-ordered, the
        exam continues as a new session (the old one is closed in the same write) whose
        start lists exactly the items now shown, so positions stay true.
        """
        from peerprep.progress.schema import ExamState, SessionEnd, SessionStart
        from peerprep.progress.store import new_session_id

        claim = self.claim(start.session, "exam")
        try:
            # What the caller read may be stale: another process may have driven this
            # exam (or submitted it) between that read and this claim. Only now, with
            # the claim held, is the disk the truth.
            start, snapshot = self._still_unfinished_exam(start.session)
            limit = exam_limit(start, snapshot)
            notice = ResumeNotice()
            presented: list[Presented] = []
            position: dict[int, int] = {}  # stored position -> position now
            edited: set[int] = set()  # positions now whose options changed
            for old, (item_id, stored) in enumerate(start.items):
                if item_id not in self.bank:
                    notice.dropped.append(item_id)
                    continue
                q = self.bank.get(item_id)
                order = decode_order(q, stored)
                position[old] = len(presented)
                if order is None:
                    notice.reshuffled.append(item_id)
                    order = fresh_order(q, start.session)
                    edited.add(len(presented))
                presented.append(Presented(item_id, order))
            answers: dict[int, str] = {}
            for k, key in (snapshot or {}).get("answers", {}).items():
                i = position.get(int(k))
                if i is None:
                    continue  # its item is gone; already named in `dropped`
                if i in edited or key not in presented[i].order:
                    notice.cleared.append(i + 1)
                    continue
                answers[i] = presented[i].shown_letter(key)
            notice.cleared.sort()
            flagged = {
                position[int(i)] for i in (snapshot or {}).get("flagged", []) if int(i) in position
            }
            elapsed = float((snapshot or {}).get("elapsed", 0.0))
            was_on = int((snapshot or {}).get("current", 0))
            # The question the candidate was on; if it left the bank, the one after it.
            current = next(
                (position[k] for k in sorted(position) if k >= was_on), len(presented) - 1
            )
            session = start.session
            if not presented:
                self.save(SessionEnd(session=session, at=self.clock()))
                raise InvalidInputError(
                    "none of that exam's questions are still in the bank; it was closed"
                )
            if notice.changed:
                session = new_session_id()
                moved = self.claim(session, "exam")
                claim.release()
                claim = moved
                now = self.clock()
                self.save(
                    SessionEnd(session=start.session, at=now),
                    SessionStart(
                        session=session,
                        at=now,
                        mode="exam",
                        items=[
                            (p.item_id, encode_order(self.bank.get(p.item_id), p))
                            for p in presented
                        ],
                        label=f"resumed:{start.session}",
                        limit_seconds=limit,
                    ),
                    ExamState(
                        session=session,
                        at=now,
                        elapsed=elapsed,
                        limit=limit,
                        answers={i: presented[i].original_key(a) for i, a in answers.items()},  # type: ignore[misc]
                        flagged=sorted(flagged),
                        current=max(current, 0),
                    ),
                )
        except BaseException:
            claim.release()
            raise
        run = self._exam_run(
            session, presented, limit, elapsed, answers, flagged, claim, max(current, 0)
        )
        return run, notice

    def _still_unfinished_exam(self, session: str) -> tuple[Start, dict[str, Any] | None]:
        for start, snapshot in self.store.load().unfinished_exams():
            if start.session == session:
                return start, snapshot
        raise InvalidInputError(
            "that exam was submitted or closed in another peerprep process meanwhile"
        )

    def _exam_run(
        self,
        session: str,
        presented: list[Presented],
        limit: float,
        elapsed: float,
        answers: dict[int, str],
        flagged: set[int],
        claim: SessionClaim,
        current: int = 0,
    ) -> ExamRun:
        from peerprep.exams.session import ExamSession

        run = ExamRun(self, session, claim)
        run.exam = ExamSession(
            self.bank,
            presented,
            limit_seconds=limit,
            clock=self.monotonic,
            elapsed=elapsed,
            answers=answers,
            flagged=flagged,
            current=current,
            on_change=run.snapshot,
        )
        return run


class Drill:
    """One quiz, study or review session in progress: answer, and every answer is saved
    (with its review card) before it counts."""

    def __init__(
        self,
        service: PracticeService,
        quiz: QuizSession,
        *,
        mode: Mode,
        session: str,
        started: bool,
    ) -> None:
        self.service = service
        self.quiz = quiz
        self.mode = mode
        self.session = session
        self._started = started  # is the session start on disk?
        self.claim: SessionClaim | None = None
        # Set when an interrupt hit while an answer was being saved: whether it was.
        self.interrupted_save: SaveOutcome | None = None

    def __enter__(self) -> Drill:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.claim is not None:
            self.claim.release()

    @property
    def saved_any(self) -> bool:
        return self._started

    def answer(self, shown_letter: str) -> Feedback:
        """Grade, save, then count. On KeyboardInterrupt, `interrupted_save` says whether
        this answer reached the disk (and it counts exactly when it did)."""
        from peerprep.progress.schema import AnswerEvent, SessionStart

        svc = self.service
        fb = self.quiz.grade(shown_letter)
        now = svc.clock()
        seconds = round(fb.seconds, 2)
        events: list[Event] = []
        if not self._started:
            # A new session's start is saved with its first answer: a session abandoned
            # unanswered leaves nothing behind. Claimed now, before anyone could see it.
            if self.claim is None:
                self.claim = svc.claim(self.session, self.mode)
            events.append(
                SessionStart(
                    session=self.session,
                    at=now,
                    mode=self.mode,
                    items=[
                        (p.item_id, encode_order(svc.bank.get(p.item_id), p))
                        for p in self.quiz.presented
                    ],
                )
            )
        event = AnswerEvent(
            session=self.session,
            at=now,
            item=fb.item.id,
            chosen=fb.chosen_original,  # type: ignore[arg-type]  # one of A-E
            correct=fb.correct,
            seconds=seconds,
            mode=self.mode,
        )
        events.append(event)
        try:
            svc.save(*events, cards=[(fb.item.id, fb.correct, seconds)])
        except KeyboardInterrupt as exc:
            # Either held until the write finished, or it escaped the write (a signal
            # that could not be held): then only the disk can say whether it happened.
            if isinstance(exc, InterruptedAfterSave) or self._on_disk(event):
                self._count(fb)
                self.interrupted_save = "saved"
            else:
                self.interrupted_save = "not saved"
            raise
        self._count(fb)
        return fb

    def _count(self, fb: Feedback) -> None:
        self._started = True
        self.quiz.record(fb)

    def _on_disk(self, event: Any) -> bool:
        history = self.service.store.load()
        return any(
            a["session"] == event.session and a["item"] == event.item
            for a in reversed(history.answers)
        )

    def end(self) -> None:
        """Close a finished session (one with anything saved) so it is not offered again."""
        from peerprep.progress.schema import SessionEnd

        if self.quiz.finished and self._started:
            self.service.save(SessionEnd(session=self.session, at=self.service.clock()))


class ExamRun:
    """A timed exam in progress: every change is snapshotted, submission is recorded."""

    exam: ExamSession

    def __init__(self, service: PracticeService, session: str, claim: SessionClaim) -> None:
        self.service = service
        self.session = session
        self.claim = claim

    def __enter__(self) -> ExamRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.claim.release()

    def snapshot(self, s: ExamSession | None = None) -> None:
        """Save where the exam stands (answers as bank keys, by position; time used)."""
        from peerprep.progress.schema import ExamState

        s = s or self.exam
        self.service.save(
            ExamState(
                session=self.session,
                at=self.service.clock(),
                elapsed=s.elapsed,
                limit=s.limit,
                answers=s.original_answers(),  # type: ignore[arg-type]
                flagged=s.flagged_list(),
                current=s.current,
            )
        )

    def record_submission(self) -> bool:
        """The submitted answers count toward progress and mastery; the session closes.

        No per-item timing in an exam, so review cards are rated on right/wrong alone.
        Returns False if a Ctrl-C stopped the write before it happened: the exam is then
        still open on disk (its last snapshot holds the answers) and can be resumed.
        """
        try:
            self._record_submission()
        except InterruptedAfterSave:
            return True
        except KeyboardInterrupt:
            pending = self.service.store.load().unfinished_exams()
            return all(start.session != self.session for start, _ in pending)
        return True

    def _record_submission(self) -> None:
        from peerprep.progress.schema import AnswerEvent, ExamState, SessionEnd

        s = self.exam
        assert s.result is not None, "submit the exam first"
        now = self.service.clock()
        # A last snapshot in the same write: its `elapsed` is the time the exam took
        # (`exam history` shows it); the answers in it equal the answer events.
        events: list[Event] = [
            ExamState(
                session=self.session,
                at=now,
                elapsed=min(s.elapsed, s.limit),
                limit=s.limit,
                answers=s.original_answers(),  # type: ignore[arg-type]
                flagged=s.flagged_list(),
            )
        ]
        cards: list[tuple[str, bool, float]] = []
        for i, letter in sorted(s.answers.items()):
            p, q = s.item(i)
            key = p.original_key(letter)
            events.append(
                AnswerEvent(
                    session=self.session,
                    at=now,
                    item=q.id,
                    chosen=key,  # type: ignore[arg-type]
                    correct=key == q.answer,
                    seconds=0.0,
                    mode="exam",
                )
            )
            cards.append((q.id, key == q.answer, 0.0))
        self.service.save(*events, SessionEnd(session=self.session, at=now), cards=cards)
