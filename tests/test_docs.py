"""The README is the contract: its commands exist, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from peerprep.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[list[str]]:
    import typer

    root = typer.main.get_command(app)
    out: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None) or {}
        for name, sub in subs.items():
            out.append([*path, name])
            walk(sub, [*path, name])

    walk(root, [])
    return out


def test_every_command_has_help_and_is_in_the_readme() -> None:
    runner = CliRunner()
    commands = _commands()
    assert ["bank", "validate"] in commands and ["quiz"] in commands
    for path in commands:
        r = runner.invoke(app, [*path, "-h"])
        assert r.exit_code == 0, path
        assert "Usage" in r.output
        assert f"peerprep {' '.join(path)}" in README, f"README does not mention {path}"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    quick = [b.strip() for b in blocks[:2]]
    assert len(quick) == 2 and "pip install ." in quick[0] and "peerprep quiz" in quick[0]
    test_cmd = quick[1]
    assert "pytest" in test_cmd and "[test]" in test_cmd
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci.splitlines()


def test_readme_states_the_bundled_bank_size() -> None:
    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint

    bank = load_bank(None, load_blueprint(), use_cache=False)
    m = re.search(r"holds (\d+) original items", README)
    assert m, "README should say how many items the bundled bank holds"
    assert int(m.group(1)) == len(bank), "update the item count in README.md"
