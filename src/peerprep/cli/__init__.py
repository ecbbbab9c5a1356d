"""The command-line interface: a thin typer layer over the core."""

from peerprep.cli.app import app, main

__all__ = ["app", "main"]
