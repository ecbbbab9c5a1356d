"""What progress.json holds (schema 2), and how older files are migrated forward.

Layout (see README, "Where your progress lives"): `progress.json` keeps the settings, a
reference to the segment index, and the *live tail*: the newest events (fewer than
SEAL_AT). When the tail fills up it is written once to an immutable segment file in the
folder beside progress.json, a new index file lists all segments with their event
counts and sha256, and the head points at that index. So each saved answer rewrites a
file of bounded size, however long the history grows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    TypeAdapter,
    field_validator,
    model_serializer,
)
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from peerprep.constants import OPTION_LETTERS
from peerprep.models import OptionKey

SCHEMA_VERSION: Literal[2] = 2
SEAL_AT = 256  # events in the live tail before it is sealed into a segment

Mode = Literal["quiz", "exam", "study", "review"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    session: Annotated[str, Field(min_length=1, max_length=64)]
    at: AwareDatetime  # a naive time would crash comparisons in study and review later


class AnswerEvent(_Event):
    type: Literal["answer"] = "answer"
    item: Annotated[str, Field(min_length=1)]
    chosen: OptionKey  # the bank's own key, not the shown letter
    correct: bool
    seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    mode: Mode


class SessionStart(_Event):
    type: Literal["session"] = "session"
    mode: Mode
    # The questions in the order asked, each with its on-screen option order, so an
    # interrupted session resumes exactly where it stopped.
    items: list[tuple[str, str]]
    label: str = ""
    # An exam's time limit. Files from before this field kept it in `label` as "limit:S".
    limit_seconds: Annotated[float, Field(gt=0)] | None = None

    @model_serializer(mode="wrap")
    def _omit_no_limit(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Written only when set (exams), so other sessions are stored exactly as before
        # and a file without exams stays readable by earlier versions.
        data: dict[str, Any] = handler(self)
        if data.get("limit_seconds") is None:
            data.pop("limit_seconds", None)
        return data


class SessionEnd(_Event):
    type: Literal["session_end"] = "session_end"


class ExamState(_Event):
    """A snapshot of an exam in progress, saved on every change; the latest one wins.

    Answers may change until the exam is submitted, so they are kept here (by position,
    as the bank's own keys) and become AnswerEvents only at submission.
    """

    type: Literal["exam_state"] = "exam_state"
    elapsed: Annotated[float, Field(ge=0, allow_inf_nan=False)]  # exam seconds used so far
    limit: Annotated[float, Field(gt=0, allow_inf_nan=False)]  # seconds allowed
    answers: dict[int, OptionKey]
    flagged: list[int]
    # The question on screen, so a resume returns to it. Files from before this field
    # have none: they resume at question 1.
    current: Annotated[int, Field(ge=0)] = 0

    @model_serializer(mode="wrap")
    def _omit_first_question(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Written only when not 0, so a snapshot on question 1 stays readable by earlier
        # versions (their ExamState forbids unknown keys).
        data: dict[str, Any] = handler(self)
        if data.get("current") == 0:
            data.pop("current", None)
        return data


Event = Annotated[AnswerEvent | SessionStart | SessionEnd | ExamState, Field(discriminator="type")]
# Validators are built on first use (defer_build): a quiz shows its first question
# before it ever saves, so it does not pay for them up front.
EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event], config=ConfigDict(defer_build=True))


class SegmentRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    file: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]  # a name in the segments dir
    events: Annotated[int, Field(ge=1)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class SegmentIndex(BaseModel):
    """An index file: every sealed segment, oldest first. Immutable once written."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    segments: list[SegmentRef]


def _aware_iso(value: str) -> str:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO 8601 date and time") from None
    if when.tzinfo is None:
        raise ValueError("a date and time without a timezone")
    return value


AwareIso = Annotated[StrictStr, AfterValidator(_aware_iso)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class CardData(TypedDict):
    """One FSRS card as `fsrs.Card.to_dict()` writes it and `Card.from_dict()` reads it.

    Kept as the plain dict (times stay ISO strings, as schedule.py and `review` read them),
    but every key `from_dict` and the scheduler touch is checked here, so a hand-edited
    card fails on load with its field named instead of crashing `review` later.
    """

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]  # newer fsrs keys

    card_id: Annotated[StrictInt, Field(ge=0)]
    state: Literal[1, 2, 3]  # fsrs.State: Learning, Review, Relearning
    step: Annotated[StrictInt, Field(ge=0)] | None
    stability: Positive | None
    difficulty: Positive | None
    due: AwareIso
    last_review: AwareIso | None


def _card_consistent(card: CardData) -> CardData:
    if card["state"] in (1, 3) and card["step"] is None:
        raise ValueError("a learning or relearning card needs a step")
    if (card["stability"] is None) != (card["difficulty"] is None):
        raise ValueError("stability and difficulty are set together or not at all")
    if card["state"] == 2 and card["stability"] is None:
        raise ValueError("a review card needs stability and difficulty")
    return card


Finite = Annotated[float, Field(allow_inf_nan=False)]


def _number(v: object) -> object:
    if type(v) not in (int, float):  # JSON true or "80" is not a percentage
        raise ValueError("must be a number")
    return v


Target = Annotated[float, BeforeValidator(_number), Field(ge=1, le=100, allow_inf_nan=False)]


_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fromisoformat also takes 2027-W07-1


def _iso_date(value: str) -> str:
    # Only YYYY-MM-DD: `plan` writes it so, and a date with a time has no place here.
    try:
        ok = _YMD.fullmatch(value) is not None and bool(dt.date.fromisoformat(value))
    except ValueError:
        ok = False
    if not ok:
        raise ValueError("not a date as YYYY-MM-DD")
    return value


ExamDate = Annotated[StrictStr, AfterValidator(_iso_date)]
MinutesADay = Annotated[StrictInt, Field(ge=1, le=600)]


class Settings(TypedDict, total=False):
    """Settings as they are read (study.readiness reads `target`, plan reads `exam_date`
    and `minutes_a_day`); other keys pass through."""

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]

    target: Target
    exam_date: ExamDate
    minutes_a_day: MinutesADay


class ProgressDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    schema_version: Literal[2]  # required: a file that lacks it is not ours to guess at
    created: AwareDatetime
    index: SegmentRef | None = None  # `events` here counts all sealed events
    events: list[Event] = Field(default_factory=list)
    settings: Settings = Field(default_factory=lambda: Settings())
    # FSRS card per item id (fsrs.Card.to_dict()); bounded by the bank's size.
    cards: dict[str, Annotated[CardData, AfterValidator(_card_consistent)]] = Field(
        default_factory=dict
    )
    # Derived, per item: recency-weighted [answers, correct, last epoch s] (recency.py),
    # kept so study planning does not rescan the history; `stats_answers` says how many
    # answers they cover, and a mismatch makes the store rebuild them from the events.
    item_stats: dict[str, Annotated[list[Finite], Field(min_length=3, max_length=3)]] = Field(
        default_factory=dict
    )
    stats_answers: Annotated[StrictInt, Field(ge=0)] = 0

    @field_validator("schema_version", mode="before")
    @classmethod
    def _whole_number(cls, v: object) -> object:
        # Literal[2] alone accepts 2.0 (and `True == 1`): only a JSON integer is a version.
        if type(v) is not int:
            raise ValueError("schema_version must be a whole number")
        return v


# ---------------------------------------------------------------- migrations
# Each step takes the parsed JSON of version N and returns version N+1.


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 kept every answer inline in an `answers` list, with `choice` for the key
    and `time` for seconds, and sessions in a separate `sessions` list. Schema 2 stores one
    event stream (sealed into segments by the store as it grows)."""
    events: list[dict[str, Any]] = []
    for s in doc.get("sessions", []):
        events.append(
            {
                "type": "session",
                "session": s["id"],
                "at": s["started"],
                "mode": s.get("mode", "quiz"),
                "items": [[i, OPTION_LETTERS[:4]] for i in s.get("items", [])],  # 4, bank order
            }
        )
    for a in doc.get("answers", []):
        events.append(
            {
                "type": "answer",
                "session": a["session"],
                "at": a["at"],
                "item": a["item"],
                "chosen": a["choice"],
                "correct": a["correct"],
                "seconds": a.get("time", 0.0),
                "mode": a.get("mode", "quiz"),
            }
        )
    for s in doc.get("sessions", []):
        if s.get("finished"):
            events.append({"type": "session_end", "session": s["id"], "at": s["finished"]})
    events.sort(key=lambda e: (e["at"], {"session": 0, "answer": 1, "session_end": 2}[e["type"]]))
    from peerprep import recency

    answers = [
        (e["item"], e["correct"], dt.datetime.fromisoformat(e["at"]))
        for e in events
        if e["type"] == "answer"
    ]
    return {
        "schema_version": 2,
        "created": doc["created"],
        "index": None,
        "events": events,
        "settings": doc.get("settings", {}),
        "item_stats": recency.from_results(answers),
        "stats_answers": len(answers),
    }


MIGRATIONS = {1: _v1_to_v2}


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed older progress file up to SCHEMA_VERSION.

    The caller (the store) has already checked that `schema_version` is a JSON integer
    from 1 to SCHEMA_VERSION: `True == 1` in Python, so a malformed current file must
    never reach a migration meant for schema 1. A file a step cannot read raises
    KeyError, TypeError or ValueError, and the store treats it as damaged.
    """
    version = doc["schema_version"]
    if type(version) is not int or not 1 <= version <= SCHEMA_VERSION:
        raise ValueError(f"cannot migrate schema_version {version!r}")
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version = doc["schema_version"]
    return doc
