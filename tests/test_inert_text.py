"""Data never acts on the terminal, and OS errors never become tracebacks.

Requirement 10: bank, import, key and CSV text reaches the screen with its control
characters, bidi controls and rich/Textual markup made inert (`peerprep.text.printable`
plus markup escaping). Requirement 14: an OSError or Ctrl-C that escapes a command is
one line on stderr and an exit code, translated once in cli/app.py.
"""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from peerprep.cli import app
from peerprep.text import printable
from tests.conftest import WriteBank, item, items_for_all_tasks

runner = CliRunner()

ESC_CSI = "\x1b[2J"  # clear the screen
OSC8 = "\x1b]8;;http://evil\x1b\\"  # start a hyperlink
C1_CSI = "\x9b31m"  # the one-byte CSI of C1
BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ISOLATE = "\u2066"  # LEFT-TO-RIGHT ISOLATE
LINK = "[link=x]a[/link]"
FILE_TAG = "[link=x]a[bold]"  # markup a file name can hold (no slash)
HOSTILE = f"{ESC_CSI}{OSC8}{C1_CSI}{BIDI}{ISOLATE}\u200f {LINK} [/] [bold]"

# Every character that must never reach a terminal raw.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def assert_inert(data: bytes | str) -> str:
    """The raw output holds no ESC, no C1 control and no bidi control; returns it as text."""
    if isinstance(data, bytes):
        assert b"\x1b" not in data
        data = data.decode("utf-8")
    bad = FORBIDDEN.findall(data)
    assert not bad, f"raw control characters in output: {bad!r}"
    return data


def hostile_items() -> list[dict[str, Any]]:
    """A valid bank (one item per task) whose every free-text field is hostile."""
    out = []
    for it in items_for_all_tasks(1):
        answer = it["answer"]
        out.append(
            {
                **it,
                "stem": f"Stem {HOSTILE} what should the peer worker do?",
                "options": {k: f"Option {k} {HOSTILE}" for k in it["options"]},
                "rationale": {
                    "answer": f"Why {HOSTILE}",
                    "distractors": {k: f"Not {k} {HOSTILE}" for k in "ABCD" if k != answer},
                },
                "source": f"Source {HOSTILE}",
                "tags": [f"tag{HOSTILE}"],
            }
        )
    return out


def invoke(args: list[str], input: str | None = None) -> Result:
    return runner.invoke(app, args, input=input)


# ---------------------------------------------------------------- the sanitiser
def test_printable_replaces_controls_with_visible_stand_ins() -> None:
    assert printable("a\x1b[2Jb") == "a␛[2Jb"
    assert printable("\x00\x07\x7f") == "␀␇␡"
    assert printable("x\x9by") == "x<U+009B>y"
    assert printable("a\u202eb\u2066c\u200ed\u061ce") == "a<U+202E>b<U+2066>c<U+200E>d<U+061C>e"
    assert printable("zero\u200bwidth\ufeff") == "zero<U+200B>width<U+FEFF>"
    assert printable("tag\U000e0041") == "tag<U+E0041>"  # invisible "tag" letters smuggle text
    assert printable("bad\udcff.yaml") == "bad<U+DCFF>.yaml"  # undecodable file name byte
    assert printable("line\u2028sep") == "line<U+2028>sep"
    # Newline and tab only where the caller shows several lines.
    assert printable("a\nb\tc") == "a␊b␉c"
    assert printable("a\nb\tc\r", multiline=True) == "a\nb\tc␍"
    # Idempotent: stand-ins are printable.
    once = printable(HOSTILE)
    assert printable(once) == once
    assert not FORBIDDEN.search(once)


@pytest.mark.parametrize(
    "text",
    [
        "Café, naïve, Ångström, Zürich, façade",
        "“curly” ‘quotes’ — em dash – en dash … ellipsis · middle dot",
        "emoji 😀 👍🏽 👩‍⚕️ 👨‍👩‍👧 ❤️ 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "CJK 日本語のテキスト 中文 한국어",
        "Persian with ZWNJ: می\u200cخواهم; Hindi: क्षत्रिय",
        "combining e\u0301 and a\u0308; no-break\u00a0space; private use \ue000",
        "[brackets] and 3:1 odds :x: and C:\\path\\",
    ],
)
def test_printable_leaves_ordinary_text_alone(text: str) -> None:
    assert printable(text) == text
    assert printable(text, multiline=True) == text


