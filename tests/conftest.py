"""Shared fixtures: every test runs with PEERPREP_HOME in a temp folder."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

# Set before any peerprep import: fsync only slows the logic tests down (the crash tests in
# the slow tier set it back on for their subprocesses).
os.environ.setdefault("PEERPREP_FSYNC", "0")

GOOD_ITEM: dict[str, Any] = {
    "id": "ADV-I1-901",
    "task": "I1",
    "stem": "A participant asks the peer worker to speak up for them at a housing meeting. "
    "What should the peer worker do first?",
    "options": {
        "A": "Ask what the participant wants said and how they want to take part.",
        "B": "Attend alone and explain the participant's needs in their absence.",
        "C": "Tell the participant that advocacy is the case manager's job.",
        "D": "Write a letter to the landlord describing the participant's history.",
    },
    "answer": "A",
    "rationale": {
        "answer": "Advocacy starts from the person's own goals and voice.",
        "distractors": {
            "B": "Speaking for the person without them replaces their voice.",
            "C": "Advocating with and for the individual is part of the peer role.",
            "D": "Sharing history without consent breaks confidentiality.",
        },
    },
    "source": "IC&RC PR task I1; test fixture",
    "difficulty": 2,
    "cognitive": "application",
}


def item(**changes: Any) -> dict[str, Any]:
    """A valid item with some fields changed (a value of None removes the field)."""
    out = copy.deepcopy(GOOD_ITEM)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def items_for_all_tasks(per_task: int = 2) -> list[dict[str, Any]]:
    from peerprep.blueprint import load_blueprint

    out = []
    for code in load_blueprint().task_codes():
        for n in range(per_task):
            letter = "ABCD"[n % 4]
            opts = {
                k: f"Option {k} for task {code} number {n} of the synthetic bank" for k in "ABCD"
            }
            out.append(
                item(
                    id=f"T-{code}-{n:03d}",
                    task=code,
                    options=opts,
                    answer=letter,
                    rationale={
                        "answer": "Because.",
                        "distractors": {k: "No." for k in "ABCD" if k != letter},
                    },
                )
            )
    return out


@pytest.fixture(autouse=True)
def sandbox_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("peerprep-home")
    monkeypatch.setenv("PEERPREP_HOME", str(home))
    for var in ("PEERPREP_BANK", "PEERPREP_DOMAINS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    return home


WriteBank = Callable[..., Path]


@pytest.fixture
def write_bank(tmp_path: Path) -> WriteBank:
    """write_bank(name=items, ...) -> folder holding one YAML file per keyword."""

    def _write(**files: Any) -> Path:
        root = tmp_path / "bank"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            path = root / f"{name}.yaml"
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        return root

    return _write
