"""Real round trips: the installed tool run as a separate process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import peerprep

ROOT = Path(__file__).resolve().parents[1]


def _env(home: Path) -> dict[str, str]:
    return dict(
        os.environ, PEERPREP_HOME=str(home), NO_COLOR="1", PYTHONUNBUFFERED="1", COLUMNS="100"
    )


def test_python_dash_m_and_console_script(sandbox_home: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "peerprep", "--version"],
        capture_output=True,
        text=True,
        env=_env(sandbox_home),
        check=False,
    )
    assert r.returncode == 0 and r.stdout.strip() == f"peerprep {peerprep.__version__}"
    script = shutil.which("peerprep", path=str(Path(sys.executable).parent))
    assert script, "the peerprep console script is not installed next to this python"
    r = subprocess.run(
        [script, "bank", "validate", "--json"],
        capture_output=True,
        text=True,
        env=_env(sandbox_home),
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["data"]["valid"] is True


def test_bundled_data_ships_inside_the_installed_package() -> None:
    pkg = Path(peerprep.__file__).resolve().parent
    if pkg == (ROOT / "src" / "peerprep"):
        pytest.skip("editable install: data is read from the source tree")
    assert (pkg / "data" / "domains.yaml").is_file()
    assert any((pkg / "data" / "question_bank").rglob("*.yaml"))


def test_bad_bank_exits_2_without_traceback(tmp_path: Path, sandbox_home: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: X\n  task: [\n")
    r = subprocess.run(
        [sys.executable, "-m", "peerprep", "bank", "validate", str(bad)],
        capture_output=True,
        text=True,
        env=_env(sandbox_home),
        check=False,
    )
    assert r.returncode == 2
    assert f"{bad}:3: yaml:" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_at_the_prompt_exits_130_with_the_score(sandbox_home: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "peerprep", "quiz", "-n", "3", "--seed", "4"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(sandbox_home),
    )
    assert proc.stdout is not None
    seen = b""
    while b"Your answer" not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, seen.decode(errors="replace")
        seen += chunk
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err.decode()
    assert b"Stopped after 0 of 3" in seen + out
    assert b"Traceback" not in err
