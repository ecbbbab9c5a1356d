"""The exam's own nouns as typed, validated data: blueprint, domain, task, question.

Importing this module builds pydantic models, so the CLI imports it lazily.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from peerprep.constants import OPTION_LETTERS

# A Literal type has to spell its values out; the test suite checks it matches
# constants.OPTION_LETTERS, which everything else uses.
OptionKey = Literal["A", "B", "C", "D", "E"]
OPTION_KEYS: tuple[str, ...] = tuple(OPTION_LETTERS)
Cognitive = Literal["recall", "comprehension", "application"]
Text = Annotated[StrictStr, Field(min_length=1)]

# Longest text an item field may hold. Far above any real item (the bank's longest stem
# is under 500 characters), these bound what a file that passes validation can cost in
# memory whatever it holds: a multi-megabyte "stem" is refused, not carried around.
STEM_MAX = 4000
OPTION_MAX = 1000
RATIONALE_MAX = 4000
SOURCE_MAX = 1000
TAGS_MAX = 20
TAG_MAX = 60


class _Frozen(BaseModel):
    # defer_build: validators are built on first validation. A cached bank is rebuilt
    # with model_construct and never validates Questions, so a quiz skips that cost.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )


# ---------------------------------------------------------------- blueprint


class Task(_Frozen):
    code: Text
    text: Text


class Domain(_Frozen):
    code: Text
    name: Text
    id_prefix: StrictStr | None = None
    weight: Annotated[float, Field(gt=0)]
    tasks: Annotated[tuple[Task, ...], Field(min_length=1)]


class ExamSettings(_Frozen):
    name: Text
    items: Annotated[StrictInt, Field(ge=1, le=1000)]
    minutes: Annotated[StrictInt, Field(ge=1, le=1440)]
    options_per_item: Annotated[StrictInt, Field(ge=3, le=5)] = 4
    source: StrictStr = ""


class Weights(_Frozen):
    basis: Text
    source: Text


class Blueprint(_Frozen):
    """domains.yaml: the exam settings, domain weights and the task list."""

    schema_version: Literal[1]
    exam: ExamSettings
    weights: Weights
    tasks_source: StrictStr = ""
    domains: Annotated[tuple[Domain, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _codes_unique(self) -> Blueprint:
        seen: set[str] = set()
        for code in [d.code for d in self.domains] + [
            t.code for d in self.domains for t in d.tasks
        ]:
            if code in seen:
                raise PydanticCustomError(
                    "item_rule",
                    "code {code} appears twice",
                    {"field": "domains", "code": code},
                )
            seen.add(code)
        return self

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> Blueprint:
        """Rebuild a blueprint that was validated before it was cached (content-keyed),
        without building validators: this runs before every quiz's first question."""
        return cls.model_construct(
            schema_version=data["schema_version"],
            exam=ExamSettings.model_construct(**data["exam"]),
            weights=Weights.model_construct(**data["weights"]),
            tasks_source=data["tasks_source"],
            domains=tuple(
                Domain.model_construct(
                    **{**d, "tasks": tuple(Task.model_construct(**t) for t in d["tasks"])}
                )
                for d in data["domains"]
            ),
        )

    # Lookups are derived on demand; blueprints are tiny (4 domains, 54 tasks).
    def task_codes(self) -> list[str]:
        return [t.code for d in self.domains for t in d.tasks]

    def domain_of(self, task_code: str) -> Domain:
        for d in self.domains:
            if any(t.code == task_code for t in d.tasks):
                return d
        raise KeyError(task_code)

    def task(self, task_code: str) -> Task:
        for d in self.domains:
            for t in d.tasks:
                if t.code == task_code:
                    return t
        raise KeyError(task_code)

    def find_domain(self, query: str) -> Domain | None:
        """A domain by code (II), number (2), name (ethical responsibility) or a unique
        name prefix (eth); "domain II" and "Domain 2" too."""
        q = " ".join(query.split()).casefold()
        q = q.removeprefix("domain ").strip()
        if q.isdecimal() and q.isascii() and 1 <= int(q) <= len(self.domains):
            return self.domains[int(q) - 1]
        for d in self.domains:
            if q in (d.code.casefold(), d.name.casefold()) or (
                d.id_prefix and q == d.id_prefix.casefold()
            ):
                return d
        prefixed = [d for d in self.domains if q and d.name.casefold().startswith(q)]
        return prefixed[0] if len(prefixed) == 1 else None

    def domain_choices(self) -> str:
        """The valid --domain values, for an error message."""
        listed = ", ".join(f"{d.code} or {n} ({d.name})" for n, d in enumerate(self.domains, 1))
        return f"choose one of {listed}, or the start of a name"

    def require_domain(self, query: str) -> Domain:
        """find_domain, or an InvalidInputError that lists the choices."""
        d = self.find_domain(query)
        if d is None:
            from peerprep.errors import InvalidInputError

            raise InvalidInputError(f"unknown domain {query!r}; {self.domain_choices()}")
        return d

    def task_choices(self) -> str:
        """The valid task codes as ranges per domain, for an error message."""
        spans = [f"{d.tasks[0].code}-{d.tasks[-1].code}" for d in self.domains if d.tasks]
        return "task codes are " + ", ".join(spans) + " (see `peerprep domains`)"

    def shares(self) -> dict[str, float]:
        total = sum(d.weight for d in self.domains)
        return {d.code: d.weight / total for d in self.domains}

    def as_dict(self) -> dict[str, Any]:
        """`peerprep domains --json`: the file's content plus each domain's share."""
        return self.model_dump(mode="json") | {"shares": self.shares()}


