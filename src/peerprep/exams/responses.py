"""Reading a class's answer files as trainers actually have them.

Four layouts, one result (`Responses`: candidates with one printed letter per item):

- `letters`: a candidate id, (optionally) a form, then one letter per item, as typed into
  a spreadsheet or exported by a scanner. Comma, semicolon, TAB or `|` separated (sniffed),
  with or without a BOM, CRLF or LF, with or without a header row.
- `google-forms`: a Google Forms response sheet: "Timestamp", "Email Address" (optional),
  then one column per question headed by its text; cells hold the chosen option's TEXT.
- `moodle`: Moodle's quiz "Responses" report: "Surname", "First name", ..., "Response 1",
  "Response 2", ...; cells hold the chosen option's text.
- `canvas`: Canvas's "Student Analysis" CSV: "name", "id", "sis_id", ..., then per question
  "<qid>: <question text>" (the option's text) followed by its score column.

The three text layouts need each item's printed options, which the key does not hold: the
caller passes them (`ItemText`, from the bank the form was built from). A cell is mapped
to the printed letter whose option text is the same after normalising case, whitespace
and punctuation, and only then: anything else is "unreadable", scored wrong and listed.

Nothing here drops a whole candidate for one bad cell: a double mark (`AB`), a stray `*`
or a letter the item did not print is scored wrong and listed. A row is skipped (and
listed) only when it cannot be attributed: no id, a repeated id, an unknown form, or a
width that does not fit the key. A row with every answer blank is an absent candidate:
excluded, so it neither scores 0 % nor moves KR-20, and listed as such.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from peerprep.constants import OPTION_LETTERS
from peerprep.errors import InvalidInputError
from peerprep.exams.formkey import FormKey, KeyPosition

Format = Literal["letters", "google-forms", "moodle", "canvas"]
FORMATS: tuple[Format, ...] = ("letters", "google-forms", "moodle", "canvas")
TEXT_FORMATS: tuple[Format, ...] = ("google-forms", "moodle", "canvas")

# Normalised header names (lower case, letters and digits only), in the brief's order of
# preference for the candidate id; the left-most column with one of them is the id.
ID_HEADERS = frozenset(
    {
        "id",
        "candidate",
        "candidateid",
        "candidatename",
        "candidatenumber",
        "student",
        "studentid",
        "studentname",
        "studentnumber",
        "email",
        "emailaddress",
        "name",
        "fullname",
    }
)
# Other columns that describe the candidate, not an answer (left out of the answers).
PERSON_HEADERS = frozenset({"firstname", "lastname", "surname", "sisid", "section"})
FORM_HEADERS = frozenset({"form", "formno", "formnumber", "formversion", "version", "keyversion"})
DELIMITERS = ",;\t|"
_FORM_VALUE = re.compile(r"(?:form|version|v|f)?[\s_#:.\-]*0*(\d{1,4})", re.IGNORECASE)
_NUMBER_PREFIX = re.compile(r"^\s*(?:q(?:uestion)?\s*)?\d+\s*[.):\-]?\s+", re.IGNORECASE)
_CANVAS_QUESTION = re.compile(r"^\s*\d+\s*:\s*(.*)$", re.DOTALL)
_MOODLE_RESPONSE = re.compile(r"^\s*response\s*(\d+)\s*$", re.IGNORECASE)
_HEADER_CELL = re.compile(r"[\w .#:()/'-]+")


@dataclass(frozen=True)
class Candidate:
    id: str
    line: int
    answers: list[str]  # "" blank; a printed letter; anything else is invalid (scored wrong)
    form: int | None = None  # the form whose key grades this row


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class ItemText:
    """What a text export is matched against: the item's stem and its options by the
    bank's letters (the key's `order` says which was printed as A, B, ...)."""

    stem: str
    options: Mapping[str, str]


@dataclass
class Responses:
    format: Format
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)  # rows not graded
    cells: list[RowProblem] = field(default_factory=list)  # cells scored wrong
    absent: list[RowProblem] = field(default_factory=list)  # all-blank rows, excluded
    notes: list[str] = field(default_factory=list)

    def listed(self) -> list[RowProblem]:
        """Every row-level finding, in file order, for `file:line: message` output."""
        return sorted([*self.skipped, *self.cells, *self.absent], key=lambda p: p.line)


# ---------------------------------------------------------------- the table
def normal_header(cell: str) -> str:
    return re.sub(r"[^0-9a-z]", "", cell.casefold())


def normal_text(text: str) -> str:
    """Case, whitespace and punctuation do not count: 'Refer them,  now.' == 'refer them now'."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently into most columns.
    (csv.Sniffer guesses letters as delimiters on letter-only sheets: not used.)"""
    sample = "\n".join(text.splitlines()[:50])
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=d) if any(r)]
        except csv.Error:
            continue
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        if mode < 2:
            continue
        score = (widths.count(mode) * 10 // len(widths), mode)  # consistency first
        if score > best_score:
            best, best_score = d, score
    return best


def read_table(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, cells) per non-empty record; trailing columns that are empty
    in every row (Excel's ",,") are cut off."""
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if any(c.strip() for c in row):
                rows.append((start, row))
    except csv.Error as exc:
        what = "a field is over 128 KiB" if "field limit" in str(exc) else str(exc)
        raise InvalidInputError(
            f"answer sheets, line {reader.line_num}: {what}; "
            "expected a CSV of a candidate id, then one letter per item"
        ) from None
    width = max((len(r) for _, r in rows), default=0)
    while width > 0 and all(len(r) < width or not r[width - 1].strip() for _, r in rows):
        width -= 1
    return [(line, r[:width]) for line, r in rows]


