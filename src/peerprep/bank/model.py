"""A validated bank: its records (cached as plain tuples), where each came from, and lookups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from peerprep.constants import OPTION_LETTERS
from peerprep.yamlio import item_lines

if TYPE_CHECKING:
    from peerprep.models import Blueprint, Question, Record


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

    def answer_letters(self) -> dict[str, int]:
        """How often each letter is the key, for every letter the widest item uses.

        `bank stats` and `bank lint` both report this spread; it is read from the records,
        so it costs no Question objects on a cached bank.
        """
        counts: Counter[str] = Counter(str(r[4]) for r in self.records)
        width = max((len(r[3]) for r in self.records), default=4)
        return {k: counts[k] for k in OPTION_LETTERS[:width]}
