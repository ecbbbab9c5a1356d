"""`peerprep domains`: the blueprint and task list."""

from __future__ import annotations

from peerprep.cli.options import DomainsOpt, JsonOpt, load_blueprint


def domains(domains: DomainsOpt = None, json: JsonOpt = False) -> None:
    """Show the exam blueprint: domains, weights and the 54 IC&RC tasks."""
    from peerprep.cli.env import current

    current().renderer().report("domains", load_blueprint(domains), "json" if json else "rich")