def detect_format(header: Sequence[str]) -> Format | None:
    """A text layout, only where its header says so beyond doubt; else None."""
    names = [normal_header(h) for h in header]
    if names and names[0] == "timestamp":
        return "google-forms"
    if (
        "surname" in names
        and "firstname" in names
        and any(_MOODLE_RESPONSE.match(h) for h in header)
    ):
        return "moodle"
    if names[:3] == ["name", "id", "sisid"] and any(_CANVAS_QUESTION.match(h) for h in header):
        return "canvas"
    return None


def parse_form(value: str) -> int | None:
    """'1', 'form-1', 'Form 1', 'FORM_01', 'v1' -> 1; anything else -> None."""
    m = _FORM_VALUE.fullmatch(value.strip())
    return int(m.group(1)) if m else None


def _looks_like_header(row: Sequence[str]) -> bool:
    names = [normal_header(c) for c in row]
    if names and (names[0] in ID_HEADERS or any(n in FORM_HEADERS for n in names)):
        return True
    rest = [c.strip() for c in row[1:] if c.strip()]
    # a letters row holds short letter-ish cells (A, ab, *); a header has names (q1, Item 1)
    wordy = [c for c in rest if _HEADER_CELL.fullmatch(c) and (len(c) > 3 or c[-1].isdigit())]
    return bool(rest) and len(wordy) * 2 > len(rest)


# ---------------------------------------------------------------- cells
def letter_cell(cell: str, pos: KeyPosition) -> tuple[str, str | None]:
    """(answer, why it is scored wrong or None) for a letters cell."""
    value = cell.strip().upper()
    if not value:
        return "", None
    letters = OPTION_LETTERS[: pos.options]
    if len(value) == 1 and value in letters:
        return value, None
    marks = [c for c in value if c.isalpha()]
    if len(marks) > 1 and all(c in letters for c in marks):
        return value, "a double mark"
    return value, f"not one of its options ({', '.join(letters)})"


def text_cell(cell: str, pos: KeyPosition, item: ItemText) -> tuple[str, str | None]:
    """(printed letter, None) when the cell is exactly one printed option's text after
    normalising; else ("?", why)."""
    value = normal_text(cell)
    if not value:
        return "", None
    hits = [
        OPTION_LETTERS[i]
        for i, bank_letter in enumerate(pos.order)
        if normal_text(item.options.get(bank_letter, "")) == value
    ]
    if len(hits) == 1:
        return hits[0], None
    if len(hits) > 1:
        return "?", "unreadable: it is the text of more than one option"
    return "?", "unreadable: it matches none of the item's option texts"


# ---------------------------------------------------------------- layouts
@dataclass(frozen=True)
class _Layout:
    id_cols: tuple[int, ...]  # joined with a space for the id (Moodle: first name surname)
    form_col: int | None
    # per form: column index -> 0-based item index (text layouts) or None (letters by order)
    columns: dict[int, dict[int, int]] | None
    answer_cols: tuple[int, ...]  # letters layout with a header: the answer columns
    state_col: int | None = None  # Moodle: only "Finished" attempts are graded


def _id_col(names: list[str], skip: set[int]) -> int | None:
    for j, n in enumerate(names):
        if j not in skip and n in ID_HEADERS:
            return j
    return None


def _form_col(names: list[str]) -> int | None:
    return next((j for j, n in enumerate(names) if n in FORM_HEADERS), None)


