"""`peerprep domains`: the blueprint and task list."""

from __future__ import annotations

from peerprep.cli.options import DomainsOpt, JsonOpt, load_blueprint


def domains(domains: DomainsOpt = None, json: JsonOpt = False) -> None:
    """Show the exam blueprint: domains, weights and the 54 IC&RC tasks."""
    from peerprep.render import Renderer

    bp = load_blueprint(domains)
    r = Renderer()
    if json:
        r.json("domains", bp.model_dump(mode="json") | {"shares": bp.shares()})
    else:
        r.domains(bp)
