"""The progress store: one JSON file plus sealed segments, written atomically under a lock.

Concurrency: every save is a read-modify-write of progress.json under a file lock, so
two sessions on one file (two terminals, one profile) both keep all their answers; the
lock is held for milliseconds, and a process that cannot get it within `lock_timeout`
fails with a clear message instead of losing data.

Damage: a progress.json that does not parse or validate is never overwritten. It is
moved aside to `progress.json.damaged-<UTC time>`, a notice says so, and a fresh file
starts. `check()` verifies everything and repairs what it safely can.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from peerprep import recency
from peerprep.atomic import atomic_write
from peerprep.errors import InvalidInputError, PeerprepError
from peerprep.progress.history import History
from peerprep.progress.schema import (
    EVENTS,
    SCHEMA_VERSION,
    SEAL_AT,
    AnswerEvent,
    Event,
    ProgressDoc,
    SegmentIndex,
    SegmentRef,
    migrate,
)

if TYPE_CHECKING:
    from filelock import FileLock

DEFAULT_PROFILE = "default"
_PROFILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def progress_path(home: Path, profile: str = DEFAULT_PROFILE) -> Path:
    if not _PROFILE.match(profile):
        raise InvalidInputError(
            f"profile name {profile!r}: use letters, digits, '-' and '_' (up to 40)"
        )
    name = "progress.json" if profile == DEFAULT_PROFILE else f"progress-{profile}.json"
    return home / name


def new_session_id() -> str:
    return secrets.token_hex(6)


class _Damaged(Exception):
    pass


@dataclass
class CheckReport:
    path: Path
    ok: bool
    events: int = 0
    segments: int = 0
    findings: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "events": self.events,
            "segments": self.segments,
            "findings": self.findings,
            "repairs": self.repairs,
        }


class ProgressStore:
    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        lock_timeout: float = 10.0,
    ) -> None:
        self.path = path
        self.clock = clock
        self.lock_timeout = lock_timeout
        self.notices: list[str] = []  # things the user should hear about (the CLI shows them)

    @property
    def segments_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".d")

    # ------------------------------------------------------------ reading
    def _read_doc(self) -> ProgressDoc | None:
        """The validated head, or None if there is none yet. Raises _Damaged."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PeerprepError(f"cannot read {self.path}: {exc.strerror}") from None
        try:  # the common case: current schema, straight from JSON bytes in Rust
            doc = ProgressDoc.model_validate_json(raw)
            if doc.schema_version == SCHEMA_VERSION:
                return doc
        except ValidationError:
            pass  # older schema or damage: the slow path below says which
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise _Damaged("the top level is not a JSON object")
            data, old = migrate(data)
            doc = ProgressDoc.model_validate(data)
        except _Damaged:
            raise
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Damaged(f"not valid JSON ({exc})") from None
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise _Damaged(
                f"{exc.error_count()} invalid field(s), first: {where}: {first['msg']}"
            ) from None
        except ValueError as exc:
            raise _Damaged(str(exc)) from None
        if old != doc.schema_version:
            self.notices.append(f"migrated {self.path} from schema {old} to {doc.schema_version}")
        return doc

    def _read_or_quarantine(self) -> ProgressDoc | None:
        try:
            return self._read_doc()
        except _Damaged as exc:
            backup = self._move_aside("damaged")
            self.notices.append(
                f"{self.path} could not be read ({exc}); it was kept as {backup} "
                "and a new progress file was started"
            )
            return None

    def _move_aside(self, why: str) -> Path:
        stamp = self.clock().strftime("%Y%m%dT%H%M%S%fZ")
        backup = self.path.with_name(f"{self.path.name}.{why}-{stamp}")
        os.replace(self.path, backup)
        return backup

    def _checked_bytes(self, ref: SegmentRef) -> bytes | None:
        try:
            raw = (self.segments_dir / ref.file).read_bytes()
        except OSError:
            return None
        return raw if hashlib.sha256(raw).hexdigest() == ref.sha256 else None

    def _segment_events(self, ref: SegmentRef) -> list[Event] | None:
        raw = self._checked_bytes(ref)
        try:
            return EVENTS.validate_json(raw) if raw is not None else None
        except ValidationError:
            return None

    def _segments(self, doc: ProgressDoc) -> list[SegmentRef] | None:
        """The sealed segments listed by the head's index ([] if none; None if unreadable)."""
        if doc.index is None:
            return []
        raw = self._checked_bytes(doc.index)
        try:
            return SegmentIndex.model_validate_json(raw).segments if raw is not None else None
        except ValidationError:
            return None

    def load(self) -> History:
        """Every event, oldest first. Unreadable parts are reported, never fatal."""
        doc = self._read_or_quarantine()
        if doc is None:
            return History([], settings={}, cards={})
        events: list[dict[str, Any]] = []
        segments = self._segments(doc)
        if segments is None:
            assert doc.index is not None
            self.notices.append(
                f"segment index {doc.index.file} is missing or damaged; {doc.index.events} "
                "older events cannot be read; run `peerprep progress check`"
            )
            segments = []
        for ref in segments:
            raw = self._checked_bytes(ref)
            if raw is None:
                self.notices.append(
                    f"segment {ref.file} ({ref.events} events) is missing or damaged; "
                    "run `peerprep progress check`"
                )
                continue
            # Validated when sealed and checksummed now: plain JSON is enough (and ~7x
            # faster than re-validating 100,000 events).
            events.extend(json.loads(raw))
        events.extend(e.model_dump(mode="json") for e in doc.events)
        history = History(events, settings=doc.settings, cards=doc.cards)
        if doc.stats_answers == len(history.answers):
            history.item_stats = doc.item_stats
        else:  # older file, or stats out of step: rebuild from the events (in memory)
            history.item_stats = recency.from_results(history.results())
        return history

    # ------------------------------------------------------------ writing
    def _lock(self) -> FileLock:
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path) + ".lock", timeout=self.lock_timeout)

    def append(
        self, *events: Event, on_cards: Callable[[dict[str, dict[str, Any]]], None] | None = None
    ) -> None:
        """Add events durably: on return they are on disk (fsynced).

        `on_cards` updates the review cards in place, under the same lock and in the same
        write as the events, so a card never disagrees with the answers behind it.
        """
        from filelock import Timeout

        try:
            with self._lock():
                doc = self._read_or_quarantine() or ProgressDoc(
                    schema_version=SCHEMA_VERSION, created=self.clock()
                )
                doc.events.extend(events)
                for e in events:
                    if isinstance(e, AnswerEvent):
                        recency.add(doc.item_stats, e.item, e.correct, e.at)
                        doc.stats_answers += 1
                if on_cards is not None:
                    on_cards(doc.cards)
                old_index = doc.index
                if len(doc.events) >= SEAL_AT:
                    self._seal(doc)
                self._write(doc)
                if old_index is not None and doc.index != old_index:
                    (self.segments_dir / old_index.file).unlink(missing_ok=True)
        except Timeout:
            raise PeerprepError(
                f"{self.path} is locked by another peerprep process that has not let go for "
                f"{self.lock_timeout:g} s; your last answer was NOT saved. Close the other "
                "session (or delete the .lock file if no other peerprep is running)."
            ) from None

    def update_settings(self, **values: object) -> None:
        with self._lock():
            doc = self._read_or_quarantine() or ProgressDoc(
                schema_version=SCHEMA_VERSION, created=self.clock()
            )
            doc.settings.update(values)
            self._write(doc)

    def _put(self, prefix: str, data: bytes, events: int) -> SegmentRef:
        name = f"{prefix}-{self.clock():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.json"
        atomic_write(self.segments_dir / name, data)
        return SegmentRef(file=name, events=events, sha256=hashlib.sha256(data).hexdigest())

    def _seal(self, doc: ProgressDoc) -> None:
        """Move the tail into a new segment and point the head at a new index.

        Order matters for crash safety: segment, then index, then (by the caller) the
        head. Until the head is replaced it still holds the tail and the old index, so a
        crash anywhere loses nothing; it only leaves unreferenced files for `check`.
        """
        segments = self._segments(doc)
        if segments is None:
            raise PeerprepError(
                f"the segment index of {self.path} is damaged; run `peerprep progress check` "
                "before saving more answers"
            )
        seg = self._put("seg", EVENTS.dump_json(doc.events), len(doc.events))
        index = SegmentIndex(segments=[*segments, seg])
        total = sum(r.events for r in index.segments)
        doc.index = self._put("index", index.model_dump_json().encode(), total)
        doc.events = []

    def _write(self, doc: ProgressDoc) -> None:
        # Validated before every write (a round trip through the schema), so a bug can
        # never put a file on disk that the next run cannot read.
        data = doc.model_dump_json().encode()
        ProgressDoc.model_validate_json(data)
        atomic_write(self.path, data)

    # ------------------------------------------------------------ maintenance
    def reset(self) -> list[Path]:
        """Move progress.json and its segments aside (a backup, never a delete)."""
        moved = []
        with self._lock():
            if self.path.exists():
                moved.append(self._move_aside("reset"))
            if self.segments_dir.exists():
                stamp = self.clock().strftime("%Y%m%dT%H%M%S%fZ")
                target = self.segments_dir.with_name(f"{self.segments_dir.name}.reset-{stamp}")
                os.replace(self.segments_dir, target)
                moved.append(target)
        return moved

    def check(self) -> CheckReport:
        """Verify the head and every segment; repair what is safe to repair."""
        report = CheckReport(self.path, ok=True)
        with self._lock():
            try:
                doc = self._read_doc()
            except _Damaged as exc:
                backup = self._move_aside("damaged")
                report.ok = False
                report.findings.append(f"{self.path} is damaged: {exc}")
                report.repairs.append(f"kept it as {backup}; a new file starts on the next save")
                return report
            if doc is None:
                report.findings.append(f"no progress file yet at {self.path}")
                return report
            head_keys = {_key(e) for e in doc.events}
            segments = self._segments(doc)
            if segments is None:
                assert doc.index is not None
                report.ok = False
                report.findings.append(
                    f"segment index {doc.index.file} is missing or fails its checksum; "
                    f"{doc.index.events} sealed events cannot be listed"
                )
                segments = []
            report.segments = len(segments)
            for ref in segments:
                seg = self._segment_events(ref)
                if seg is None:
                    report.ok = False
                    report.findings.append(
                        f"segment {ref.file} is missing or fails its checksum; its "
                        f"{ref.events} events cannot be read"
                    )
                    continue
                report.events += len(seg)
            report.events += len(doc.events)
            referenced = {ref.file for ref in segments}
            if doc.index is not None:
                referenced.add(doc.index.file)
            for stray in sorted(self.segments_dir.glob("index-*.json")):
                if stray.name not in referenced:
                    stray.unlink()
                    report.repairs.append(f"removed {stray.name}: an index no longer in use")
            for orphan in sorted(self.segments_dir.glob("seg-*.json")):
                if orphan.name in referenced:
                    continue
                try:
                    orphan_events = EVENTS.validate_json(orphan.read_bytes())
                except (OSError, ValidationError):
                    report.findings.append(f"unreadable stray segment {orphan.name} left alone")
                    continue
                if all(_key(e) in head_keys for e in orphan_events):
                    orphan.unlink()
                    report.repairs.append(
                        f"removed {orphan.name}: left by an interrupted seal, its events are "
                        "still in progress.json"
                    )
                else:
                    report.findings.append(
                        f"stray segment {orphan.name} holds events not in progress.json; "
                        "left in place for inspection"
                    )
            dupes = len(doc.events) - len({_key(e) for e in doc.events})
            if dupes:
                seen: set[tuple[object, ...]] = set()
                unique = []
                for e in doc.events:
                    if _key(e) not in seen:
                        seen.add(_key(e))
                        unique.append(e)
                doc.events = unique
                report.repairs.append(f"removed {dupes} duplicate event(s)")
                report.events -= dupes
                self._write(doc)
            if report.ok:
                history = self.load()
                if doc.stats_answers != len(history.answers):
                    doc.item_stats = history.item_stats  # load() rebuilt them from events
                    doc.stats_answers = len(history.answers)
                    report.repairs.append("rebuilt the per-item study statistics from the answers")
                    self._write(doc)
        return report


def _key(e: Event) -> tuple[object, ...]:
    return (e.type, e.session, e.at, getattr(e, "item", None))
