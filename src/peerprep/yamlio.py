"""Reading YAML data files safely, and finding the line of a field after the fact.

The common path is one C-speed `yaml.load` per file. Line numbers are only needed
when something is wrong, so `line_of` re-composes the file with node marks then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peerprep.errors import BankProblem

if TYPE_CHECKING:
    import yaml

# yaml is imported on first use: a cached bank never needs it.


def _loader() -> type[yaml.SafeLoader]:
    import yaml

    try:  # the C loader is ~10x faster; fall back where libyaml is missing
        return yaml.CSafeLoader  # type: ignore[return-value]
    except AttributeError:  # pragma: no cover - depends on how PyYAML was built
        return yaml.SafeLoader


# A bank file of 1,000 long items is about 1.2 MiB; 8 MiB is far beyond any real one.
MAX_FILE_BYTES = 8 * 1024 * 1024

# Anchors (&a) and aliases (*a) are never needed in a bank, and are how "billion laughs"
# documents blow up. A plain character search (C speed) finds candidate '&'/'*'; only a
# candidate that stands where YAML allows an anchor sends the file to the exact event
# scan. "IC&RC" or "5 * 3" in prose does not.
_AMP_STAR = re.compile(r"[&*]")
_BEFORE_ANCHOR = frozenset(" \t\r\n[{,:?-")
_NOT_AFTER_ANCHOR = frozenset(" \t\r\n]},")


def _maybe_anchor(text: str) -> bool:
    for m in _AMP_STAR.finditer(text):
        i = m.start()
        before = text[i - 1] if i else "\n"
        after = text[i + 1 : i + 2]
        if before in _BEFORE_ANCHOR and after and after not in _NOT_AFTER_ANCHOR:
            return True
    return False


class FileProblem(Exception):
    """A file-level problem that stops a file from being read at all."""

    def __init__(self, problem: BankProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_bytes(path: Path, display: str) -> bytes:
    """Read a data file, refusing oversized files before loading them into memory."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileProblem(
                BankProblem(
                    display,
                    None,
                    "file",
                    f"is {size / 1048576:.1f} MiB; data files are limited to "
                    f"{MAX_FILE_BYTES // 1048576} MiB (split it into several files)",
                )
            )
        return path.read_bytes()
    except OSError as exc:
        raise FileProblem(
            BankProblem(display, None, "file", f"cannot be read: {exc.strerror}")
        ) from None


def decode(raw: bytes, display: str) -> str:
    """Decode strictly as UTF-8, naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileProblem(
            BankProblem(
                display,
                line,
                "encoding",
                f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8; "
                "save the file as UTF-8",
            )
        ) from None


def read_text(path: Path, display: str) -> str:
    return decode(read_bytes(path, display), display)


def _has_alias(text: str) -> int | None:
    """Line (1-based) of the first anchor or alias, or None. Exact, via the event stream."""
    if not _maybe_anchor(text):
        return None
    import yaml

    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            return mark.line + 1 if mark is not None else 1
    return None


def load_yaml(text: str, display: str) -> Any:
    """Parse one YAML document with the safe loader. Raises FileProblem with a line."""
    import yaml

    try:
        alias_line = _has_alias(text)
        if alias_line is not None:
            raise FileProblem(
                BankProblem(
                    display,
                    alias_line,
                    "yaml",
                    "anchors and aliases (&name, *name) are not allowed in data files",
                )
            )
        return yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = exc.problem or str(exc)
        if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in msg:
            msg = f"{msg.strip()}; only plain YAML data is allowed (no language-specific tags)"
        elif exc.context:
            msg = f"{exc.context}: {msg}"
        raise FileProblem(BankProblem(display, line, "yaml", msg)) from None
    except yaml.YAMLError as exc:
        raise FileProblem(BankProblem(display, None, "yaml", str(exc))) from None


def line_of(text: str, loc: Sequence[int | str]) -> int | None:
    """1-based line of the node at `loc` (list indexes and mapping keys).

    Walks as deep as the path exists, so a missing field reports the line of the
    item that lacks it. Returns None if the text does not even compose.
    """
    import yaml

    try:
        node = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                child = node.value[part]
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        if child is None:
            break
        if isinstance(part, int):
            line = child.start_mark.line + 1
        node = child
    return line


def item_lines(text: str) -> list[int]:
    """1-based start line of each item of a top-level list (one compose for the file)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [child.start_mark.line + 1 for child in node.value]
