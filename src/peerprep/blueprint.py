"""The exam blueprint: loading domains.yaml and turning weights into item counts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from peerprep import cache
from peerprep.errors import BankInvalidError, InvalidInputError
from peerprep.paths import bundled_domains
from peerprep.yamlio import FileProblem, decode, load_yaml, read_bytes

if TYPE_CHECKING:
    from peerprep.models import Blueprint


def load_blueprint(path: Path | None = None) -> Blueprint:
    """Load and validate a domains/blueprint file (the bundled one by default)."""
    from pydantic import ValidationError

    from peerprep.models import Blueprint
    from peerprep.validation import problems_from

    path = path or bundled_domains()
    display = str(path)
    if not path.is_file():
        raise InvalidInputError(f"blueprint file not found: {display}")
    try:
        raw = read_bytes(path, display)
        key = cache.content_key("blueprint", [("domains", raw)])
        cached = cache.read("blueprint", path, key)
        if isinstance(cached, dict):  # validated before it was cached
            return Blueprint.from_cache(cached)
        text = decode(raw, display)
        data = load_yaml(text, display)
    except FileProblem as exc:
        raise BankInvalidError([exc.problem], what="blueprint") from None
    try:
        blueprint = Blueprint.model_validate(data)
    except ValidationError as exc:
        raise BankInvalidError(problems_from(exc, display, text), what="blueprint") from None
    cache.write("blueprint", path, key, blueprint.model_dump())
    return blueprint


def allocate(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split `total` items across keys in proportion to `weights` (largest remainder).

    Each key gets the floor of its exact quota; the items left over go to the largest
    fractional remainders, ties broken by the keys' order, so the result is
    deterministic and always sums to `total`.
    """
    if total < 0:
        raise ValueError("total must be >= 0")
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("weights must sum to a positive number")
    quotas = {k: total * w / weight_sum for k, w in weights.items()}
    counts = {k: int(q) for k, q in quotas.items()}
    left = total - sum(counts.values())
    order = sorted(quotas, key=lambda k: (-(quotas[k] - counts[k]), list(quotas).index(k)))
    for k in order[:left]:
        counts[k] += 1
    return counts
