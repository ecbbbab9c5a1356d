"""An Anki deck (.apkg) of the bank: one note per item, a sub-deck per domain.

Note GUIDs come from the bank namespace and the item id, so re-exporting after an edit
updates the existing notes in Anki instead of adding duplicates. Model and deck ids are
derived the same way, so every export of a bank lands in the same decks.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

from peerprep.bank import Bank
from peerprep.models import Question

FIELDS = ("Question", "Options", "Answer", "Rationale", "Task", "Source", "ItemId")
FRONT = "<div class=stem>{{Question}}</div><ol class=opts type=A>{{Options}}</ol>"
BACK = (
    "{{FrontSide}}<hr id=answer><div class=key>{{Answer}}</div>"
    "<div class=why>{{Rationale}}</div><div class=meta>{{Task}} · {{Source}}</div>"
)
CSS = (
    ".card{font-family:sans-serif;font-size:18px;text-align:left;max-width:46em;margin:auto}"
    ".key{font-weight:bold;color:#15803d}.why{margin-top:.6em}.why li{margin:.2em 0}"
    ".meta{margin-top:1em;font-size:13px;color:#666}"
)


def stable_id(*parts: str) -> int:
    """A positive 31-bit id from text (Anki model/deck ids must stay stable)."""
    return int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:4], "big") >> 1


def _esc(text: str) -> str:
    return html.escape(text.strip()).replace("\n", "<br>")


def note_fields(q: Question, bank: Bank) -> list[str]:
    options = "".join(f"<li>{_esc(v)}</li>" for v in q.options.values())
    notes = "".join(
        f"<li><b>{k}</b>: {_esc(q.rationale.distractors.get(k, ''))}</li>" for k in q.distractors
    )
    domain = bank.blueprint.domain_of(q.task)
    return [
        _esc(q.stem),
        options,
        f"{q.answer}. {_esc(q.options[q.answer])}",
        f"{_esc(q.rationale.answer)}<ul>{notes}</ul>",
        f"{q.task} ({_esc(domain.name)})",
        _esc(q.source),
        q.id,
    ]


def write_apkg(
    bank: Bank,
    items: list[Question],
    path: Path,
    *,
    namespace: str,
    title: str = "IC&RC Peer Recovery (peerprep)",
) -> int:
    import genanki  # heavy and only needed here

    model = genanki.Model(
        stable_id("peerprep-model", namespace),
        "peerprep multiple choice",
        fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Item", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
    )
    decks: dict[str, genanki.Deck] = {}
    for q in items:
        d = bank.blueprint.domain_of(q.task)
        name = f"{title}::{d.code} {d.name}"
        deck = decks.get(name)
        if deck is None:
            deck = decks[name] = genanki.Deck(stable_id("peerprep-deck", namespace, name), name)
        deck.add_note(
            genanki.Note(
                model=model,
                fields=note_fields(q, bank),
                guid=genanki.guid_for(namespace, q.id),
                tags=[
                    f"domain::{d.code}",
                    f"task::{q.task}",
                    f"difficulty::{q.difficulty}",
                    f"cognitive::{q.cognitive}",
                ],
            )
        )
    genanki.Package(list(decks.values())).write_to_file(str(path))
    return len(items)
