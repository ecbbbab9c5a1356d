"""The question bank: reading files, the one validation pipeline, and the loaded Bank.

`from peerprep.bank import Bank, load_bank, ...` keeps working as it did when this was
one module; the parts live in model.py (Bank), files.py (what a bank's files are),
pipeline.py (validate_items, used by the loader and the importers) and loader.py.
"""

from __future__ import annotations

from peerprep.bank.files import BANK_SUFFIXES, bank_files
from peerprep.bank.loader import load_bank
from peerprep.bank.model import Bank
from peerprep.bank.pipeline import Checked, Origin, RawItem, nearest_codes, validate_items

__all__ = [
    "BANK_SUFFIXES",
    "Bank",
    "Checked",
    "Origin",
    "RawItem",
    "bank_files",
    "load_bank",
    "nearest_codes",
    "validate_items",
]
