"""`bank lint`: each check fires on a flawed item and stays quiet on a sound one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.lint import LintReport, lint
from tests.conftest import WriteBank, item

BP = load_blueprint()

STEMS = [
    "A participant asks for help finding a food pantry near her new apartment. What first?",
    "During group, a member interrupts others repeatedly. How should the facilitator respond?",
    "A peer worker notices her own stress rising after a hard week. What is the best step?",
    "A person says he wants to try a faith-based pathway. Which response best supports him?",
    "Which principle explains why recovery plans are written in the person's own words?",
    "An employer calls to ask whether a former participant attended services. What now?",
    "Tenants at a recovery residence disagree about chore schedules. Where could a coach start?",
    "Why do peer workers describe their own recovery only when it serves the other person?",
]


def balanced(n: int = 8, **changes: Any) -> list[dict[str, Any]]:
    """n sound items with keys rotating A-D and distinct stems; `changes` go to item 0."""
    out = []
    for i in range(n):
        key = "ABCD"[i % 4]
        opts = {k: f"A plausible option {k} of similar length for item {i}" for k in "ABCD"}
        notes = {k: "Not the best choice here." for k in "ABCD" if k != key}
        stem = STEMS[i % len(STEMS)]
        out.append(
            item(
                id=f"T-{i}",
                stem=stem,
                options=opts,
                answer=key,
                rationale={"answer": "Best.", "distractors": notes},
            )
        )
    out[0].update(changes)
    return out


def run_lint(write_bank: WriteBank, items: list[dict[str, Any]]) -> LintReport:
    return lint(load_bank(write_bank(a=items), BP, use_cache=False))


def checks(report: LintReport) -> list[str]:
    return sorted(f.check for f in report.findings)


def test_a_sound_bank_is_clean(write_bank: WriteBank) -> None:
    report = run_lint(write_bank, balanced())
    assert report.clean, [f.as_dict() for f in report.findings]
    assert report.letters == {"A": 2, "B": 2, "C": 2, "D": 2}


def _opts(a: str) -> dict[str, str]:
    return {
        "A": a,
        "B": "Option b of a similar sort of length",
        "C": "Option c of a similar sort of length",
        "D": "Option d of a similar sort of length",
    }


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"options": _opts("All of the above options apply here")}, "all-none-of-above"),
        ({"options": _opts("None of the above is appropriate")}, "all-none-of-above"),
        ({"options": _opts("Always ask the person what they want")}, "absolute-key"),
        (
            {"stem": "A person in recovery asks about meetings. Which step is not helpful?"},
            "negative-stem",
        ),
        (
            {"stem": "Which of these is EXCEPT-free but still except the obvious one?"},
            "negative-stem",
        ),
        (
            {"stem": "Which step is not helpful when a participant misses a meeting?"},
            "negative-stem",
        ),
        (
            {
                "options": {
                    "A": "Yes",
                    "B": "Option b that is very much longer than the first one is",
                    "C": "Option c",
                    "D": "Option d",
                }
            },
            "unequal-options",
        ),
        ({"options": _opts("Option a of a similar sort of length.")}, "option-endings"),
        (
            {"rationale": {"answer": "Because.", "distractors": {"B": "No.", "C": "No."}}},
            "missing-distractor-note",
        ),
        (
            {"stem": "A peer worker meets an addict at the clinic door. What should happen first?"},
            "stigmatizing-language",
        ),
        (
            {
                "rationale": {
                    "answer": "She had a clean urine screen, so praise her.",
                    "distractors": dict.fromkeys("BCD", "No."),
                }
            },
            "stigmatizing-language",
        ),
        ({"options": _opts("Tell him he is in denial about his use")}, "stigmatizing-language"),
    ],
)
def test_each_item_check_fires(write_bank: WriteBank, changes: dict[str, Any], check: str) -> None:
    report = run_lint(write_bank, balanced(**changes))
    assert check in checks(report)
    finding = next(f for f in report.findings if f.check == check)
    assert finding.item_id == "T-0" and finding.file is not None and finding.line == 1


@pytest.mark.parametrize(
    "stem",
    [
        "Which principle describes peer workers as partners who do not dictate services?",
        'A participant says, "I am not ready to talk about that." What should the coach do?',
        "Which of the following is NOT part of the peer role?",
        "Which situation is a risk indicator, even though he has not used any substances?",
        "Which choice is the best EXCEPT in an emergency?",
    ],
)
def test_negative_stem_ignores_description_quotes_and_capitals(
    write_bank: WriteBank, stem: str
) -> None:
    report = run_lint(write_bank, balanced(stem=stem))
    assert "negative-stem" not in checks(report)


def test_quoted_labels_may_be_taught(write_bank: WriteBank) -> None:
    stem = 'A colleague calls a participant "an addict." How should the peer worker respond?'
    assert "stigmatizing-language" not in checks(run_lint(write_bank, balanced(stem=stem)))


@pytest.mark.parametrize(
    "stem",
    [
        "A participant wants help to clean her apartment before an inspection. What first?",
        "An older adult says her son takes her money. Should the coach confront the abuser?",
        "A participant asks whether his new medication is habit-forming. What is best?",
        "A peer helps a participant build healthy habits after work. Which step comes first?",
    ],
)
def test_ordinary_english_is_fine(write_bank: WriteBank, stem: str) -> None:
    assert "stigmatizing-language" not in checks(run_lint(write_bank, balanced(stem=stem)))


@pytest.mark.parametrize(
    "stem",
    [
        "A coach meets a drug abuser at the clinic door. What should happen first?",
        "A participant says he needs money to feed his habit. What should the coach do?",
    ],
)
def test_substance_senses_are_flagged(write_bank: WriteBank, stem: str) -> None:
    assert "stigmatizing-language" in checks(run_lint(write_bank, balanced(stem=stem)))


def test_near_duplicates_survive_word_reordering(write_bank: WriteBank) -> None:
    items = balanced()
    items[1]["stem"] = "Which statement accurately describes the 988 Suicide and Crisis Lifeline?"
    items[2]["stem"] = "Which statement about the 988 Suicide and Crisis Lifeline is accurate?"
    report = run_lint(write_bank, items)
    (dup,) = [f for f in report.findings if f.check == "near-duplicate"]
    assert dup.item_id == "T-2" and "similar to T-1" in dup.message


def test_letter_balance_and_longest_key(write_bank: WriteBank) -> None:
    items = balanced()
    for it in items:
        it["answer"] = "A"
        it["options"]["A"] = it["options"]["A"] + " and a bit more"
        it["rationale"]["distractors"] = dict.fromkeys("BCD", "No.")
    report = run_lint(write_bank, items)
    bank_findings = [f for f in report.findings if f.item_id is None]
    assert sorted(f.check for f in bank_findings) == ["letter-balance"] * 4 + ["longest-key"]
    assert report.longest_key_share == 1.0


def test_cli_exit_codes_and_json(write_bank: WriteBank) -> None:
    runner = CliRunner()
    clean = write_bank(a=balanced())
    r = runner.invoke(app, ["bank", "lint", str(clean)])
    assert r.exit_code == 0 and "✓ clean" in r.output
    (clean / "a.yaml").unlink()
    flawed = write_bank(b=balanced(options=_opts("Always do this one thing")))
    r = runner.invoke(app, ["bank", "lint", str(flawed), "--json"])
    assert r.exit_code == 1
    data = json.loads(r.output)["data"]
    assert data["clean"] is False and data["counts"]["absolute-key"] == 1
    assert data["findings"][0]["item"] == "T-0"


# ------------------------------------------------------------ test-wiseness cues (issue 12)
def _cue_opts(**over: str) -> dict[str, str]:
    opts = {
        "A": "Offer a referral list of local programs for the coming week",
        "B": "Offer a printed schedule of meetings for the coming week",
        "C": "Offer a short summary of the program rules for the week",
        "D": "Offer a handout on the stages of change for the week",
    }
    opts.update(over)
    return opts


@pytest.mark.parametrize(
    ("options", "check"),
    [
        # Only the key (A) speaks the values vocabulary.
        (_cue_opts(A="Ask what she wants and explore the options together"), "values-key"),
        # Two distractors are straw men a candidate rejects on manners alone.
        (
            _cue_opts(
                B="Insist that she attend every meeting on the schedule",
                C="Lend her money so that she can pay for the bus this week",
            ),
            "straw-distractors",
        ),
        # Only the key repeats a distinctive stem word ("pantry" is in STEMS[0]).
        (_cue_opts(A="Offer directions to the pantry and its opening hours"), "stem-echo"),
        # The key is B and C joined.
        (
            _cue_opts(
                A="Offer a printed schedule of meetings and a summary of the program rules",
                B="Offer a printed schedule of meetings",
                C="Offer a summary of the program rules",
            ),
            "key-union",
        ),
    ],
)
def test_each_cue_check_fires(write_bank: WriteBank, options: dict[str, str], check: str) -> None:
    report = run_lint(write_bank, balanced(options=options))
    found = [f for f in report.findings if f.check == check]
    assert [f.item_id for f in found] == ["T-0"], [f.as_dict() for f in report.findings]
    assert report.as_dict()["rates"][check] == round(1 / 8, 4)  # type: ignore[index]


def test_cues_stay_quiet_when_distractors_share_the_vocabulary(write_bank: WriteBank) -> None:
    options = _cue_opts(
        A="Ask what she wants and explore the options together",
        B="Ask her sister to explore housing options with her",
        C="Offer directions to the pantry and its opening hours",
        D="Explain that the pantry closes early and ask her to return",
    )
    report = run_lint(write_bank, balanced(options=options))
    assert not {"values-key", "stem-echo", "straw-distractors", "key-union"} & set(checks(report))
