"""The progress store: one JSON file plus sealed segments, written atomically under a lock.

Concurrency: every save is a read-modify-write of progress.json under a file lock, so
two sessions on one file (two terminals, one profile) both keep all their answers; the
lock is held for milliseconds, and a process that cannot get it within `lock_timeout`
fails with a clear message instead of losing data. The lock file is never followed
through a symbolic link.

Readers never change anything. `load()` (progress, readiness, study planning, export)
reports what it cannot read and leaves every file exactly as it found it. Only a writer
holding the lock (`append`, `update_settings`, `check`) moves a file aside, and it
decides that a file is damaged from what it read *under* the lock, so it can never move
aside a good file that another writer has just put in place.

Which file may be moved aside (quarantined), and which is refused untouched:

- not JSON and not starting like ours, or JSON whose top level is not an object, or an
  object with none of our fields: *not a peerprep progress file* (say `--progress
  notes.txt`). Refused with InvalidInputError; never renamed, never written. Except at a
  profile's default location in peerprep's own data folder (`own_location=True`): no one
  else writes there, so such bytes are our file damaged (say zeros after a power cut).
- `schema_version` is a whole number above ours: a file from a newer peerprep. Refused
  with InvalidInputError, byte for byte untouched, by readers and writers alike.
- *looks like ours but is damaged*: an object with `schema_version` (or, lacking it, with
  one of our other fields) that fails validation, whose version is not a JSON integer
  (`true`, `"2"`, `2.0`) or is missing; or bytes that do not parse but start with `{`
  and name `"schema_version"` in their first KiB (a truncated file of ours). A writer
  keeps it as `progress.json.damaged-<UTC time>[-N]` and starts a new head that adopts
  every intact segment; a reader raises PeerprepError naming `peerprep progress check`.
- `schema_version: 1` (an integer): migrated to schema 2. A writer first copies the
  original to `progress.json.schema1-<UTC time>[-N]` and the notice names it; a reader
  migrates in memory only.

Backups never overwrite anything: a name already taken gets `-2`, `-3`, ... and a file is
moved by hard link + unlink (or an exclusive create), never by `os.replace` onto a name.

Segments are self-describing: a sealed segment is a JSON list of events, so `check` can
rebuild a lost index from the segments alone (ordered by their events' timestamps),
adopt segments whose events the head does not reach, and delete only files whose every
event is reachable elsewhere. (This module runs past 400 lines because the repair
logic must share the read, lock and backup rules above; split it and they drift apart.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import itertools
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, cast

from pydantic import ValidationError

from peerprep import recency
from peerprep.atomic import FSYNC, atomic_write
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

DEFAULT_PROFILE = "default"
_PROFILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
# Top-level keys of schema 1 and 2: a JSON object with one of them is ours, even damaged.
_OUR_KEYS = frozenset(
    {"schema_version", "created", "index", "events", "settings", "cards", "item_stats"}
    | {"stats_answers", "answers", "sessions"}
)
STALE_TMP_SECONDS = 120.0  # a live writer's temp file lives for milliseconds


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
    """The file looks like ours but cannot be used as it is."""


class _Head(NamedTuple):
    doc: ProgressDoc
    raw: bytes
    version: int  # the version on disk (before any migration)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{exc.error_count()} invalid field(s), first: {where}: {first['msg']}"


def _looks_like_ours(raw: bytes) -> bool:
    """Unparseable bytes that start like a file we wrote (a truncated head)."""
    return raw.lstrip()[:1] == b"{" and b'"schema_version"' in raw[:1024]


def _key(e: Event) -> tuple[object, ...]:
    return (e.type, e.session, e.at, getattr(e, "item", None))


@dataclass
class CheckReport:
    path: Path
    ok: bool
    events: int = 0
    segments: int = 0
    findings: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    def problem(self, finding: str) -> None:
        self.ok = False
        self.findings.append(finding)

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
        own_location: bool = False,
    ) -> None:
        self.path = path
        self.own_location = own_location  # a profile's default path, not a --progress file
        self.clock = clock
        self.lock_timeout = lock_timeout
        self.notices: list[str] = []  # things the user should hear about (the CLI shows them)

    @property
    def segments_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".d")

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    # ------------------------------------------------------------ reading
    def _foreign(self, why: str) -> Exception:
        if self.own_location:
            return _Damaged(why)
        return InvalidInputError(
            f"{self.path} is not a peerprep progress file ({why}); it was left as it is. "
            "Point --progress at a progress file, or move this one out of the way."
        )

    def _read_head(self) -> _Head | None:
        """The validated head, or None if there is none yet.

        Raises _Damaged (ours but unusable) or InvalidInputError (not ours, or newer).
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PeerprepError(f"cannot read {self.path}: {exc.strerror}") from None
        try:  # the common case: current schema, straight from JSON bytes in Rust
            return _Head(ProgressDoc.model_validate_json(raw), raw, SCHEMA_VERSION)
        except ValidationError:
            pass  # older schema, damage or not ours: the slow path below says which
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if _looks_like_ours(raw):
                raise _Damaged(f"not valid JSON ({exc})") from None
            raise self._foreign("it is not JSON") from None
        if not isinstance(data, dict):
            raise self._foreign("its top level is not a JSON object")
        if "schema_version" not in data:
            if data.keys() & _OUR_KEYS:
                raise _Damaged("schema_version is missing")
            raise self._foreign("it has none of a progress file's fields")
        version = data["schema_version"]
        if type(version) is not int or version < 1:  # `True == 1`: isinstance is not enough
            raise _Damaged(f"schema_version {json.dumps(version)} is not a whole number >= 1")
        if version > SCHEMA_VERSION:
            raise InvalidInputError(
                f"{self.path} has schema_version {version}, newer than this peerprep "
                f"understands ({SCHEMA_VERSION}); it was left untouched. Upgrade peerprep."
            )
        try:
            if version < SCHEMA_VERSION:
                data = migrate(data)
            return _Head(ProgressDoc.model_validate(data), raw, version)
        except ValidationError as exc:
            raise _Damaged(_first_error(exc)) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _Damaged(f"schema {version} file cannot be migrated ({exc!r})") from None

    def _checked_bytes(self, ref: SegmentRef) -> bytes | None:
        try:
            raw = (self.segments_dir / ref.file).read_bytes()
        except OSError:
            return None
        return raw if hashlib.sha256(raw).hexdigest() == ref.sha256 else None

    def _segments(self, doc: ProgressDoc) -> list[SegmentRef] | None:
        """The sealed segments listed by the head's index ([] if none; None if unreadable)."""
        if doc.index is None:
            return []
        raw = self._checked_bytes(doc.index)
        try:
            return SegmentIndex.model_validate_json(raw).segments if raw is not None else None
        except ValidationError:
            return None

    def _segment_files(self) -> list[Path]:
        try:
            return sorted(self.segments_dir.glob("seg-*.json"))
        except OSError:
            return []

    def load(self) -> History:
        """Every event, oldest first. Changes nothing on disk.

        Unreadable segments are reported as notices; a head that cannot be read at all is
        a PeerprepError that names the command that repairs it.
        """
        try:
            head = self._read_head()
        except _Damaged as exc:
            if self._without_bad_settings() is not None:
                raise PeerprepError(
                    f"{self.path} cannot be read ({exc}). Nothing was changed: run "
                    "`peerprep progress check` to reset the bad setting(s); every answer is "
                    "kept (and a copy of the file)."
                ) from None
            raise PeerprepError(
                f"{self.path} cannot be read ({exc}). Nothing was changed: run "
                "`peerprep progress check` to keep it as a backup and start a new file "
                "(the sealed segments are kept)."
            ) from None
        if head is None:
            if self._segment_files():
                self.notices.append(
                    f"{self.path} is missing but {self.segments_dir} holds sealed answers; "
                    "run `peerprep progress check` to bring them back"
                )
            return History([], settings={}, cards={})
        doc = head.doc
        if head.version != SCHEMA_VERSION:
            self.notices.append(
                f"read {self.path} (schema {head.version}) as schema {SCHEMA_VERSION}; it is "
                "migrated on the next save, after a backup copy of the original"
            )
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
            # Validated when sealed (or adopted) and checksummed now: plain JSON is enough
            # (and ~7x faster than re-validating 100,000 events).
            events.extend(json.loads(raw))
        events.extend(e.model_dump(mode="json") for e in doc.events)
        cards = cast(dict[str, dict[str, Any]], doc.cards)
        history = History(events, settings=dict(doc.settings), cards=cards)
        if doc.stats_answers == len(history.answers):
            history.item_stats = doc.item_stats
        else:  # older file, or stats out of step: rebuild from the events (in memory)
            history.item_stats = recency.from_results(history.results())
        return history

    # ------------------------------------------------------------ the lock
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the lock file exclusively. Raises OSError, or PeerprepError for a
        symlinked lock or a timeout (the caller says what was not saved)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.lock_path.is_symlink():
            raise self._symlinked_lock()
        try:
            import fcntl
        except ImportError:  # Windows: filelock's msvcrt lock (no symlink race there)
            from filelock import FileLock, Timeout

            try:
                with FileLock(str(self.lock_path), timeout=self.lock_timeout):
                    yield
            except Timeout:
                raise self._timeout() from None
            return
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        try:  # O_NOFOLLOW: a symlink swapped in after the check above is refused too
            fd = os.open(self.lock_path, flags, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self._symlinked_lock() from None
            raise
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise self._timeout() from None
                    time.sleep(0.005)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _symlinked_lock(self) -> PeerprepError:
        return PeerprepError(
            f"{self.lock_path} is a symbolic link; peerprep will not follow it. Nothing was "
            "saved. Remove that link (no peerprep needs it) and try again."
        )

    def _timeout(self) -> PeerprepError:
        return PeerprepError(
            f"{self.path} is locked by another peerprep process that has not let go for "
            f"{self.lock_timeout:g} s; your last change was NOT saved. Close the other "
            "session (or delete the .lock file if no other peerprep is running)."
        )

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """The lock, with any OS failure turned into a one-line 'NOT saved' error."""
        try:
            with self._locked():
                yield
        except OSError as exc:
            # One line: what was lost, then the file and the OS's reason, as the root
            # handler words any other OSError ("PATH: reason").
            why = exc.strerror or str(exc)
            raise PeerprepError(
                f"{what} was NOT saved: {exc.filename or self.path}: {why}"
            ) from None

    # ------------------------------------------------------------ backups
    def _backup_names(self, src: Path, why: str) -> Iterator[Path]:
        stamp = self.clock().strftime("%Y%m%dT%H%M%S%fZ")
        for n in itertools.count(1):  # a frozen clock still gets distinct names
            yield src.with_name(f"{src.name}.{why}-{stamp}" + (f"-{n}" if n > 1 else ""))

    def _move_aside(self, src: Path, why: str) -> Path:
        """Rename `src` to a fresh backup name. Only called under the lock."""
        for backup in self._backup_names(src, why):
            if src.is_dir():
                if os.path.lexists(backup):
                    continue
                os.rename(src, backup)
                return backup
            try:
                os.link(src, backup)  # fails if the name is taken: never a silent overwrite
            except FileExistsError:
                continue
            except OSError:  # a filesystem without hard links: copy, then drop the original
                try:
                    self._exclusive_write(backup, src.read_bytes())
                except FileExistsError:
                    continue
            src.unlink()
            return backup
        raise AssertionError("unreachable")

    def _backup_copy(self, src: Path, data: bytes, why: str) -> Path:
        for backup in self._backup_names(src, why):
            try:
                self._exclusive_write(backup, data)
            except FileExistsError:
                continue
            return backup
        raise AssertionError("unreachable")

    @staticmethod
    def _exclusive_write(path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if FSYNC:
                os.fsync(fh.fileno())

    # ------------------------------------------------------------ writing
    def _head_for_write(self, report: CheckReport | None = None) -> tuple[ProgressDoc, bool]:
        """The head to build on, read under the lock, and whether it differs from the file
        (new, migrated, or replacing a damaged one moved aside here)."""
        try:
            head = self._read_head()
        except _Damaged as exc:
            salvaged = self._without_bad_settings()
            if salvaged is not None:
                # Only settings were bad: reset those, keep every event (and a copy).
                doc, dropped, raw = salvaged
                backup = self._backup_copy(self.path, raw, "damaged")
                message = (
                    f"{self.path}: the setting(s) {', '.join(dropped)} were not valid ({exc}) "
                    f"and were reset; every answer was kept (the original is kept as {backup})"
                )
                (report.repairs if report is not None else self.notices).append(message)
                return doc, True
            backup = self._move_aside(self.path, "damaged")
            doc = self._fresh()
            scratch = report or CheckReport(self.path, ok=False)
            self._reconcile(doc, scratch)
            kept = f", keeping {doc.index.events} sealed events" if doc.index else ""
            message = (
                f"{self.path} could not be read ({exc}); it was kept as {backup} and a new "
                f"progress file was started{kept}"
            )
            if report is not None:
                report.problem(message)
            else:
                self.notices.append(message)
            return doc, True
        if head is None:
            doc = self._fresh()
            if self._segment_files():  # the head was lost, its sealed answers were not
                scratch = report or CheckReport(self.path, ok=True)
                self._reconcile(doc, scratch)
                if report is None and doc.index is not None:
                    self.notices.append(
                        f"{self.path} was missing; a new one was started with the "
                        f"{doc.index.events} sealed events found in {self.segments_dir}"
                    )
            return doc, True
        if head.version != SCHEMA_VERSION:
            backup = self._backup_copy(self.path, head.raw, f"schema{head.version}")
            message = (
                f"migrated {self.path} from schema {head.version} to {SCHEMA_VERSION}; "
                f"the original is kept as {backup}"
            )
            (report.repairs if report is not None else self.notices).append(message)
        return head.doc, head.version != SCHEMA_VERSION

    def _without_bad_settings(self) -> tuple[ProgressDoc, list[str], bytes] | None:
        """The head with its invalid settings dropped, if settings are all that is wrong
        (a hand-edited exam date, say): one bad value must not cost a candidate the
        answers beside it. None when anything else is damaged."""
        try:
            raw = self.path.read_bytes()
            data = json.loads(raw)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
            return None
        if type(data["schema_version"]) is not int:
            return None
        settings = data.get("settings")
        kept: dict[str, object] = {}
        dropped: list[str] = []
        for name, value in (settings.items() if isinstance(settings, dict) else ()):
            try:
                ProgressDoc.model_validate({**data, "settings": {name: value}})
            except ValidationError:
                dropped.append(str(name))
                continue
            kept[name] = value
        if not isinstance(settings, dict):
            dropped.append("settings")
        try:
            doc = ProgressDoc.model_validate({**data, "settings": kept})
        except ValidationError:
            return None
        return (doc, dropped, raw) if dropped else None

    def _fresh(self) -> ProgressDoc:
        return ProgressDoc(schema_version=SCHEMA_VERSION, created=self.clock())

    def append(
        self, *events: Event, on_cards: Callable[[dict[str, dict[str, Any]]], None] | None = None
    ) -> None:
        """Add events durably: on return they are on disk (fsynced).

        `on_cards` updates the review cards in place, under the same lock and in the same
        write as the events, so a card never disagrees with the answers behind it.
        """
        with self._writing("your last answer"):
            doc, _ = self._head_for_write()
            doc.events.extend(events)
            for e in events:
                if isinstance(e, AnswerEvent):
                    recency.add(doc.item_stats, e.item, e.correct, e.at)
                    doc.stats_answers += 1
            if on_cards is not None:
                on_cards(cast(dict[str, dict[str, Any]], doc.cards))
            old_index = doc.index
            if len(doc.events) >= SEAL_AT:
                self._seal(doc)
            self._write(doc)
            if old_index is not None and doc.index != old_index:
                (self.segments_dir / old_index.file).unlink(missing_ok=True)

    def update_settings(self, **values: object) -> None:
        with self._writing("the setting"):
            doc, _ = self._head_for_write()
            doc.settings = cast(Any, {**doc.settings, **values})
            self._write(doc)

    def _put(self, prefix: str, data: bytes, events: int) -> SegmentRef:
        while True:
            name = f"{prefix}-{self.clock():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.json"
            if not (self.segments_dir / name).exists():  # under the lock: no one else names
                break
        atomic_write(self.segments_dir / name, data)
        return SegmentRef(file=name, events=events, sha256=hashlib.sha256(data).hexdigest())

    def _seal(self, doc: ProgressDoc) -> None:
        """Move the tail into a new segment and point the head at a new index.

        Order matters for crash safety: segment, then index, then (by the caller) the
        head. Until the head is replaced it still holds the tail and the old index, so a
        crash anywhere loses nothing; it only leaves unreferenced files for `check`.
        """
        segments = self._segments(doc)
        if segments is None:  # keep the answer in the tail; `check` rebuilds the index
            self.notices.append(
                f"the segment index of {self.path} is damaged; answers are still saved, but "
                "run `peerprep progress check` to repair it"
            )
            return
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
        with self._writing("the reset"):
            with contextlib.suppress(_Damaged):  # damaged is fine to reset; not ours is not
                self._read_head()
            if self.path.exists():
                moved.append(self._move_aside(self.path, "reset"))
            if self.segments_dir.exists():
                moved.append(self._move_aside(self.segments_dir, "reset"))
        return moved

    def check(self) -> CheckReport:
        """Verify the head and every segment; repair what is safe to repair."""
        report = CheckReport(self.path, ok=True)
        with self._writing("the repair"):
            had_head = self.path.exists()
            doc, dirty = self._head_for_write(report)
            if not had_head and doc.index is None:
                report.findings.append(f"no progress file yet at {self.path}")
                self._remove_stale_tmp(report)
                return report
            before = doc.model_dump_json()
            cleanup = self._reconcile(doc, report)
            seen: set[tuple[object, ...]] = set()
            unique = []
            for e in doc.events:
                if _key(e) not in seen:
                    seen.add(_key(e))
                    unique.append(e)
            if len(unique) != len(doc.events):
                report.repairs.append(f"removed {len(doc.events) - len(unique)} duplicate event(s)")
                doc.events = unique
            if dirty or doc.model_dump_json() != before:
                self._write(doc)
            for path, why in cleanup:  # only once the new head no longer needs them
                path.unlink(missing_ok=True)
                report.repairs.append(f"removed {path.name}: {why}")
            self._remove_stale_tmp(report)
            history = self.load()
            self.notices.clear()  # anything load() would say, check has said
            report.events = len(doc.events) + (doc.index.events if doc.index else 0)
            if doc.stats_answers != len(history.answers):
                doc.item_stats = history.item_stats  # load() rebuilt them from events
                doc.stats_answers = len(history.answers)
                report.repairs.append("rebuilt the per-item study statistics from the answers")
                self._write(doc)
        return report

    def _reconcile(self, doc: ProgressDoc, report: CheckReport) -> list[tuple[Path, str]]:
        """Make the head's index list every intact segment, and only those (under the lock).

        Updates `doc` (index and tail) in memory; returns the files to delete once the
        new head is written: each is a superseded index (an index holds no events) or a
        segment whose every event the new head reaches elsewhere.
        """
        listed = self._segments(doc)
        rebuild = listed is None
        if doc.index is not None and listed is None:
            report.problem(
                f"segment index {doc.index.file} is missing or fails its checksum; "
                "rebuilt from the segment files"
            )
            damaged_index = self.segments_dir / doc.index.file
            if damaged_index.exists():
                kept = self._move_aside(damaged_index, "damaged")
                report.repairs.append(f"kept the damaged index as {kept.name}")
        parsed: dict[str, tuple[str, list[Event]]] = {}  # name -> (sha256, events)
        for path in self._segment_files():
            try:
                raw = path.read_bytes()
                parsed[path.name] = (hashlib.sha256(raw).hexdigest(), EVENTS.validate_json(raw))
            except (OSError, ValidationError) as exc:
                kept = self._move_aside(path, "damaged")
                reason = exc.strerror if isinstance(exc, OSError) else "not a list of events"
                report.problem(
                    f"segment {path.name} cannot be read ({reason}); kept as {kept.name}"
                )
        refs: list[SegmentRef] = []
        for ref in listed or []:
            if ref.file not in parsed:
                report.problem(
                    f"segment {ref.file} is missing or fails its checksum; its {ref.events} "
                    "events cannot be read"
                )
                continue
            sha, events = parsed[ref.file]
            if sha != ref.sha256:
                report.problem(
                    f"segment {ref.file} fails its checksum, but its {len(events)} events "
                    "are valid: kept, with its new checksum"
                )
                ref = SegmentRef(file=ref.file, events=len(events), sha256=sha)
            refs.append(ref)
        reachable = {_key(e) for e in doc.events}
        for ref in refs:
            reachable.update(_key(e) for e in parsed[ref.file][1])
        cleanup: list[tuple[Path, str]] = []
        adopted: set[tuple[object, ...]] = set()
        listed_names = {r.file for r in refs}
        for name, (sha, events) in sorted(parsed.items()):
            if name in listed_names:
                continue
            keys = {_key(e) for e in events}
            if keys <= reachable:
                why = "every event in it is also saved elsewhere"
                cleanup.append((self.segments_dir / name, why))
                continue
            refs.append(SegmentRef(file=name, events=len(events), sha256=sha))
            reachable |= keys
            adopted |= keys
            rebuild = True
            report.repairs.append(
                f"adopted segment {name}: {len(keys)} events the head did not reach"
            )
        if adopted:  # the tail may hold copies of what was adopted (an interrupted seal)
            doc.events = [e for e in doc.events if _key(e) not in adopted]
        if rebuild:  # segments describe themselves: order them by their events' times
            refs.sort(key=lambda r: (*_span(parsed[r.file][1]), r.file))
        current = doc.index.file if doc.index is not None else None
        if rebuild or [r.sha256 for r in refs] != [r.sha256 for r in listed or []]:
            if refs:
                index = SegmentIndex(segments=refs)
                total = sum(r.events for r in refs)
                doc.index = self._put("index", index.model_dump_json().encode(), total)
                report.repairs.append(
                    f"wrote a new segment index {doc.index.file} ({len(refs)} segments)"
                )
            else:
                doc.index = None
        for stray in (
            sorted(self.segments_dir.glob("index-*.json")) if self.segments_dir.is_dir() else []
        ):
            if doc.index is None or stray.name != doc.index.file:
                why = "an index no longer in use" if stray.name != current else "superseded"
                cleanup.append((stray, why))
        report.segments = len(refs)
        return cleanup

    def _remove_stale_tmp(self, report: CheckReport) -> None:
        """Temp files of atomic writes that were interrupted (a crash between the write
        and the rename). A live writer's temp file is milliseconds old and is kept."""
        now = time.time()
        candidates = list(self.path.parent.glob(f".{self.path.name}.*.tmp"))
        if self.segments_dir.is_dir():
            candidates += self.segments_dir.glob(".*.tmp")
        for tmp in sorted(candidates):
            with contextlib.suppress(OSError):
                if now - tmp.lstat().st_mtime > STALE_TMP_SECONDS and tmp.is_file():
                    tmp.unlink()
                    report.repairs.append(f"removed {tmp.name}: left by an interrupted write")


def _span(events: list[Event]) -> tuple[dt.datetime, dt.datetime]:
    """A segment's place in time: its earliest and latest event."""
    times = [e.at for e in events]
    return min(times), max(times)  # never empty: an empty segment is removed, not adopted
