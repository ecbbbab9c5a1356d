"""Make untrusted text inert before it reaches a terminal.

Bank items, imported files, keys, CSV rows, file names and error messages are data: a
byte in them must never act as a terminal control sequence (clear the screen, retitle
the window, plant a hyperlink) nor reorder or hide what is shown (bidi overrides,
zero-width characters that make two ids look the same). `printable` is the one
sanitiser; the renderer and the full-screen exam apply it to everything they show.

The rule: every character that is a control (Unicode category Cc: C0, DEL, C1) or an
invisible format character (Cf: bidi embeddings, overrides, isolates and marks,
zero-width spaces, word joiners, the BOM, invisible operators, tag characters) or a
line/paragraph separator (U+2028/U+2029) or a lone surrogate (Cs: what Python makes of
a file name that is not valid UTF-8, and which would crash the write to a UTF-8
terminal) is replaced by a visible stand-in:

- C0 controls and DEL become their Unicode control pictures, one cell wide, so a
  table stays aligned: ESC -> "␛", NUL -> "␀", BEL -> "␇", DEL -> "␡".
- Everything else becomes its code point spelled out, e.g. U+009B -> "<U+009B>",
  U+202E -> "<U+202E>": these have no picture, and naming them shows what was there.

Newline and tab are kept only when the caller shows multi-line text (`multiline=True`);
in one-line contexts (ids, file names, error lines) they become "␊" and "␉".

Kept on purpose, because ordinary text needs them: ZERO WIDTH JOINER and NON-JOINER
(U+200D, U+200C: emoji sequences, Indic and Persian scripts), and tag characters inside
an emoji flag sequence (U+1F3F4 followed by tags and CANCEL TAG). Letters, accents,
combining marks, variation selectors, curly quotes, dashes, emoji and CJK are untouched.

Pure: no rich or textual import, so the core and tests can use it freely. Rich markup
(`[bold]`) is a separate matter: callers that build markup strings escape data too.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["printable"]

_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})  # ZWNJ, ZWJ
# An emoji tag sequence (e.g. the flag of England): black flag, tag letters, cancel tag.
_FLAG_TAGS = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")


def _stand_in(ch: str, multiline: bool) -> str:
    code = ord(ch)
    if multiline and ch in "\n\t":
        return ch
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400..U+241F: ␀ .. ␟ (␛ for ESC, ␊ for LF)
    if code == 0x7F:
        return "\u2421"  # ␡
    if ch in _KEEP_FORMAT:
        return ch
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return f"<U+{code:04X}>"
    return ch


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with every control and invisible format character shown as a stand-in.

    Idempotent: stand-ins are ordinary printable characters. See the module docstring
    for the rule and what is kept.
    """
    # Fast path (C speed): isprintable() is false for every category we replace, and for
    # a few we keep (space separators, newline, private use), which the loop sorts out.
    if text.isprintable():
        return text
    flags = {m.start(): m.end() for m in _FLAG_TAGS.finditer(text)}
    out: list[str] = []
    i = 0
    while i < len(text):
        if i in flags:
            out.append(text[i : flags[i]])
            i = flags[i]
            continue
        out.append(_stand_in(text[i], multiline))
        i += 1
    return "".join(out)
