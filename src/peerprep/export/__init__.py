"""Exports of the bank to other tools (Anki, CSV, ...), sharing one item selection."""
