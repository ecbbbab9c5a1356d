"""Moodle GIFT and Aiken: writing both, and reading GIFT back in.

GIFT's special characters ~ = # { } : and the backslash are escaped with a backslash
wherever item text appears. Each option carries its rationale note as per-answer
feedback (`#...`), and the overall rationale is the general feedback (`####...`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from peerprep.bank import Bank
from peerprep.models import Question

SPECIAL = "\\~=#{}:"


def escape(text: str) -> str:
    out = "".join("\\" + ch if ch in SPECIAL else ch for ch in text.strip())
    return " ".join(out.split())  # one logical line: GIFT ignores the line breaks anyway


def to_gift(bank: Bank, items: list[Question]) -> str:
    lines = ["// Exported by peerprep: IC&RC Peer Recovery practice items.", ""]
    current = None
    for q in items:
        d = bank.blueprint.domain_of(q.task)
        if d.code != current:
            current = d.code
            lines += [f"$CATEGORY: peerprep/{d.code} {d.name}", ""]
        lines.append(
            f"// task {q.task}; difficulty {q.difficulty}; {q.cognitive}; "
            f"source: {' '.join(q.source.split())}"
        )
        lines.append(f"::{escape(q.id)}::{escape(q.stem)} {{")
        for k, text in q.options.items():
            mark = "=" if k == q.answer else "~"
            note = q.rationale.answer if k == q.answer else q.rationale.distractors.get(k, "")
            fb = f" #{escape(note)}" if note else ""
            lines.append(f"\t{mark}{escape(text)}{fb}")
        lines.append(f"\t####{escape(q.rationale.answer)}")
        lines += ["}", ""]
    return "\n".join(lines)


def to_aiken(items: list[Question]) -> str:
    """Aiken has no feedback and no line breaks inside a question or option."""
    blocks = []
    for q in items:
        block = [" ".join(q.stem.split())]
        block += [f"{k}. {' '.join(v.split())}" for k, v in q.options.items()]
        block.append(f"ANSWER: {q.answer}")
        blocks.append("\n".join(block))
    return "\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------- reading GIFT
@dataclass
class GiftQuestion:
    line: int  # where the question starts, for error messages
    title: str | None
    stem: str
    answers: list[tuple[bool, str, str]] = field(default_factory=list)  # correct, text, fb
    general: str = ""


class GiftError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def _split_unescaped(text: str, marks: str) -> list[tuple[str, str]]:
    """Split at unescaped mark characters; returns (mark, chunk) pairs, '' for the first."""
    parts: list[tuple[str, str]] = []
    mark, buf, i = "", [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch in marks:
            parts.append((mark, "".join(buf)))
            mark, buf = ch, []
        else:
            buf.append(ch)
        i += 1
    parts.append((mark, "".join(buf)))
    return parts


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return " ".join("".join(out).split())


def parse_gift(text: str) -> list[GiftQuestion]:
    """Multiple-choice GIFT questions (one `=` answer, any `~` answers). Raises GiftError."""
    questions: list[GiftQuestion] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].strip()
        if not raw or raw.startswith(("//", "$CATEGORY")):
            i += 1
            continue
        start = i + 1
        chunk = []  # a question runs until its unescaped closing brace
        braces, last = 0, ""
        while i < len(lines):
            chunk.append(lines[i])
            # Scan only the new line: rescanning the whole chunk per line made a
            # question without its '}' cost quadratic time in the rest of the file.
            # An escape never spans lines (a trailing backslash escapes the line break).
            for mark in _braces(lines[i]):
                braces, last = braces + 1, mark
            if braces >= 2 and last == "}":
                break
            i += 1
        else:
            raise GiftError(start, "question has no closing '}'")
        i += 1
        depth_text = "\n".join(chunk)
        pieces = _split_unescaped(depth_text, "{}")
        if [m for m, _ in pieces] != ["", "{", "}"] or pieces[2][1].strip():
            raise GiftError(start, "expected 'stem { answers }' with one answer block")
        head, body = pieces[0][1].strip(), pieces[1][1]
        title = None
        if head.startswith("::"):
            end = _find_unescaped(head, "::", 2)
            if end < 0:
                raise GiftError(start, "title must be written ::title::")
            title, head = unescape(head[2:end]), head[end + 2 :]
        q = GiftQuestion(start, title, unescape(head))
        body, _, general = body.partition("####")
        q.general = unescape(general)
        for mark, chunk_text in _split_unescaped(body, "=~")[1:]:
            ans, fb = _split_fb(chunk_text)
            q.answers.append((mark == "=", unescape(ans), unescape(fb)))
        if sum(ok for ok, _, _ in q.answers) != 1:
            raise GiftError(start, "a multiple-choice question needs exactly one '=' answer")
        questions.append(q)
    return questions


def _braces(line: str) -> Iterator[str]:
    """The unescaped '{' and '}' of one line, in order."""
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "{}":
            yield ch
        i += 1


def _find_unescaped(text: str, token: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(token, i):
            return i
        else:
            i += 1
    return -1


def _split_fb(chunk: str) -> tuple[str, str]:
    """An answer and its feedback, split at the first unescaped '#'."""
    pos = _find_unescaped(chunk, "#")
    return (chunk, "") if pos < 0 else (chunk[:pos], chunk[pos + 1 :])