# ---------------------------------------------------------------- the CLI, end to end
@pytest.fixture
def hostile_bank(write_bank: WriteBank) -> Path:
    return write_bank(a=hostile_items())


def test_quiz_prints_bank_text_inert(hostile_bank: Path) -> None:
    # Answer A on the only question: right or wrong, the feedback shows the key's
    # rationale and the chosen distractor's note, and the source.
    r = invoke(["quiz", "-n", "1", "--seed", "3", "--bank", str(hostile_bank)], input="a\n")
    assert r.exit_code == 0, r.output
    out = assert_inert(r.stdout_bytes)
    assert_inert(r.stderr_bytes)
    assert LINK in out and "[/]" in out and "[bold]" in out
    assert "␛[2J" in out and "<U+009B>" in out and "<U+202E>" in out
    for field in ("Stem ", "Option A ", "Why ", "Source "):
        assert field in out
    assert "Not " in out or "✓ Correct" in out


def test_quiz_renders_inert_on_a_colour_terminal(hostile_bank: Path) -> None:
    """With colours on, rich writes its own SGR codes, but never one from the data."""
    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint
    from peerprep.engine.draw import present
    from peerprep.engine.session import QuizSession
    from peerprep.render import InertConsole, Renderer

    b = load_bank(hostile_bank, load_blueprint())
    import random

    presented = present(b, sorted(b.ids)[:1], random.Random(1))
    out, err = io.StringIO(), io.StringIO()
    kw: dict[str, Any] = {"force_terminal": True, "color_system": "truecolor", "width": 100}
    r = Renderer(InertConsole(file=out, **kw), InertConsole(file=err, **kw))
    s = QuizSession(b, presented)
    p, q = s.current()
    r.question(1, 1, p, q, b.blueprint)
    r.feedback(s.answer("B"))
    r.error(f"bad {HOSTILE}", (f"detail {HOSTILE}",))
    for text in (out.getvalue(), err.getvalue()):
        assert "\x1b[" in text  # colour is on: this is a real terminal rendering
        for seq in (ESC_CSI, "\x1b]8;;http://evil", "\x1b]8;", "\x9b", BIDI, ISOLATE):
            assert seq not in text
        assert not re.search("[\x80-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]", text)
        assert LINK in text


def test_plain_exam_prints_bank_text_inert(hostile_bank: Path) -> None:
    # Submit without answering: the result lists the item with its key and rationale.
    args = ["exam", "--plain", "--items", "1", "--seed", "2", "--bank", str(hostile_bank)]
    r = invoke(args, input="s\ny\n")
    assert r.exit_code == 0, r.output
    out = assert_inert(r.stdout_bytes)
    assert_inert(r.stderr_bytes)
    assert "Exam result" in out and "Items to review" in out
    assert out.count(LINK) >= 3  # stem shown twice, options, rationale
    assert "␛[2J" in out


def hostile_name_bank(write_bank: WriteBank, items: list[dict[str, Any]]) -> Path:
    return write_bank(**{f"bank{ESC_CSI}{C1_CSI}{BIDI}{FILE_TAG}": items})


def test_bank_validate_lists_problems_inert(write_bank: WriteBank) -> None:
    bad = [
        item(id=f"BAD{ESC_CSI}", task=f"I1{C1_CSI}{LINK}"),
        item(id="OK-1", task=f"Z9{BIDI}[/]"),
        item(id="OK-2", stem="short"),
    ]
    root = hostile_name_bank(write_bank, bad)
    r = invoke(["bank", "validate", str(root)])
    assert r.exit_code == 2, r.output
    err = assert_inert(r.stderr_bytes)
    assert_inert(r.stdout_bytes)
    assert "problems" in err and f"bank␛[2J<U+009B>31m<U+202E>{FILE_TAG}.yaml" in err
    assert "[/]" in err


def test_bank_validate_json_escapes_what_a_terminal_would_act_on(write_bank: WriteBank) -> None:
    root = hostile_name_bank(write_bank, [item(id="OK-2", stem="short")])
    r = invoke(["bank", "validate", str(root), "--json"])
    assert r.exit_code == 2
    assert_inert(r.stdout_bytes)
    problems = json.loads(r.stdout)["data"]["problems"]
    # The JSON string is still exactly the file name: \u escapes are lossless.
    assert problems[0]["file"].endswith(f"bank{ESC_CSI}{C1_CSI}{BIDI}{FILE_TAG}.yaml")


