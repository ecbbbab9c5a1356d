"""One renderer: every report command hands its result to `Renderer.report`, output and
errors come through the command's Environment, and `--json` holds for errors too."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.cli import app
from peerprep.render import _HUMAN, Renderer
from tests.test_practice import FakeEnv

CLI = Path(__file__).parents[1] / "src" / "peerprep" / "cli"

REPORTS = [
    (["domains"], "domains"),
    (["bank", "validate"], "bank.validate"),
    (["bank", "stats"], "bank.stats"),
    (["bank", "lint"], "bank.lint"),
    (["progress"], "progress"),
    (["progress", "check"], "progress.check"),
    (["readiness"], "readiness"),
]


@pytest.mark.parametrize(("args", "kind"), REPORTS)
def test_every_report_goes_through_the_one_renderer(
    args: list[str], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str]] = []
    real = Renderer.report

    def spy(self: Renderer, k: str, result: Any, fmt: str = "rich") -> None:
        seen.append((k, fmt))
        real(self, k, result, fmt)  # type: ignore[arg-type]

    monkeypatch.setattr(Renderer, "report", spy)
    runner = CliRunner()
    runner.invoke(app, args)
    r = runner.invoke(app, [*args, "--json"])
    assert seen == [(kind, "rich"), (kind, "json")]
    assert json.loads(r.stdout)["kind"] == kind
    assert kind in _HUMAN


def test_cli_modules_never_build_their_own_output() -> None:
    for path in CLI.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "Renderer()" not in text, f"{path.name} builds its own Renderer"
        assert not re.search(r"\br\.json\(", text), f"{path.name} prints JSON itself"
        if path.name != "env.py":
            assert "from_process()" not in text, f"{path.name} builds its own Environment"


def test_a_command_writes_to_the_environment_it_is_given() -> None:
    fake = FakeEnv([])
    r = CliRunner().invoke(app, ["domains"], obj=fake.env)
    assert r.exit_code == 0
    assert "Advocacy" in fake.text and "Advocacy" not in r.stdout


def test_errors_come_through_the_environment_and_as_json_under_json(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    fake = FakeEnv([])
    r = CliRunner().invoke(app, ["progress", "--progress", str(notes), "--json"], obj=fake.env)
    assert r.exit_code == 2
    envelope = json.loads(fake.text)
    assert envelope["kind"] == "error" and envelope["data"]["exit_code"] == 2
    assert "notes.txt" in envelope["data"]["message"]
    assert fake.err.getvalue().startswith("error: ")  # people still get the line on stderr
    assert notes.read_text() == "shopping list\n"  # and the file is untouched


def test_without_json_an_error_is_only_the_stderr_line(tmp_path: Path) -> None:
    fake = FakeEnv([])
    missing = tmp_path / "nowhere"
    r = CliRunner().invoke(app, ["bank", "stats", str(missing)], obj=fake.env)
    assert r.exit_code == 2
    assert fake.text == "" and "bank not found" in fake.err.getvalue()


def test_grade_csv_goes_through_the_renderer(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "forms"
    assert runner.invoke(app, ["exam", "build", "--format", "md", "-o", str(out)]).exit_code == 0
    key = out / "form-1-key.json"
    n = len(json.loads(key.read_text())["items"])
    sheet = tmp_path / "r.csv"
    sheet.write_text("c1," + ",".join("A" * n) + "\nc2," + ",".join("B" * n) + "\n")
    fake = FakeEnv([])
    r = runner.invoke(app, ["exam", "grade", str(key), str(sheet), "--csv"], obj=fake.env)
    assert r.exit_code == 0, r.output
    assert fake.text.splitlines()[0].startswith("candidate")


@pytest.mark.parametrize("terminal", [True, False])
def test_raw_data_is_exact_in_a_pipe_and_inert_on_a_terminal(
    terminal: bool, tmp_path: Path
) -> None:
    import io

    from rich.console import Console

    odd = tmp_path / "x\x1b[2Jy"
    odd.mkdir()
    fake = FakeEnv([])
    out = io.StringIO()
    fake.env.stdout = Console(file=out, force_terminal=terminal, no_color=True, width=200)
    progress = odd / "progress.json"
    r = CliRunner().invoke(app, ["progress", "path", "--progress", str(progress)], obj=fake.env)
    assert r.exit_code == 0
    if terminal:
        assert "\x1b" not in out.getvalue() and "x␛[2Jy" in out.getvalue()
    else:
        assert out.getvalue() == f"{progress}\n"  # a script gets the real path
