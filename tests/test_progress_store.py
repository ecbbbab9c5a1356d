"""The progress store: atomic, locked, sealed into segments, migrated, never losing data."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerprep.errors import InvalidInputError, PeerprepError
from peerprep.progress.schema import SEAL_AT, AnswerEvent, ProgressDoc, SessionEnd, SessionStart
from peerprep.progress.store import ProgressStore, progress_path

FIXTURES = Path(__file__).parent / "fixtures"
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def answer(n: int, session: str = "s1", correct: bool = True) -> AnswerEvent:
    return AnswerEvent(
        session=session,
        at=T0 + dt.timedelta(seconds=n),
        item=f"ADV-I1-{n:03d}",
        chosen="B",
        correct=correct,
        seconds=3.5,
        mode="quiz",
    )


def ticking_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def test_round_trip_mode_0600_and_no_temp_files(store: ProgressStore) -> None:
    store.append(SessionStart(session="s1", at=T0, mode="quiz", items=[("ADV-I1-000", "ABCD")]))
    store.append(answer(0))
    store.append(SessionEnd(session="s1", at=T0))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    data = json.loads(store.path.read_text())
    assert data["schema_version"] == 2 and len(data["events"]) == 3
    h = store.load()
    assert [a["item"] for a in h.answers] == ["ADV-I1-000"]
    (s,) = h.sessions()
    assert (s.asked, s.answered, s.correct, s.finished) == (1, 1, 1, True)
    assert not list(store.path.parent.glob(".*.tmp"))
    assert store.notices == []


def test_sealing_keeps_every_event_in_order(store: ProgressStore) -> None:
    n = 2 * SEAL_AT + 10
    for i in range(n):
        store.append(answer(i))
    segs = sorted(store.segments_dir.glob("seg-*.json"))
    indexes = list(store.segments_dir.glob("index-*.json"))
    assert len(segs) == 2 and len(indexes) == 1  # the superseded index was removed
    head = json.loads(store.path.read_text())
    assert len(head["events"]) == 10 and head["index"]["events"] == 2 * SEAL_AT
    items = [a["item"] for a in store.load().answers]
    assert items == [f"ADV-I1-{i:03d}" for i in range(n)]
    assert store.check().ok


def test_v1_file_is_migrated_forward(store: ProgressStore) -> None:
    shutil.copy(FIXTURES / "progress_v1.json", store.path)
    original = store.path.read_bytes()
    h = store.load()
    assert any("schema 1" in n and "next save" in n for n in store.notices)
    assert store.path.read_bytes() == original  # a reader migrates in memory only
    assert [a["item"] for a in h.answers] == ["ADV-I1-001", "ETH-II9-001", "MEN-III1-001"]
    assert h.settings == {"target": 75}
    (u,) = h.unfinished()
    assert u.start.session == "d4e5f6" and [i for i, _ in u.remaining] == [
        "REC-IV6-001",
        "ADV-I2-001",
    ]
    store.notices.clear()
    store.append(answer(99, session="d4e5f6"))  # the first write stores schema 2
    (backup,) = store.path.parent.glob("progress.json.schema1-*")
    assert backup.read_bytes() == original
    (notice,) = store.notices
    assert "migrated" in notice and "schema 1 to 2" in notice and str(backup) in notice
    expected = json.loads((FIXTURES / "progress_v2_from_v1.json").read_text())
    got = json.loads(store.path.read_text())
    assert got["schema_version"] == 2
    assert got["events"][:-1] == expected["events"]
    derived = {"cards", "item_stats", "stats_answers"}  # rebuilt from events, not compared
    assert ProgressDoc.model_validate(expected).model_dump(exclude=derived) == (
        ProgressDoc.model_validate({**got, "events": got["events"][:-1]}).model_dump(
            exclude=derived
        )
    )
    assert got["stats_answers"] == 4
    assert set(got["item_stats"]) == {"ADV-I1-001", "ETH-II9-001", "MEN-III1-001", "ADV-I1-099"}


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"schema_version": 2, "created": "2026-01-01T0', "not valid JSON"),
        (b'{"schema_version": 2, "created": "yesterday"}', "invalid field"),
        (b'{"created": "2026-01-01T00:00:00Z"}', "schema_version is missing"),
        (b'{"schema_version": true, "created": "2026-01-01T00:00:00Z"}', "not a whole number"),
    ],
)
def test_a_damaged_file_is_kept_by_a_writer_and_never_overwritten(
    store: ProgressStore, content: bytes, why: str
) -> None:
    store.path.write_bytes(content)
    with pytest.raises(PeerprepError, match="peerprep progress check"):
        store.load()  # a reader reports, and changes nothing
    assert store.path.read_bytes() == content
    store.append(answer(1))  # a writer keeps the damaged file and starts a fresh one
    (notice,) = store.notices
    (backup,) = store.path.parent.glob("progress.json.damaged-*")
    assert why in notice and str(store.path) in notice and str(backup) in notice
    assert backup.read_bytes() == content
    store.append(answer(2))
    assert backup.read_bytes() == content and len(store.load().answers) == 2


def test_damaged_segment_is_reported_not_fatal(store: ProgressStore) -> None:
    for i in range(SEAL_AT + 3):
        store.append(answer(i))
    (seg,) = store.segments_dir.glob("seg-*.json")
    seg.write_bytes(seg.read_bytes().replace(b'"B"', b'"C"', 1))
    h = store.load()
    assert len(h.answers) == 3 and "missing or damaged" in store.notices[0]
    report = store.check()
    assert not report.ok and "fails its checksum" in report.findings[0]


def test_check_tidies_up_after_an_interrupted_seal(store: ProgressStore) -> None:
    for i in range(SEAL_AT - 1):
        store.append(answer(i))
    doc = ProgressDoc.model_validate_json(store.path.read_bytes())
    store._seal(doc)  # the segment and index are written ... then the process "dies"
    assert len(store.load().answers) == SEAL_AT - 1  # the head still has everything
    report = store.check()
    assert report.ok and len(report.repairs) == 2
    assert not list(store.segments_dir.glob("*.json"))
    store.append(answer(500))
    assert len(store.load().answers) == SEAL_AT


def test_check_removes_duplicate_events(store: ProgressStore) -> None:
    store.append(answer(1))
    doc = json.loads(store.path.read_text())
    doc["events"].append(doc["events"][0])
    store.path.write_text(json.dumps(doc))
    report = store.check()
    assert report.repairs == ["removed 1 duplicate event(s)"] and report.events == 1
    assert len(store.load().answers) == 1


def test_check_moves_a_damaged_head_aside(store: ProgressStore) -> None:
    store.path.write_text('{"schema_version": 2, "crea')
    report = store.check()
    assert not report.ok and "damaged" in report.findings[0]
    assert list(store.path.parent.glob("progress.json.damaged-*"))


def test_reset_keeps_a_backup(store: ProgressStore) -> None:
    for i in range(SEAL_AT + 1):
        store.append(answer(i))
    moved = store.reset()
    assert len(moved) == 2 and all(m.exists() for m in moved)
    assert not store.path.exists() and store.load().answers == []


def test_two_writers_on_one_file_both_keep_their_answers(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    a, b = ProgressStore(path), ProgressStore(path)

    def write(store: ProgressStore, session: str) -> None:
        for i in range(150):
            store.append(answer(i, session=session))

    threads = [threading.Thread(target=write, args=(s, n)) for s, n in ((a, "A"), (b, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = ProgressStore(path).load().answers
    assert sorted(x["session"] for x in answers) == ["A"] * 150 + ["B"] * 150


def test_a_held_lock_fails_clearly_instead_of_losing_data(tmp_path: Path) -> None:
    from filelock import FileLock

    store = ProgressStore(tmp_path / "progress.json", lock_timeout=0.2)
    with FileLock(str(store.path) + ".lock"), pytest.raises(PeerprepError, match="NOT saved"):
        store.append(answer(1))


def test_profiles_get_their_own_files(tmp_path: Path) -> None:
    assert progress_path(tmp_path) == tmp_path / "progress.json"
    assert progress_path(tmp_path, "alex") == tmp_path / "progress-alex.json"
    with pytest.raises(InvalidInputError, match="profile name"):
        progress_path(tmp_path, "../etc")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(["s1", "s2", "s3"]), st.booleans()), max_size=300))
def test_whatever_is_saved_loads_back_in_order(tmp_path: Path, seq: list[tuple[str, bool]]) -> None:
    store = ProgressStore(tmp_path / f"p{len(seq)}-{hash(tuple(seq))}.json")
    for n, (session, ok) in enumerate(seq):
        store.append(answer(n, session=session, correct=ok))
    got = [(a["session"], a["correct"]) for a in store.load().answers]
    assert got == seq
    assert store.check().ok


def test_study_stats_follow_every_answer_and_check_rebuilds_them(store: ProgressStore) -> None:
    for i in range(SEAL_AT + 5):
        store.append(answer(i % 7, correct=i % 2 == 0))
    h = store.load()
    from peerprep import recency

    expected = recency.from_results(h.results())
    assert h.item_stats.keys() == expected.keys()
    for k, v in expected.items():
        assert h.item_stats[k] == pytest.approx(v)
    doc = json.loads(store.path.read_text())
    doc["stats_answers"] = 3  # out of step, e.g. a hand edit
    store.path.write_text(json.dumps(doc))
    assert store.load().item_stats.keys() == expected.keys()  # rebuilt in memory
    report = store.check()
    assert "rebuilt the per-item study statistics from the answers" in report.repairs
    assert json.loads(store.path.read_text())["stats_answers"] == SEAL_AT + 5
