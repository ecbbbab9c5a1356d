"""Loading a question bank: files -> validated questions, every problem with file:line."""

from __future__ import annotations

import contextlib
import difflib
import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peerprep import cache
from peerprep.errors import BankInvalidError, BankProblem, InvalidInputError
from peerprep.paths import bundled_bank
from peerprep.yamlio import FileProblem, decode, item_lines, line_of, load_yaml, read_bytes

if TYPE_CHECKING:
    from peerprep.models import Blueprint, Question, Record

BANK_SUFFIXES = (".yaml", ".yml")


def bank_files(path: Path) -> list[Path]:
    """The YAML files of a bank: the file itself, or every *.yaml below a folder, sorted."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.suffix in BANK_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if not files:
            raise InvalidInputError(f"no .yaml bank files in {path}")
        return files
    raise InvalidInputError(f"bank not found: {path}")


@dataclass(frozen=True)
class _Located:
    file: str
    index: int
    text: str


class Bank:
    """A validated bank. Questions are built from records on first use (see cache.py)."""

    def __init__(
        self,
        blueprint: Blueprint,
        records: list[Record],
        origins: list[tuple[str, int]],
        *,
        source: Path,
        from_cache: bool,
        questions: list[Question] | None = None,
    ) -> None:
        self.blueprint = blueprint
        self.records = records
        self.origins = origins  # (file, index in that file) for each record
        self.source = source
        self.from_cache = from_cache
        self._built: dict[str, Question] = {}
        if questions is not None:
            self.__dict__["questions"] = questions

    def __len__(self) -> int:
        return len(self.records)

    @cached_property
    def questions(self) -> list[Question]:
        from peerprep.models import Question

        return [self._built.get(str(r[0])) or Question.from_record(r) for r in self.records]

    @cached_property
    def _by_id(self) -> dict[str, int]:
        return {str(r[0]): i for i, r in enumerate(self.records)}

    def get(self, item_id: str) -> Question:
        """One question, built on first use: a 10-item quiz builds 10, not the whole bank."""
        if "questions" in self.__dict__:
            return self.questions[self._by_id[item_id]]
        one: Question | None = self._built.get(item_id)
        if one is None:
            from peerprep.models import Question

            one = self._built[item_id] = Question.from_record(self.records[self._by_id[item_id]])
        return one

    @property
    def ids(self) -> set[str]:
        return set(self._by_id)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def locate(self, item_ids: Iterable[str]) -> dict[str, tuple[str, int | None]]:
        """(file, line) of each item, for reports. Reads each file involved once."""
        wanted = {i: self.origins[self._by_id[i]] for i in item_ids}
        lines: dict[str, list[int]] = {}
        for file, _ in wanted.values():
            if file not in lines:
                try:
                    lines[file] = item_lines(Path(file).read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    lines[file] = []
        return {
            i: (f, lines[f][idx] if idx < len(lines[f]) else None) for i, (f, idx) in wanted.items()
        }

    def ids_by_task(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {code: [] for code in self.blueprint.task_codes()}
        for r in self.records:
            out[str(r[1])].append(str(r[0]))
        return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building a large acyclic structure.

    Every parsed item stays alive until the bank is built, so the collector would
    rescan an ever-growing heap many times over (measured: ~40 % of a 10,000-item
    load). Nothing built here forms reference cycles; reference counting frees it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_bank(path: Path | None, blueprint: Blueprint, *, use_cache: bool = True) -> Bank:
    """Load every bank file under `path` (default: the bundled bank) and validate it all.

    Raises BankInvalidError listing every problem in every file, not just the first.
    """
    root = path or bundled_bank()
    files = bank_files(root)
    base = root if root.is_dir() else root.parent
    problems: list[BankProblem] = []
    contents: list[tuple[Path, str, bytes]] = []
    for f in files:
        try:
            contents.append((f, str(f), read_bytes(f, str(f))))
        except FileProblem as exc:
            problems.append(exc.problem)
    codes = blueprint.task_codes()
    key = cache.content_key(
        "bank", ((str(f.relative_to(base)), data) for f, _, data in contents), *codes
    )
    if use_cache and not problems:
        cached = cache.read("bank", root, key)
        if isinstance(cached, tuple) and len(cached) == 2:
            records, origins = cached
            return Bank(blueprint, records, origins, source=root, from_cache=True)

    with _gc_paused():
        questions, located = _parse_all(contents, problems)
        problems.extend(_cross_checks(questions, located, set(codes)))
    if problems:
        raise BankInvalidError(problems)
    with _gc_paused():
        records = [q.to_record() for q in questions]
    origins = [(loc.file, loc.index) for loc in located]
    if use_cache:
        cache.write("bank", root, key, (records, origins))
    return Bank(blueprint, records, origins, source=root, from_cache=False, questions=questions)


def _parse_all(
    contents: list[tuple[Path, str, bytes]], problems: list[BankProblem]
) -> tuple[list[Question], list[_Located]]:
    from pydantic import TypeAdapter, ValidationError

    from peerprep.models import Question
    from peerprep.validation import problems_from

    adapter: TypeAdapter[list[Question]] = TypeAdapter(list[Question])
    questions: list[Question] = []
    located: list[_Located] = []
    for _path, display, data in contents:
        try:
            text = decode(data, display)
            items = load_yaml(text, display)
        except FileProblem as exc:
            problems.append(exc.problem)
            continue
        if not isinstance(items, list) or not items:
            problems.append(_not_a_list(display, text, items))
            continue
        try:
            parsed = list(enumerate(adapter.validate_python(items)))
        except ValidationError as exc:
            problems.extend(problems_from(exc, display, text, items=items))
            # Keep this file's valid items for the bank-wide checks (ids, task codes),
            # so one run reports everything. Only the failure path pays for this.
            parsed = []
            for i, raw in enumerate(items):
                with contextlib.suppress(ValidationError):  # already reported above
                    parsed.append((i, Question.model_validate(raw)))
        questions.extend(q for _, q in parsed)
        located.extend(_Located(display, i, text) for i, _ in parsed)
    return questions, located


def _not_a_list(display: str, text: str, items: Any) -> BankProblem:
    if items is None:
        return BankProblem(display, None, "file", "is empty; a bank file must hold a list of items")
    if isinstance(items, list):
        return BankProblem(display, 1, "file", "is an empty list; a bank file must hold items")
    return BankProblem(
        display,
        line_of(text, ()),
        "file",
        f"must be a list of items (each starting with '- id: ...'), not a {type(items).__name__}",
    )


def nearest_codes(code: str, codes: set[str], n: int = 3) -> list[str]:
    """Likely intended task codes: same-domain neighbours by number, then lookalikes."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", code.strip())
    near: list[str] = []
    if m:
        prefix, num = m.group(1).upper(), int(m.group(2))
        same = [c for c in codes if re.fullmatch(rf"{prefix}\d+", c)]
        near = sorted(same, key=lambda c: (abs(int(c[len(prefix) :]) - num), c))[: n - 1]
    for c in difflib.get_close_matches(code, sorted(codes), n=n, cutoff=0.5):
        if c not in near:
            near.append(c)
    return near[:n]


def _cross_checks(
    questions: list[Question], located: list[_Located], codes: set[str]
) -> list[BankProblem]:
    """Checks that need the whole bank: unique ids, task codes known to the blueprint."""
    problems: list[BankProblem] = []
    first_seen: dict[str, int] = {}
    for i, q in enumerate(questions):
        if q.id in first_seen:
            j = first_seen[q.id]
            here, there = located[i], located[j]
            there_line = line_of(there.text, (there.index, "id"))
            problems.append(
                BankProblem(
                    here.file,
                    line_of(here.text, (here.index, "id")),
                    "id",
                    f"duplicate id {q.id}; first used at {there.file}:{there_line}",
                )
            )
        else:
            first_seen[q.id] = i
        if q.task not in codes:
            near = nearest_codes(q.task, codes)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            loc = located[i]
            problems.append(
                BankProblem(
                    loc.file,
                    line_of(loc.text, (loc.index, "task")),
                    "task",
                    f"unknown task code {q.task!r} ({q.id}){hint}",
                )
            )
    return problems
