"""SIGKILL a real drilling process at random moments: nothing confirmed on screen is lost.

Each run starts `python -m peerprep quiz` on one shared progress file, answers as fast as
it can, and is killed after a random delay that spans start-up, answering, saving and
sealing. After every kill the file must parse and hold at least every answer whose
feedback reached the screen. PEERPREP_CRASH_RUNS sets the number of kills (default 200).
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peerprep.progress.schema import ProgressDoc
from peerprep.progress.store import ProgressStore

RUNS = int(os.environ.get("PEERPREP_CRASH_RUNS", "200"))
PER_RUN = 40


def _run_and_kill(progress: Path, seed: int, delay: float, env: dict[str, str]) -> int:
    """Start a quiz, kill it after `delay` s; return how many answers it confirmed."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "peerprep",
            "quiz",
            "-n",
            str(PER_RUN),
            "--seed",
            str(seed),
            "--progress",
            str(progress),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"a\n" * PER_RUN)
    proc.stdin.flush()
    out = b""
    deadline = time.monotonic() + delay
    fd = proc.stdout.fileno()
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    out += proc.stdout.read()  # whatever reached the pipe before the kill was on screen
    proc.stdin.close()
    proc.stdout.close()
    return out.count("✓ Correct".encode()) + out.count("✗ Not quite".encode())


@pytest.mark.slow
def test_sigkill_never_loses_a_confirmed_answer(tmp_path: Path, sandbox_home: Path) -> None:
    progress = tmp_path / "progress.json"
    env = dict(
        os.environ,
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        COLUMNS="100",
        PEERPREP_HOME=str(sandbox_home),
        PEERPREP_FSYNC="1",
    )
    subprocess.run(
        [sys.executable, "-m", "peerprep", "bank", "validate"],
        env=env,
        check=True,
        capture_output=True,
    )  # warm the bank cache once
    rng = random.Random(20261122)
    confirmed = 0
    killed_mid_run = 0
    for run in range(RUNS):
        got = _run_and_kill(progress, run, rng.uniform(0.05, 0.9), env)
        confirmed += got
        killed_mid_run += 0 < got < PER_RUN
        if progress.exists():
            ProgressDoc.model_validate_json(progress.read_bytes())  # always parses
        store = ProgressStore(progress)
        saved = len(store.load().answers)
        assert store.notices == [], store.notices
        assert saved >= confirmed, f"run {run}: {confirmed} confirmed on screen, {saved} saved"
    report = ProgressStore(progress).check()
    assert report.ok, report.findings
    assert confirmed > RUNS  # the kills really landed while answering, not only at start-up
    assert killed_mid_run > RUNS // 4
    head = json.loads(progress.read_text())
    assert head["schema_version"] == 2