def test_bank_lint_findings_are_inert(write_bank: WriteBank) -> None:
    opts = dict(item()["options"], D=f"All of the above {HOSTILE}")
    root = hostile_name_bank(write_bank, [item(options=opts)])
    r = invoke(["bank", "lint", str(root)])
    assert r.exit_code == 1, r.output
    out = assert_inert(r.stdout_bytes)
    assert "all-none-of-above" in out and f"<U+202E>{FILE_TAG}.yaml:" in out


def test_exam_grade_shows_a_hostile_candidate_id_inert(tmp_path: Path) -> None:
    key = {
        "format": "peerprep-form-key",
        "version": 1,
        "title": f"Class {LINK}",
        "form": 1,
        "items": [
            {
                "n": i + 1,
                "id": f"X{i}",
                "task": "I1",
                "domain": "I",
                "key": "A",
                "options": 4,
            }
            for i in range(3)
        ],
    }
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key), encoding="utf-8")
    cid = f"cand{ESC_CSI}{OSC8}{C1_CSI}{BIDI}{LINK}"
    csv_text = "\n".join(
        [
            "id,1,2,3",
            f'"{cid}",A,B,A',
            "plain,A,A,A",
            f'"{cid}",A,A,A',  # duplicate: a row problem that quotes the id
            f'"{LINK}",A,Q,A',  # not an option: a row problem
        ]
    )
    responses = tmp_path / f"responses{FILE_TAG}.csv"
    responses.write_text(csv_text, encoding="utf-8")
    r = invoke(["exam", "grade", str(key_path), str(responses)])
    assert r.exit_code == 0, r.output
    out = assert_inert(r.stdout_bytes)
    err = assert_inert(r.stderr_bytes)
    assert LINK in out and "cand␛[2J" in out
    assert f"responses{FILE_TAG}.csv:4:" in err and f"responses{FILE_TAG}.csv:5:" in err


def test_error_messages_are_inert() -> None:
    r = invoke(["quiz", "-t", f"X{HOSTILE}"])
    assert r.exit_code == 2
    err = assert_inert(r.stderr_bytes)
    # Task codes are upper-cased before the message is built.
    assert "unknown task code" in err and "[LINK=X]A[/LINK] [/]" in err and "␛[2J" in err


def test_notes_with_hostile_paths_print_literally(tmp_path: Path) -> None:
    out_dir = tmp_path / f"out{ESC_CSI}[/][bold]"
    r = invoke(["export", "csv", "-o", str(out_dir), "-d", "I"])
    assert r.exit_code == 0, r.output
    text = assert_inert(r.stdout_bytes)
    assert "out␛[2J[/][bold]" in text


def test_textual_exam_shows_bank_text_inert(hostile_bank: Path) -> None:
    import random

    from textual.widgets import Static

    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint
    from peerprep.engine.draw import present
    from peerprep.exams.session import ExamSession
    from peerprep.tui.exam_app import ExamApp

    b = load_bank(hostile_bank, load_blueprint())
    s = ExamSession(b, present(b, sorted(b.ids)[:2], random.Random(1)), limit_seconds=600)
    shown: dict[str, str] = {}

    async def scenario() -> None:
        app_ = ExamApp(s)
        async with app_.run_test(size=(120, 40)) as pilot:
            await pilot.press("b")  # answer, which also redraws
            await pilot.pause()
            for name in ("stem", "options"):
                widget = app_.query_one(f"#{name}", Static)
                shown[name] = str(widget.visual)

    asyncio.run(scenario())
    for name in ("stem", "options"):
        text = shown[name]
        assert not FORBIDDEN.search(text), (name, text)
        assert LINK in text and "[/]" in text and "␛[2J" in text, (name, text)


# ---------------------------------------------------------------- OS errors and Ctrl-C
def _enospc(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_saving_an_answer_is_one_line(
    monkeypatch: pytest.MonkeyPatch, sandbox_home: Path
) -> None:
    monkeypatch.setattr(os, "replace", _enospc)
    r = invoke(["quiz", "-n", "1", "--seed", "1"], input="a\n")
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and lines[0].endswith(": No space left on device")
    assert "your last answer was NOT saved" in lines[0]  # the store says what was lost
    assert "progress.json" in lines[0] and str(sandbox_home) in lines[0]
    assert ".tmp" not in lines[0]  # the file the user knows, not the temp file


def test_disk_full_on_write_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd: int) -> None:
            self.fh = real_fdopen(fd, "wb")

        def write(self, _: Any) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # no file name: a write()

        def close(self) -> None:
            self.fh.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, _mode: Full(fd))
    r = invoke(["export", "csv", "-o", str(tmp_path), "--name", "items.csv"])
    assert r.exit_code == 1, r.output
    assert r.stderr.strip() == f"error: {tmp_path / 'items.csv'}: No space left on device"


