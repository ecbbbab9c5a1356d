"""A small QR code encoder (byte mode, error correction level M, versions 1 to 6).

The scan page of a printed form carries a QR code naming the form. `exam build` must
work on the base install, without the `[scan]` extra (whose zxing-cpp could write QR
codes), and Typst draws QR codes only through a package it would have to download; so
the few lines of the standard (ISO/IEC 18004) that a short payload needs are here.
The tests read the codes back with zxing-cpp.
"""

from __future__ import annotations

from itertools import pairwise

# Per version, level M: (data codewords per block, blocks, EC codewords per block).
# Versions 1-6 at level M have blocks of one size only.
_BLOCKS_M: dict[int, tuple[int, int, int]] = {
    1: (16, 1, 10),
    2: (28, 1, 16),
    3: (44, 1, 26),
    4: (32, 2, 18),
    5: (43, 2, 24),
    6: (27, 4, 16),
}
MAX_BYTES = 106  # what version 6-M holds in byte mode (108 codewords less the header)


def _gf_mul(x: int, y: int) -> int:
    z = 0
    for i in range(7, -1, -1):
        z = (z << 1) ^ ((z >> 7) * 0x11D)
        z ^= ((y >> i) & 1) * x
    return z


def _rs_divisor(degree: int) -> list[int]:
    result = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for j in range(degree):
            result[j] = _gf_mul(result[j], root)
            if j + 1 < degree:
                result[j] ^= result[j + 1]
        root = _gf_mul(root, 0x02)
    return result


def _rs_remainder(data: list[int], divisor: list[int]) -> list[int]:
    result = [0] * len(divisor)
    for b in data:
        factor = b ^ result.pop(0)
        result.append(0)
        for i, coef in enumerate(divisor):
            result[i] ^= _gf_mul(coef, factor)
    return result


def _codewords(payload: bytes) -> tuple[int, list[int]]:
    """The smallest version that holds the payload, and its interleaved codewords."""
    # The header is 4 bits of mode and 8 of length; then the bytes.
    fits = [v for v, (n, k, _) in _BLOCKS_M.items() if 12 + 8 * len(payload) <= n * k * 8]
    if not fits:
        raise ValueError(f"QR payload of {len(payload)} bytes is over {MAX_BYTES}")
    version = fits[0]
    per_block, blocks, ec_len = _BLOCKS_M[version]
    capacity = per_block * blocks
    bits: list[int] = []

    def put(value: int, n: int) -> None:
        bits.extend((value >> i) & 1 for i in range(n - 1, -1, -1))

    put(0b0100, 4)  # byte mode
    put(len(payload), 8)  # character count: 8 bits in versions 1-9
    for b in payload:
        put(b, 8)
    put(0, min(4, capacity * 8 - len(bits)))  # terminator
    put(0, -len(bits) % 8)
    data = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8)]
    pad = 0xEC
    while len(data) < capacity:
        data.append(pad)
        pad ^= 0xEC ^ 0x11
    divisor = _rs_divisor(ec_len)
    chunks = [data[i * per_block : (i + 1) * per_block] for i in range(blocks)]
    ecs = [_rs_remainder(c, divisor) for c in chunks]
    out = [c[i] for i in range(per_block) for c in chunks]
    out += [e[i] for i in range(ec_len) for e in ecs]
    return version, out


def _penalty(m: list[list[bool]]) -> int:
    """The standard's four penalty rules, to choose the mask a reader finds easiest."""
    size = len(m)
    score = 0
    lines = m + [list(col) for col in zip(*m, strict=True)]
    for line in lines:
        run = 1
        for a, b in pairwise(line):
            if a == b:
                run += 1
                continue
            if run >= 5:
                score += run - 2
            run = 1
        if run >= 5:
            score += run - 2
        text = "".join("1" if v else "0" for v in line)
        score += 40 * (text.count("00001011101") + text.count("10111010000"))
    for y in range(size - 1):
        for x in range(size - 1):
            if m[y][x] == m[y][x + 1] == m[y + 1][x] == m[y + 1][x + 1]:
                score += 3
    dark = sum(map(sum, m))
    score += 10 * (abs(dark * 20 - size * size * 10) // (size * size))
    return score


def qr_matrix(payload: bytes) -> list[list[bool]]:
    """The QR code of `payload` as rows of modules (True: dark), without a quiet zone."""
    version, codewords = _codewords(payload)
    size = 17 + 4 * version
    mod = [[False] * size for _ in range(size)]
    fixed = [[False] * size for _ in range(size)]

    def put(x: int, y: int, dark: bool) -> None:
        mod[y][x] = dark
        fixed[y][x] = True

    for i in range(size):  # timing patterns
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):  # finders and separators
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                x, y = cx + dx, cy + dy
                if 0 <= x < size and 0 <= y < size:
                    d = max(abs(dx), abs(dy))
                    put(x, y, d not in (2, 4))
    if version >= 2:  # versions 2-6 have one alignment pattern
        c = size - 7
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                put(c + dx, c + dy, max(abs(dx), abs(dy)) != 1)
    for i in range(9):  # reserve the format areas; written per mask below
        for x, y in ((8, i), (i, 8)):
            if not fixed[y][x]:
                put(x, y, False)
    for i in range(8):
        put(size - 1 - i, 8, False)
        put(8, size - 1 - i, False)
    put(8, size - 8, True)  # the dark module

    i = 0
    total = len(codewords) * 8
    for col in range(size - 1, 0, -2):
        right = col - 1 if col <= 6 else col  # column pairs skip the vertical timing line
        upward = ((right + 1) & 2) == 0
        for vert in range(size):
            y = size - 1 - vert if upward else vert
            for x in (right, right - 1):
                if not fixed[y][x] and i < total:
                    mod[y][x] = (codewords[i >> 3] >> (7 - (i & 7))) & 1 == 1
                    i += 1

    best: list[list[bool]] | None = None
    best_score = 0
    for mask in range(8):
        m = [
            [v if fixed[y][x] else v ^ _mask_bit(mask, x, y) for x, v in enumerate(row)]
            for y, row in enumerate(mod)
        ]
        _format_bits(m, mask)
        s = _penalty(m)
        if best is None or s < best_score:
            best, best_score = m, s
    assert best is not None
    return best


def _mask_bit(mask: int, x: int, y: int) -> bool:
    return [
        (x + y) % 2 == 0,
        y % 2 == 0,
        x % 3 == 0,
        (x + y) % 3 == 0,
        (x // 3 + y // 2) % 2 == 0,
        x * y % 2 + x * y % 3 == 0,
        (x * y % 2 + x * y % 3) % 2 == 0,
        ((x + y) % 2 + x * y % 3) % 2 == 0,
    ][mask]


def _format_bits(m: list[list[bool]], mask: int) -> None:
    size = len(m)
    data = (0b00 << 3) | mask  # level M is 00
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    bits = ((data << 10) | rem) ^ 0x5412

    def bit(i: int) -> bool:
        return (bits >> i) & 1 == 1

    for i in range(6):
        m[i][8] = bit(i)
    m[7][8] = bit(6)
    m[8][8] = bit(7)
    m[8][7] = bit(8)
    for i in range(9, 15):
        m[8][14 - i] = bit(i)
    for i in range(8):
        m[8][size - 1 - i] = bit(i)
    for i in range(8, 15):
        m[size - 15 + i][8] = bit(i)
    m[size - 8][8] = True
