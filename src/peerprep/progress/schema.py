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
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)

SCHEMA_VERSION: Literal[2] = 2
SEAL_AT = 256  # events in the live tail before it is sealed into a segment

Mode = Literal["quiz", "exam", "study", "review"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    session: Annotated[str, Field(min_length=1, max_length=64)]
    at: dt.datetime  # timezone-aware UTC


class AnswerEvent(_Event):
    type: Literal["answer"] = "answer"
    item: Annotated[str, Field(min_length=1)]
    chosen: Literal["A", "B", "C", "D", "E"]  # the bank's own key, not the shown letter
    correct: bool
    seconds: Annotated[float, Field(ge=0)]
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
    elapsed: Annotated[float, Field(ge=0)]  # seconds of exam time used so far
    limit: Annotated[float, Field(gt=0)]  # seconds allowed
    answers: dict[int, Literal["A", "B", "C", "D", "E"]]
    flagged: list[int]


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


class ProgressDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    schema_version: Literal[2]  # required: a file that lacks it is not ours to guess at
    created: dt.datetime
    index: SegmentRef | None = None  # `events` here counts all sealed events
    events: list[Event] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    # FSRS card per item id (fsrs.Card.to_dict()); bounded by the bank's size.
    cards: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Derived, per item: recency-weighted [answers, correct, last epoch s] (recency.py),
    # kept so study planning does not rescan the history; `stats_answers` says how many
    # answers they cover, and a mismatch makes the store rebuild them from the events.
    item_stats: dict[str, list[float]] = Field(default_factory=dict)
    stats_answers: int = 0


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
                "items": [[i, "ABCD"] for i in s.get("items", [])],
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


def migrate(doc: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Bring a parsed progress file up to SCHEMA_VERSION; returns it and its old version."""
    version = doc.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError("schema_version is missing or not a positive whole number")
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"schema_version {version} is newer than this peerprep understands "
            f"({SCHEMA_VERSION}); upgrade peerprep"
        )
    original = version
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version = doc["schema_version"]
    return doc, original
