"""Reading YAML data files safely, and finding the line of a field after the fact.

The common path is one C-speed libyaml parse per file, composed by `_DataLoader` from
the parser's event stream and constructed by PyYAML's safe constructor. Line numbers
are only needed when something is wrong, so `line_of` re-composes the file with node
marks then.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from sys import intern
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


# Limits on what a data file may make the loader build. A bank item nests 3 levels
# deep and its numbers have one digit; these leave generous room and nothing more.
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 64
# Entries of any list or mapping below the top level (an item's options, notes, tags).
# The top-level list of items is not limited; inside an item, a few dozen at most make
# sense, and thousands of tiny entries would cost far more memory than their bytes.
MAX_INNER_ENTRIES = 256

_NO_ANCHORS = "anchors and aliases (&name, *name) are not allowed in data files"


class _Refused(Exception):
    """A construct data files may not use, found in the event stream."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.line: int | None = mark.line + 1 if mark is not None else None
        self.message = message


@cache
def _data_loader() -> type[Any]:
    """A safe loader that builds data straight from the parser's events.

    Anchors and aliases are how "billion laughs" documents blow up, so any anchor or
    alias *event* is refused: the parser, not a text search, decides what is an
    anchor, so no spelling (a NEL or U+2028 line break, a BOM, a flow indicator) can
    slip one past. Merge keys (`<<`) are refused too: without aliases they only repeat
    inline text, and many in one mapping cost quadratic time in PyYAML's flattening.
    Nesting is capped, and so is the length of a number: int("9" * 5000) raises and
    base-60 ints ("1:2:3:...") take quadratic time. Collections become plain lists
    and dicts; only the standard scalar tags are constructed.

    Skipping PyYAML's node tree (two marks per node) and interning mapping keys keep
    peak memory to a few times the file's size, and make the whole load faster than
    `yaml.load` alone.
    """
    from yaml import events, nodes
    from yaml.constructor import ConstructorError

    base = _loader()
    yaml_tag = "tag:yaml.org,2002:"
    str_tag, merge_tag = yaml_tag + "str", yaml_tag + "merge"
    capped = {yaml_tag + "int", yaml_tag + "float"}
    scalar_tags = {yaml_tag + t for t in ("null", "bool", "int", "float", "binary", "timestamp")}
    scalar_tags.add(str_tag)
    seq_tags = {None, "!", yaml_tag + "seq"}
    map_tags = {None, "!", yaml_tag + "map"}
    alias_ev, scalar_ev, seq_start = (
        events.AliasEvent,
        events.ScalarEvent,
        events.SequenceStartEvent,
    )
    seq_end, map_end = events.SequenceEndEvent, events.MappingEndEvent
    stream_end, doc_start = events.StreamEndEvent, events.DocumentStartEvent
    scalar_node = nodes.ScalarNode

    def unknown_tag(tag: str, mark: Any) -> ConstructorError:
        return ConstructorError(
            None, None, f"could not determine a constructor for the tag {tag!r}", mark
        )

    class DataLoader(base):  # type: ignore[valid-type,misc]
        def get_single_data(self) -> Any:
            get = self.get_event
            get()  # StreamStart
            event = get()
            if event.__class__ is stream_end:
                return None
            data = self._value(get(), 1)
            get()  # DocumentEnd
            event = get()
            if event.__class__ is doc_start:
                raise _Refused(
                    event.start_mark, "holds more than one YAML document ('---'); use one"
                )
            return data

        def _value(self, event: Any, depth: int) -> Any:
            cls = event.__class__
            if cls is alias_ev or event.anchor is not None:
                raise _Refused(event.start_mark, _NO_ANCHORS)
            if depth > MAX_DEPTH:
                raise _Refused(event.start_mark, f"nests deeper than {MAX_DEPTH} levels")
            tag = event.tag
            if cls is scalar_ev:
                value = event.value
                if tag is None or tag == "!":
                    if not event.implicit[0]:  # quoted or block scalar: text as written
                        return value
                    tag = self.resolve(scalar_node, value, (True, False))
                    if tag == str_tag:
                        return value
                if tag not in scalar_tags:
                    if tag == merge_tag:
                        raise _Refused(event.start_mark, "merge keys (<<) are not allowed")
                    raise unknown_tag(tag, event.start_mark)
                if tag in capped and len(value) > MAX_NUMBER_CHARS:
                    raise _Refused(
                        event.start_mark, f"a number longer than {MAX_NUMBER_CHARS} characters"
                    )
                node = scalar_node(tag, value, event.start_mark, event.end_mark, event.style)
                return self.yaml_constructors[tag](self, node)
            get = self.get_event
            start_mark = event.start_mark
            if cls is seq_start:
                if tag not in seq_tags:
                    raise unknown_tag(tag, start_mark)
                items: list[Any] = []
                event = get()
                while event.__class__ is not seq_end:
                    if depth > 1 and len(items) >= MAX_INNER_ENTRIES:
                        raise _Refused(start_mark, f"a list of over {MAX_INNER_ENTRIES} entries")
                    items.append(self._value(event, depth + 1))
                    event = get()
                return items
            if tag not in map_tags:  # MappingStartEvent: nothing else can stand here
                raise unknown_tag(tag, start_mark)
            mapping: dict[Any, Any] = {}
            event = get()
            while event.__class__ is not map_end:
                if depth > 1 and len(mapping) >= MAX_INNER_ENTRIES:
                    raise _Refused(start_mark, f"a mapping of over {MAX_INNER_ENTRIES} entries")
                key_mark = event.start_mark
                key = self._value(event, depth + 1)
                if key.__class__ is str:  # field names repeat in every item: keep one copy
                    key = intern(key)
                value = self._value(get(), depth + 1)
                try:
                    mapping[key] = value
                except TypeError:
                    raise ConstructorError(
                        "while constructing a mapping", start_mark, "found unhashable key", key_mark
                    ) from None
                event = get()
            return mapping

    return DataLoader


def load_yaml(text: str, display: str) -> Any:
    """Parse one YAML document with the safe loader. Raises FileProblem with a line."""
    import yaml

    loader = _data_loader()(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise FileProblem(BankProblem(display, exc.line, "yaml", exc.message)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = exc.problem or str(exc)
        if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in msg:
            msg = f"{msg.strip()}; only plain YAML data is allowed (no language-specific tags)"
        elif exc.context:
            msg = f"{exc.context}: {msg}"
        raise FileProblem(BankProblem(display, line, "yaml", msg)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (NUL, say)
        line = text.count("\n", 0, exc.position) + 1
        what = f"character #x{exc.character:04x}" if isinstance(exc.character, int) else "a byte"
        raise FileProblem(BankProblem(display, line, "yaml", f"{what}: {exc.reason}")) from None
    except yaml.YAMLError as exc:
        msg = " ".join(str(exc).split())  # one line, like every other problem
        raise FileProblem(BankProblem(display, None, "yaml", msg)) from None
    except (ValueError, OverflowError) as exc:
        # A constructor that gave up on a value (a date like 2026-02-30, say).
        raise FileProblem(
            BankProblem(display, None, "yaml", f"cannot read a value: {exc}")
        ) from None
    finally:
        loader.dispose()


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