def _stem_columns(
    header: list[str],
    question_cols: list[int],
    key: FormKey,
    texts: Mapping[str, ItemText],
    strip: re.Pattern[str] | None,
    notes: list[str],
) -> dict[int, int]:
    """Question columns -> items: by the header's question text where every header is
    one item's stem; else in order, when there are exactly as many columns as items."""
    stems: dict[str, int] = {}
    for i, pos in enumerate(key.items):
        stems.setdefault(normal_text(texts[pos.id].stem), i)
    mapped: dict[int, int] = {}
    for j in question_cols:
        h = header[j]
        if strip is not None:
            m = strip.match(h)
            h = m.group(1) if m and m.groups() else (strip.sub("", h, count=1) if m else h)
        hit = stems.get(normal_text(h), stems.get(normal_text(header[j])))
        if hit is None or hit in mapped.values():
            break
        mapped[j] = hit
    else:
        if len(mapped) == len(key.items):
            return mapped
        if mapped and len(question_cols) < len(key.items):
            missing = sorted(set(range(len(key.items))) - set(mapped.values()))
            notes.append(
                f"form {key.form}: no column for item(s) "
                f"{', '.join(str(i + 1) for i in missing)}; scored blank"
            )
            return mapped
    if len(question_cols) == len(key.items):
        notes.append(
            f"form {key.form}: the question headers are not all the key's item stems; "
            "columns are taken in order as items 1 to "
            f"{len(key.items)}"
        )
        return {j: i for i, j in enumerate(question_cols)}
    raise InvalidInputError(
        f"{len(question_cols)} question columns, but form {key.form}'s key has "
        f"{len(key.items)} items and the headers do not match its item stems: "
        "is this the right key for these answers?"
    )


def _text_layout(
    fmt: Format,
    header: list[str],
    keys: Mapping[int, FormKey],
    texts: Mapping[str, ItemText],
    notes: list[str],
) -> _Layout:
    names = [normal_header(h) for h in header]
    form_col = _form_col(names)
    if fmt == "moodle":
        email = names.index("emailaddress") if "emailaddress" in names else None
        id_cols: tuple[int, ...] = (
            (email,) if email is not None else (names.index("firstname"), names.index("surname"))
        )
        numbered = {
            j: int(m.group(1)) for j, h in enumerate(header) if (m := _MOODLE_RESPONSE.match(h))
        }
        columns = {}
        for form, key in keys.items():
            if sorted(numbered.values()) != list(range(1, len(key.items) + 1)):
                raise InvalidInputError(
                    f"{len(numbered)} 'Response N' columns, but form {form}'s key has "
                    f"{len(key.items)} items: is this the right key for this quiz?"
                )
            columns[form] = {j: n - 1 for j, n in numbered.items()}
        state = names.index("state") if "state" in names else None
        return _Layout(id_cols, form_col, columns, (), state)
    if fmt == "canvas":
        question_cols = [j for j, h in enumerate(header) if _CANVAS_QUESTION.match(h)]
        id_cols = (names.index("name"),)
        strip: re.Pattern[str] | None = _CANVAS_QUESTION
    else:  # google-forms
        meta = {"timestamp", "score", "totalscore", *PERSON_HEADERS}
        id_col = _id_col(names, set())
        id_cols = (id_col,) if id_col is not None else (0,)  # else the timestamp
        question_cols = [
            j
            for j, n in enumerate(names)
            if n not in meta and n not in ID_HEADERS and j != form_col and n
        ]
        strip = _NUMBER_PREFIX
    columns = {
        form: _stem_columns(header, question_cols, key, texts, strip, notes)
        for form, key in keys.items()
    }
    return _Layout(id_cols, form_col, columns, ())


# ---------------------------------------------------------------- reading
def read_responses(
    text: str,
    keys: Sequence[FormKey],
    *,
    fmt: Format | None = None,
    texts: Mapping[str, ItemText] | None = None,
) -> Responses:
    """Read an answer file against one key or several (one per form, picked by the file's
    form column). `fmt` None: detected from the header where that is safe, else letters."""
    by_form: dict[int, FormKey] = {}
    for k in keys:
        if k.form in by_form:
            raise InvalidInputError(f"two keys for form {k.form}: give each form's key once")
        by_form[k.form] = k
    rows = read_table(text)
    header = rows[0][1] if rows else []
    detected = detect_format(header)
    fmt = fmt or detected or "letters"
    out = Responses(fmt)
    if fmt in TEXT_FORMATS:
        if texts is None:
            raise InvalidInputError(f"--from {fmt} needs the bank the forms were built from")
        missing = [p.id for k in keys for p in k.items if p.id not in texts]
        if missing:
            raise InvalidInputError(
                f"the bank has no item {missing[0]!r} (and {len(missing) - 1} more) of the "
                "key: give the bank the forms were built from with --bank"
            )
        if not rows:
            raise InvalidInputError("no gradable answer rows")
        layout = _text_layout(fmt, header, by_form, texts, out.notes)
        body = rows[1:]
    else:
        has_header = bool(rows) and _looks_like_header(header)
        names = [normal_header(h) for h in header] if has_header else []
        form_col = _form_col(names) if has_header else None
        skip = {form_col} if form_col is not None else set()
        id_col = _id_col(names, skip) if has_header else None
        if id_col is None:
            id_col = 0 if form_col != 0 else 1
        non_answer = {id_col, *skip}
        if has_header:
            non_answer |= {j for j, n in enumerate(names) if n in ID_HEADERS | PERSON_HEADERS}
        width = max((len(r) for _, r in rows), default=0)
        answer_cols = tuple(j for j in range(width) if j not in non_answer)
        layout = (
            _Layout((id_col,), form_col, None, answer_cols)
            if rows
            else _Layout((0,), None, None, ())
        )
        body = rows[1:] if has_header else rows
    if layout.form_col is None and len(by_form) > 1:
        raise InvalidInputError(
            f"{len(by_form)} keys (forms {', '.join(map(str, sorted(by_form)))}) but the "
            "answer file has no 'form' column to say which form each candidate sat"
        )
    seen: dict[str, int] = {}
    for line, row in body:
        _read_row(out, line, row, layout, by_form, texts, seen)
    if fmt == "letters":
        _refuse_text_in_letter_cells(out)
    return out