# ---------------------------------------------------------------- questions


class Rationale(_Frozen):
    answer: Annotated[StrictStr, Field(min_length=1, max_length=RATIONALE_MAX)]
    # Keys are checked against the item's options by Question's validator.
    distractors: dict[str, Annotated[StrictStr, Field(min_length=1, max_length=RATIONALE_MAX)]] = (
        Field(default_factory=dict)
    )


# A question as a plain tuple, for the bank cache: marshal loads tuples of builtins
# an order of magnitude faster than it (or pickle) rebuilds model objects.
Record = tuple[Any, ...]


class Question(_Frozen):
    """One multiple-choice item, tagged to one IC&RC task."""

    id: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    task: Annotated[StrictStr, Field(min_length=1, max_length=16)]
    stem: Annotated[StrictStr, Field(min_length=10, max_length=STEM_MAX)]
    # keys A.. in order: enforced by _options_keyed_in_order
    options: dict[str, Annotated[StrictStr, Field(min_length=1, max_length=OPTION_MAX)]]
    answer: OptionKey
    rationale: Rationale
    source: Annotated[StrictStr, Field(min_length=1, max_length=SOURCE_MAX)]
    difficulty: Annotated[StrictInt, Field(ge=1, le=3)]
    cognitive: Cognitive
    tags: Annotated[
        tuple[Annotated[StrictStr, Field(min_length=1, max_length=TAG_MAX)], ...],
        Field(max_length=TAGS_MAX),
    ] = ()
    as_of: dt.date | None = None

    @field_validator("tags", mode="before")
    @classmethod
    def _numbers_are_tags_too(cls, value: Any) -> Any:
        # `tags: [988, crisis]` is natural to write; YAML reads 988 as an int.
        if isinstance(value, list | tuple):
            return [
                str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in value
            ]
        return value

    @field_validator("options")
    @classmethod
    def _options_keyed_in_order(cls, value: dict[str, str]) -> dict[str, str]:
        keys = list(value)
        if not 3 <= len(keys) <= 5:
            raise PydanticCustomError(
                "item_rule",
                "an item needs 3 to 5 options, this one has {n}",
                {"field": "", "n": len(keys)},
            )
        expected = list(OPTION_KEYS[: len(keys)])
        if keys != expected:
            raise PydanticCustomError(
                "item_rule",
                "options must be keyed {want} in that order, not {got}",
                {"field": "", "want": ", ".join(expected), "got": ", ".join(keys)},
            )
        return value

    @model_validator(mode="after")
    def _answer_and_notes_match_options(self) -> Question:
        if self.answer not in self.options:
            raise PydanticCustomError(
                "item_rule",
                "{answer} is not one of the options ({keys})",
                {"field": "answer", "answer": self.answer, "keys": ", ".join(self.options)},
            )
        stray = sorted(set(self.rationale.distractors) - (set(self.options) - {self.answer}))
        if stray:
            raise PydanticCustomError(
                "item_rule",
                "notes for {stray}, which {verb} not a distractor of this item",
                {
                    "field": "rationale.distractors",
                    "stray": ", ".join(stray),
                    "verb": "is" if len(stray) == 1 else "are",
                },
            )
        return self

    @property
    def distractors(self) -> list[str]:
        return [k for k in self.options if k != self.answer]

    def to_record(self) -> Record:
        return (
            self.id,
            self.task,
            self.stem,
            tuple(self.options.items()),
            self.answer,
            self.rationale.answer,
            tuple(self.rationale.distractors.items()),
            self.source,
            self.difficulty,
            self.cognitive,
            self.tags,
            self.as_of.isoformat() if self.as_of else None,
        )

    @classmethod
    def from_record(cls, rec: Record) -> Question:
        """Rebuild a question that was validated before it was cached (no re-validation)."""
        (
            qid,
            task,
            stem,
            options,
            answer,
            why,
            notes,
            source,
            difficulty,
            cognitive,
            tags,
            as_of,
        ) = rec
        return cls.model_construct(
            id=qid,
            task=task,
            stem=stem,
            options=dict(options),
            answer=answer,
            rationale=Rationale.model_construct(answer=why, distractors=dict(notes)),
            source=source,
            difficulty=difficulty,
            cognitive=cognitive,
            tags=tuple(tags),
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
        )
