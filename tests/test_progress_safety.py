"""The progress store never loses or mangles data: malformed versions, foreign and newer
files, damaged or missing pieces, colliding backups, and lock or permission problems."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peerprep.cli import app
from peerprep.errors import InvalidInputError, PeerprepError
from peerprep.progress.schema import SEAL_AT, AnswerEvent
from peerprep.progress.store import ProgressStore

FIXTURES = Path(__file__).parent / "fixtures"
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
FROZEN = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)
runner = CliRunner()


def answer(n: int, session: str = "s1") -> AnswerEvent:
    return AnswerEvent(
        session=session,
        at=T0 + dt.timedelta(seconds=n),
        item=f"ADV-I1-{n:03d}",
        chosen="B",
        correct=n % 3 != 0,
        seconds=3.5,
        mode="quiz",
    )


def items(store: ProgressStore) -> list[str]:
    return [a["item"] for a in store.load().answers]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def filled(tmp_path: Path, tail: int = SEAL_AT - 1) -> ProgressStore:
    """Three sealed segments and a tail one answer short of the next seal."""
    store = ProgressStore(tmp_path / "progress.json")
    for start in range(0, 3 * SEAL_AT, SEAL_AT):  # one save per segment keeps this fast
        store.append(*(answer(i) for i in range(start, start + SEAL_AT)))
    store.append(*(answer(i) for i in range(3 * SEAL_AT, 3 * SEAL_AT + tail)))
    assert len(list(store.segments_dir.glob("seg-*.json"))) == 3
    return store


def current_doc(store: ProgressStore) -> dict[str, object]:
    data: dict[str, object] = json.loads(store.path.read_bytes())
    return data


def segments_in_order(store: ProgressStore) -> list[Path]:
    index = current_doc(store)["index"]
    assert isinstance(index, dict)
    listed = json.loads((store.segments_dir / index["file"]).read_bytes())["segments"]
    return [store.segments_dir / s["file"] for s in listed]


# ---------------------------------------------------------------- 1. malformed versions
GOOD_HEAD = {
    "created": "2026-01-01T00:00:00Z",
    "events": [answer(1).model_dump(mode="json"), answer(2).model_dump(mode="json")],
    "stats_answers": 0,
}


@pytest.mark.parametrize("version", [True, "2", 1.0, 2.0, None, "missing"])
def test_a_malformed_version_is_never_migrated_nor_emptied(tmp_path: Path, version: object) -> None:
    store = ProgressStore(tmp_path / "progress.json", clock=lambda: FROZEN)
    head = dict(GOOD_HEAD) if version == "missing" else {"schema_version": version, **GOOD_HEAD}
    content = json.dumps(head).encode()
    store.path.write_bytes(content)
    with pytest.raises(PeerprepError, match="peerprep progress check"):
        store.load()
    assert snapshot(tmp_path) == {"progress.json": content}  # the reader changed nothing
    store.append(answer(3))
    backups = [b for b in tmp_path.glob("progress.json.*") if not b.name.endswith(".lock")]
    assert [b.name for b in backups] == ["progress.json.damaged-20261102T083000000000Z"]
    assert backups[0].read_bytes() == content  # both old answers survive in the backup
    assert not list(tmp_path.glob("*schema1*")) and items(store) == ["ADV-I1-003"]
    assert "schema_version" in store.notices[0]


def test_check_also_quarantines_a_malformed_version(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    content = json.dumps({"schema_version": True, **GOOD_HEAD}).encode()
    store.path.write_bytes(content)
    report = store.check()
    assert not report.ok and "schema_version" in report.findings[0]
    (backup,) = tmp_path.glob("progress.json.damaged-*")
    assert backup.read_bytes() == content


def test_a_schema_1_file_is_copied_before_it_is_migrated(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json", clock=lambda: FROZEN)
    original = (FIXTURES / "progress_v1.json").read_bytes()
    store.path.write_bytes(original)
    store.update_settings(target=80)
    backup = tmp_path / "progress.json.schema1-20261102T083000000000Z"
    assert backup.read_bytes() == original and str(backup) in store.notices[0]
    assert current_doc(store)["schema_version"] == 2
    assert items(store) == ["ADV-I1-001", "ETH-II9-001", "MEN-III1-001"]


# ---------------------------------------------------------------- 2. readers change nothing
@pytest.mark.parametrize("damage", ["head", "index", "segment", "head-missing"])
def test_readers_leave_every_file_as_it_was(tmp_path: Path, damage: str) -> None:
    store = filled(tmp_path, tail=5)
    if damage == "head":
        store.path.write_bytes(store.path.read_bytes()[:100])
    elif damage == "index":
        index = current_doc(store)["index"]
        assert isinstance(index, dict)
        (store.segments_dir / index["file"]).write_bytes(b"{")
    elif damage == "segment":
        segments_in_order(store)[1].write_bytes(b"[")
    else:
        store.path.unlink()
    before = snapshot(tmp_path)
    reader = ProgressStore(store.path)
    try:
        reader.load()
        assert reader.notices and "peerprep progress check" in reader.notices[0]
    except PeerprepError as exc:
        assert damage == "head" and "peerprep progress check" in exc.message
    for command in (["progress"], ["readiness"], ["progress", "export"], ["study", "-n", "1"]):
        runner.invoke(app, [*command, "--progress", str(store.path)], input="\x04")
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- 3. check repairs
@pytest.mark.parametrize(
    "damage",
    ["delete-index", "corrupt-index", "delete-segment", "corrupt-segment", "damaged-head"],
)
def test_check_then_save_works_after_any_single_damaged_file(tmp_path: Path, damage: str) -> None:
    store = filled(tmp_path)  # the next save seals: it needs a usable index
    everything = items(store)
    index = current_doc(store)["index"]
    assert isinstance(index, dict)
    index_path = store.segments_dir / index["file"]
    segments = segments_in_order(store)
    lost: list[str] = []
    if damage == "delete-index":
        index_path.unlink()
    elif damage == "corrupt-index":
        index_path.write_bytes(index_path.read_bytes()[:-20])
    elif damage == "delete-segment":
        lost = everything[SEAL_AT : 2 * SEAL_AT]
        segments[1].unlink()
    elif damage == "corrupt-segment":
        lost = everything[SEAL_AT : 2 * SEAL_AT]
        segments[1].write_bytes(segments[1].read_bytes()[:500])
    else:
        lost = everything[3 * SEAL_AT :]  # the tail lived only in the damaged head
        store.path.write_bytes(store.path.read_bytes()[:300])
    damaged_bytes = {p: p.read_bytes() for p in (segments[1], store.path) if p.exists()}

    report = ProgressStore(store.path).check()
    assert not report.ok
    store.append(answer(9999))  # seals: works with no reset
    assert store.notices == [] or "could not be read" not in " ".join(store.notices)
    after = ProgressStore(store.path)
    got = items(after)
    assert after.notices == []
    assert got == [i for i in everything if i not in lost] + ["ADV-I1-9999"]
    assert ProgressStore(store.path).check().ok  # a second check finds nothing
    kept = {b.read_bytes() for b in tmp_path.rglob("*.damaged-*")}
    if damage in ("corrupt-segment", "damaged-head"):  # damaged bytes are kept, not deleted
        wanted = damaged_bytes[segments[1] if damage == "corrupt-segment" else store.path]
        assert wanted in kept


def test_check_brings_back_sealed_answers_when_the_head_is_deleted(tmp_path: Path) -> None:
    store = filled(tmp_path, tail=3)
    everything = items(store)
    store.path.unlink()
    report = ProgressStore(store.path).check()
    assert any("adopted" in r for r in report.repairs)
    assert items(ProgressStore(store.path)) == everything[: 3 * SEAL_AT]


def test_a_save_on_a_missing_head_keeps_the_sealed_answers(tmp_path: Path) -> None:
    store = filled(tmp_path, tail=3)
    everything = items(store)
    store.path.unlink()
    store.append(answer(9999))
    assert items(store) == [*everything[: 3 * SEAL_AT], "ADV-I1-9999"]


def test_check_adopts_an_orphan_segment_in_time_order(tmp_path: Path) -> None:
    store = filled(tmp_path, tail=3)
    everything = items(store)
    # An orphan holding answers from before everything else (say a segment copied back
    # from a backup): check must put it first, judged by its events' times.
    orphan = [answer(-10 + i, session="old").model_dump(mode="json") for i in range(5)]
    (store.segments_dir / "seg-20250101T000000-deadbeef.json").write_text(json.dumps(orphan))
    report = store.check()
    assert any("adopted segment seg-20250101T000000-deadbeef.json" in r for r in report.repairs)
    got = items(ProgressStore(store.path))
    assert got == [a["item"] for a in orphan] + everything


def test_check_never_deletes_a_stray_index_or_segment_holding_unreached_events(
    tmp_path: Path,
) -> None:
    store = filled(tmp_path, tail=3)
    head_before = store.path.read_bytes()
    # seals a fourth segment and a new index ...
    store.append(*(answer(5000 + i, session="late") for i in range(SEAL_AT)))
    store.path.write_bytes(head_before)  # ... then the head is rolled back to an older copy
    expected = sorted(items(ProgressStore(store.path))) + [
        f"ADV-I1-{5000 + i:03d}" for i in range(SEAL_AT - 3)
    ]
    store.check()
    got = items(ProgressStore(store.path))
    assert set(expected) <= set(got)


def test_check_removes_only_stale_temp_files(tmp_path: Path) -> None:
    store = filled(tmp_path, tail=3)
    old = time.time() - 3600
    stale = [
        tmp_path / ".progress.json.ab12cd.tmp",
        store.segments_dir / ".seg-20261101T090000-0a0b0c0d.json.x1y2.tmp",
    ]
    live = tmp_path / ".progress.json.fresh1.tmp"
    other = tmp_path / ".progress-alex.json.zz99.tmp"  # another profile's file: not ours
    for p in [*stale, live, other]:
        p.write_bytes(b"partial")
    for p in [*stale, other]:
        os.utime(p, (old, old))
    report = store.check()
    assert not any(p.exists() for p in stale) and live.exists() and other.exists()
    assert sum("interrupted write" in r for r in report.repairs) == 2


def test_check_through_the_cli_repairs_a_deleted_index(tmp_path: Path) -> None:
    store = filled(tmp_path)
    everything = items(store)
    index = current_doc(store)["index"]
    assert isinstance(index, dict)
    (store.segments_dir / index["file"]).unlink()
    result = runner.invoke(app, ["progress", "check", "--progress", str(store.path)])
    assert result.exit_code == 1 and "rebuilt" in result.output
    result = runner.invoke(app, ["progress", "check", "--progress", str(store.path)])
    assert result.exit_code == 0, result.output
    assert items(ProgressStore(store.path)) == everything


# ---------------------------------------------------------------- 4. newer and foreign files
NEWER = b'{"schema_version": 3, "created": "2026-01-01T00:00:00Z", "whatever": []}'


@pytest.mark.parametrize(
    "content",
    [NEWER, b"shopping list\nmilk\n", b"", b"[1, 2]", b'{"name": "notes"}', b"\xff\xfe\x00"],
    ids=["newer", "text", "empty", "list", "other-json", "binary"],
)
def test_newer_or_foreign_files_are_refused_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    store = ProgressStore(path)
    for action in (
        store.load,
        lambda: store.append(answer(1)),
        lambda: store.update_settings(target=80),
        store.check,
        store.reset,
    ):
        with pytest.raises(InvalidInputError, match=r"newer than|not a peerprep progress file"):
            action()
    assert snapshot(tmp_path) == {"notes.txt": content}
    for command in (["readiness", "--target", "80"], ["progress", "reset", "--yes"]):
        result = runner.invoke(app, [*command, "--progress", str(path)])
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert snapshot(tmp_path) == {"notes.txt": content}


# ---------------------------------------------------------------- 5. every field validated
CARD = {
    "card_id": 5,
    "state": 2,
    "step": None,
    "stability": 2.3,
    "difficulty": 5.1,
    "due": "2026-10-01T00:00:00+00:00",
    "last_review": "2026-09-28T00:00:00+00:00",
}


def head_with(**fields: object) -> bytes:
    doc: dict[str, object] = {"schema_version": 2, "created": "2026-10-01T00:00:00+00:00"}
    doc.update(fields)
    return json.dumps(doc).encode()


def naive_answer() -> dict[str, object]:
    return {**answer(1).model_dump(mode="json"), "at": "2026-10-01T12:00:00"}


@pytest.mark.parametrize(
    ("command", "content", "field"),
    [
        (["review"], head_with(cards={"ADV-I1-001": {**CARD, "due": "2026-10-01"}}), "due"),
        (["review"], head_with(cards={"ADV-I1-001": {**CARD, "state": 7}}), "state"),
        (["review"], head_with(cards={"ADV-I1-001": {**CARD, "stability": None}}), "cards"),
        (["review"], head_with(events=[naive_answer()], stats_answers=1), "events.0"),
        (["study", "-n", "1"], head_with(item_stats={"ADV-I1-001": [1.0, 1.0]}), "item_stats"),
        (["study", "-n", "1"], head_with(item_stats={"ADV-I1-001": [1, 1, 1e999]}), "item_stats"),
        (["study", "-n", "1"], head_with(created="2026-10-01T00:00:00"), "created"),
        (["readiness"], head_with(settings={"target": "80"}), "settings.target"),
        (["readiness"], head_with(events=[naive_answer()], stats_answers=1), "timezone"),
    ],
)
def test_a_bad_field_is_reported_by_name_never_a_traceback(
    tmp_path: Path, command: list[str], content: bytes, field: str
) -> None:
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    result = runner.invoke(app, [*command, "--progress", str(path)], input="\x04")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a PeerprepError, not a crash
    assert field in result.output and "peerprep progress check" in result.output
    assert path.read_bytes() == content


# ---------------------------------------------------------------- 6. backup names
def test_backups_never_collide_under_a_frozen_clock(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json", clock=lambda: FROZEN)
    stamp = "20261102T083000000000Z"
    (tmp_path / f"progress.json.damaged-{stamp}").write_bytes(b"precious")
    contents = [b'{"schema_version": 2, "crea' + bytes([65 + n]) for n in range(3)]
    for content in contents:
        store.path.write_bytes(content)
        store.append(answer(1))
    assert (tmp_path / f"progress.json.damaged-{stamp}").read_bytes() == b"precious"
    for n, content in enumerate(contents, start=2):
        assert (tmp_path / f"progress.json.damaged-{stamp}-{n}").read_bytes() == content
    v1 = (FIXTURES / "progress_v1.json").read_bytes()
    for _ in range(2):
        store.path.write_bytes(v1)
        store.append(answer(2))
    assert (tmp_path / f"progress.json.schema1-{stamp}").read_bytes() == v1
    assert (tmp_path / f"progress.json.schema1-{stamp}-2").read_bytes() == v1
    moved = store.reset()
    store.append(answer(3))
    moved += store.reset()
    assert len({m.name for m in moved}) == len(moved) == 2


# ---------------------------------------------------------------- 7. lock and folder errors
def test_a_held_lock_is_a_one_line_error_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    path = tmp_path / "progress.json"
    ProgressStore(path).update_settings(target=70)
    monkeypatch.setenv("PEERPREP_LOCK_TIMEOUT", "0.3")
    with open(str(path) + ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        start = time.monotonic()
        result = runner.invoke(app, ["readiness", "--target", "80", "--progress", str(path)])
        waited = time.monotonic() - start
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "NOT saved" in result.output and "locked by another peerprep" in result.output
    assert waited < 5  # the short timeout was honoured
    assert json.loads(path.read_bytes())["settings"]["target"] == 70


@pytest.mark.parametrize("target_exists", [True, False])
def test_a_symlinked_lock_file_is_refused_and_never_followed(
    tmp_path: Path, target_exists: bool
) -> None:
    target = tmp_path / "elsewhere" / "important.txt"
    target.parent.mkdir()
    if target_exists:
        target.write_bytes(b"do not truncate me")
    store = ProgressStore(tmp_path / "progress.json")
    os.symlink(target, str(store.path) + ".lock")
    for action in (lambda: store.append(answer(1)), store.check, store.reset):
        with pytest.raises(PeerprepError, match="symbolic link"):
            action()
    assert target.exists() == target_exists
    if target_exists:
        assert target.read_bytes() == b"do not truncate me"
    result = runner.invoke(app, ["readiness", "--target", "80", "--progress", str(store.path)])
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_read_only_folder_says_the_answer_was_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    store = ProgressStore(folder / "progress.json")
    store.append(answer(1))
    folder.chmod(0o500)
    if os.geteuid() == 0:  # root ignores folder permissions: make creation fail the same way
        import tempfile

        def denied(*args: object, **kwargs: object) -> tuple[int, str]:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))

        monkeypatch.setattr(tempfile, "mkstemp", denied)
    try:
        with pytest.raises(PeerprepError, match=r"answer was NOT saved: .*ro: Permission denied"):
            store.append(answer(2))
    finally:
        folder.chmod(0o700)
    assert items(store) == ["ADV-I1-001"]


def test_garbage_at_the_profiles_own_path_is_ours_damaged(sandbox_home: Path) -> None:
    # Nobody but peerprep writes the profile's default file, so unreadable bytes there are
    # a damaged file of ours (zeros after a power cut): kept as a backup, not refused.
    path = sandbox_home / "progress.json"
    path.write_bytes(b"\x00" * 64)
    result = runner.invoke(app, ["readiness"])
    assert result.exit_code == 1 and "peerprep progress check" in result.output
    assert path.read_bytes() == b"\x00" * 64  # a reader still changes nothing
    result = runner.invoke(app, ["readiness", "--target", "80"])
    assert result.exit_code == 1  # it reads before it saves: reported, not moved
    result = runner.invoke(app, ["progress", "check"])
    assert result.exit_code == 1 and "damaged" in result.output
    (backup,) = sandbox_home.glob("progress.json.damaged-*")
    assert backup.read_bytes() == b"\x00" * 64
    assert runner.invoke(app, ["readiness", "--target", "80"]).exit_code == 0