def _cell(row: list[str], j: int) -> str:
    return row[j] if j < len(row) else ""


def _read_row(
    out: Responses,
    line: int,
    row: list[str],
    layout: _Layout,
    by_form: Mapping[int, FormKey],
    texts: Mapping[str, ItemText] | None,
    seen: dict[str, int],
) -> None:
    if out.format == "moodle":
        first = normal_header(_cell(row, 0))
        if first == "overallaverage":
            return  # Moodle's summary row under the attempts
        if layout.state_col is not None:
            state = _cell(row, layout.state_col).strip()
            if state and normal_header(state) != "finished":
                out.skipped.append(
                    RowProblem(line, f"attempt state {state!r}, not finished; row skipped")
                )
                return
    cid = " ".join(_cell(row, j).strip() for j in layout.id_cols).strip()
    if layout.form_col is not None:
        raw_form = _cell(row, layout.form_col).strip()
        form = parse_form(raw_form)
        if form is None or form not in by_form:
            given = ", ".join(str(f) for f in sorted(by_form))
            out.skipped.append(
                RowProblem(
                    line,
                    f"form {raw_form!r} has no key here (keys given: form {given}); row skipped",
                )
            )
            return
    else:
        form = next(iter(by_form))
    key = by_form[form]
    k = len(key.items)
    answers: list[str] = [""] * k
    bad: list[tuple[int, str, str]] = []
    if layout.columns is None:
        cells = [row[j] for j in layout.answer_cols if j < len(row)]
        while len(cells) > k and not cells[-1].strip():
            cells.pop()  # empty trailing cells (Excel), not answers
        if len(cells) != k:
            out.skipped.append(
                RowProblem(line, f"{len(cells)} answers, but the key has {k} items; row skipped")
            )
            return
        for i, cell in enumerate(cells):
            answers[i], why = letter_cell(cell, key.items[i])
            if why:
                bad.append((i + 1, cell.strip(), why))
    else:
        assert texts is not None
        for j, i in layout.columns[form].items():
            cell = _cell(row, j)
            if out.format == "moodle" and cell.strip() == "-":
                cell = ""  # Moodle's "no response"
            pos = key.items[i]
            answers[i], why = text_cell(cell, pos, texts[pos.id])
            if why:
                bad.append((i + 1, cell.strip(), why))
    if not cid:
        out.skipped.append(RowProblem(line, "no candidate id; row skipped"))
        return
    if all(not a for a in answers):
        out.absent.append(
            RowProblem(line, f"candidate {cid!r}: every answer blank (absent?); not graded")
        )
        return
    if cid in seen:
        out.skipped.append(
            RowProblem(line, f"candidate {cid!r} already graded from line {seen[cid]}; row skipped")
        )
        return
    seen[cid] = line
    for n, cell, why in bad:
        shown = cell if len(cell) <= 60 else cell[:57] + "..."
        out.cells.append(
            RowProblem(line, f"candidate {cid!r}, item {n}: {shown!r} is {why}; scored wrong")
        )
    out.candidates.append(
        Candidate(cid, line, answers, form if layout.form_col is not None else key.form)
    )


def _refuse_text_in_letter_cells(out: Responses) -> None:
    """Option texts read as letters would be all wrong, quietly: say what to do instead."""
    answered = sum(1 for c in out.candidates for a in c.answers if a)
    wordy = [
        a for c in out.candidates for a in c.answers if len(a) > 3 and any(ch == " " for ch in a)
    ]
    if answered and len(wordy) * 2 > answered:
        raise InvalidInputError(
            f"the answer cells hold text, not option letters (e.g. {wordy[0][:40]!r}): "
            "for a Google Forms, Moodle or Canvas export give --from google-forms|moodle|canvas"
        )
