"""Moodle GIFT and Aiken: writing both, and reading GIFT back in.

GIFT's special characters ~ = # { } : and the backslash are escaped with a backslash
wherever item text appears. Each option carries its rationale note as per-answer
feedback (`#...`), and the overall rationale is the general feedback (`####...`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from peerprep.bank import Bank
from peerprep.models import Question

SPECIAL = "\\~=#{}:"


def escape(text: str) -> str:
    out = "".join("\\" + ch if ch in SPECIAL else ch for ch in text.strip())
    return " ".join(out.split())  # one logical line: GIFT ignores the line breaks anyway


def category(*names: str) -> str:
    """A Moodle category path: '/' separates levels, so a '/' inside a name (as in
    "Recovery/Wellness Support") is doubled, which Moodle reads as a literal slash."""
    return "/".join(" ".join(n.split()).replace("/", "//") for n in names)


def meta_comment(q: Question) -> str:
    """The `// task ...` line before each exported question: what GIFT cannot carry,
    read back by `import gift` so an export re-imports to the same items. The source
    comes last because it may itself contain ';'."""
    parts = [f"task {q.task}", f"difficulty {q.difficulty}", q.cognitive]
    if q.tags:
        parts.append("tags: " + ", ".join(q.tags))
    if q.as_of:
        parts.append(f"as_of: {q.as_of.isoformat()}")
    parts.append(f"source: {' '.join(q.source.split())}")
    return "// " + "; ".join(parts)


_META = re.compile(
    r"^//\s*task (?P<task>\S+); difficulty (?P<difficulty>[1-3]); "
    r"(?P<cognitive>recall|comprehension|application)"
    r"(?:; tags: (?P<tags>[^;]*))?(?:; as_of: (?P<as_of>\d{4}-\d{2}-\d{2}))?"
    r"; source: (?P<source>.*)$"
)


def read_meta(comments: list[str]) -> dict[str, Any]:
    """Fields from our own `// task ...` line among a question's comments ({} if none)."""
    for line in reversed(comments):
        m = _META.match(line.strip())
        if m:
            out: dict[str, Any] = {
                "task": m["task"],
                "difficulty": int(m["difficulty"]),
                "cognitive": m["cognitive"],
                "source": m["source"].strip(),
            }
            if m["tags"]:
                out["tags"] = [t.strip() for t in m["tags"].split(",") if t.strip()]
            if m["as_of"]:
                out["as_of"] = m["as_of"]
            return out
    return {}


def to_gift(bank: Bank, items: list[Question], *, title: str | None = None) -> str:
    """GIFT with a category per domain, or one category named `title` (a built form)."""
    lines = ["// Exported by peerprep: IC&RC Peer Recovery practice items.", ""]
    if title is not None:
        lines += [f"$CATEGORY: {category('peerprep', title)}", ""]
    current = None
    for q in items:
        d = bank.blueprint.domain_of(q.task)
        if title is None and d.code != current:
            current = d.code
            lines += [f"$CATEGORY: {category('peerprep', f'{d.code} {d.name}')}", ""]
        lines.append(meta_comment(q))
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
    comments: list[str] = field(default_factory=list)  # the // lines just before it


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
    comments: list[str] = []
    i = 0
    while i < len(lines):
        raw = lines[i].strip()
        if raw.startswith("//"):
            comments.append(raw)
            i += 1
            continue
        if not raw or raw.startswith("$CATEGORY"):
            if raw:
                comments = []
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
        head, is_html = _format_marker(head)
        q = GiftQuestion(start, title, _text(head, is_html), comments=comments)
        comments = []
        body, _, general = body.partition("####")
        q.general = _text(general, is_html)
        for mark, chunk_text in _split_unescaped(body, "=~")[1:]:
            ans, fb = _split_fb(chunk_text)
            weight, ans = _weight(ans, start)
            correct = mark == "=" or weight == 100
            q.answers.append((correct, _text(ans, is_html), _text(fb, is_html)))
        if sum(ok for ok, _, _ in q.answers) != 1:
            raise GiftError(
                start,
                "a multiple-choice question needs exactly one right answer ('=' or ~%100%)",
            )
        questions.append(q)
    return questions


_MARKER = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]\s*", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_BREAK = re.compile(r"<br\s*/?>|</?(?:p|div|li|ul|ol|h[1-6]|tr|td)\b[^<>]*>", re.IGNORECASE)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")


def _format_marker(head: str) -> tuple[str, bool]:
    """Drop a leading [html]/[markdown]/[plain]/[moodle]; True if the text is HTML."""
    m = _MARKER.match(head)
    if not m:
        return head, False
    return head[m.end() :], m.group(1).lower() == "html"


def _text(raw: str, is_html: bool) -> str:
    """GIFT text as plain text: unescaped, HTML tags dropped (and entities decoded) when
    the question is [html] or carries tags, whitespace made single spaces."""
    text, marked_html = _format_marker(unescape(raw))
    if is_html or marked_html or _TAG.search(text):
        text = html.unescape(_TAG.sub("", _BREAK.sub(" ", text)))
        text = " ".join(text.split())
    return text


def _weight(answer: str, line: int) -> tuple[float | None, str]:
    """An answer's leading %weight% (Moodle's credit) and the answer without it. Full
    credit marks the key; none or negative credit a wrong answer; partial credit has no
    place in a one-best-answer item, so it is refused."""
    m = _WEIGHT.match(answer)
    if not m:
        return None, answer
    weight = float(m.group(1))
    if 0 < weight < 100:
        raise GiftError(
            line,
            f"an answer gives partial credit ({m.group(1)} %); peerprep items have one "
            "best answer: give it %100% (or =) and the others no credit",
        )
    if weight > 100:
        raise GiftError(line, f"an answer gives {m.group(1)} % credit; the most is 100 %")
    return weight, answer[m.end() :]


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