def test_read_only_folder_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The tests run as root, for whom chmod cannot make a folder read-only, so the refusal
    # is simulated where it would happen: creating the temp file in the folder.
    import tempfile

    def refuse(*_: object, dir: object = None, **__: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dir))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    r = invoke(["export", "gift", "-o", str(tmp_path)])
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {tmp_path}: Permission denied"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores chmod")
def test_real_read_only_folder_is_one_line(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = invoke(["export", "gift", "-o", str(ro)])
    finally:
        ro.chmod(0o700)
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {ro}: Permission denied"


def test_a_folder_where_a_file_should_be_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "items.csv"
    target.mkdir()
    r = invoke(["export", "csv", "-o", str(tmp_path), "--name", "items.csv", "--force"])
    assert r.exit_code == 2, r.output  # caught before any write: a usage problem
    assert r.stderr.strip() == f"error: {target} is a folder; give --name a file name"


def test_debug_keeps_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "forms")

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # an export: no store to word it
    r = invoke(["--debug", "export", "gift", "-o", "forms"])
    assert isinstance(r.exception, OSError) and r.exception.errno == errno.ENOSPC
    assert r.exit_code != 0


def test_os_error_message_is_inert(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / f"x{ESC_CSI}{FILE_TAG}"

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    r = invoke(["export", "gift", "-o", str(out)])
    assert r.exit_code == 1
    err = assert_inert(r.stderr_bytes)
    assert f"x␛[2J{FILE_TAG}: Permission denied" in err


def test_ctrl_c_outside_the_quiz_loop_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import peerprep.cli.options

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    # Loading the bank happens before any quiz loop exists to catch the interrupt.
    monkeypatch.setattr(peerprep.cli.options, "load_bank", interrupted)
    r = invoke(["quiz"])
    assert r.exit_code == 130, r.output
    assert r.stderr.strip() == "error: interrupted"


def test_ctrl_c_at_a_confirmation_prompt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from peerprep.cli.env import Environment

    def ctrl_c(*_: object, **__: object) -> bool:  # Ctrl-C while the prompt waits
        raise KeyboardInterrupt

    assert invoke(["quiz", "-n", "1"], input="a\n").exit_code == 0  # a progress file to reset
    monkeypatch.setattr(Environment, "confirm", ctrl_c)
    r = invoke(["progress", "reset"])
    assert r.exit_code == 130, r.output
    assert r.stderr.strip() == "error: interrupted"


def test_broken_pipe_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    from peerprep.render import Renderer

    def gone(*_: object, **__: object) -> None:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    monkeypatch.setattr(Renderer, "domains", gone)
    r = invoke(["domains"])
    assert r.exit_code == 1 and not isinstance(r.exception, BrokenPipeError)
    assert r.stderr == ""


@pytest.mark.slow
def test_quiz_under_a_real_terminal_stays_inert(hostile_bank: Path, tmp_path: Path) -> None:
    """The installed tool on a pty with colours on: it works, and no data byte escapes."""
    import pty
    import select
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS="100", LINES="40")
    main, child = pty.openpty()
    args = ["quiz", "-n", "1", "--seed", "3", "--bank", str(hostile_bank)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "peerprep", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    out = b""
    sent = paused = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            out += chunk
        if not sent and b"Your answer" in out:
            os.write(main, b"a\r")
            sent = True
        if sent and not paused and b"Enter: your score" in out:
            os.write(main, b"\r")  # the feedback waits for Enter at a terminal
            paused = True
        if proc.poll() is not None and not ready:
            break
    os.close(main)
    assert proc.wait(timeout=10) == 0, out.decode(errors="replace")
    text = out.decode("utf-8")
    assert "\x1b[" in text  # colour is on: this is what a terminal gets
    for seq in (ESC_CSI, "\x1b]8;;http://evil", "\x1b]8;", "\x9b", BIDI, ISOLATE, "\u200f"):
        assert seq not in text
    assert LINK in text and "Score" in text and "Your answer" in text
