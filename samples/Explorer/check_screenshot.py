#!/usr/bin/env python3
"""Checks that a headless-Chromium screenshot of the explorer page shows the page: decodes the PNG with
the standard library only (zlib, struct) and requires a real picture, not a blank or an error page:
many distinct colours, a good share of non-white pixels, and the heatmaps' own colours (the red and blue
ends of the diverging scale, the dark green of open gates) each covering a visible area.

    python3 check_screenshot.py shot.png        prints what it measured; exit 0 = rendered, 1 = not
"""
import struct
import sys
import zlib
from collections import Counter

# The colour-scale ends the page draws (Svg.cs, ColourScale) and how many pixels of each must be present.
EXPECTED = {
    "diverging red (-1)": ((0xB2, 0x18, 0x2B), 2000),
    "diverging blue (+1)": ((0x21, 0x66, 0xAC), 2000),
    "gate dark green (1)": ((0x00, 0x44, 0x1B), 2000),
}
TOLERANCE = 12  # per channel: anti-aliasing and colour management move colours a little
MIN_COLOURS = 1000  # a blank page with a line of text has about 200 (anti-aliasing); the explorer page about 3,500
MIN_INK = 0.08  # share of pixels that are not (near) white


def read_png(path):
    """(width, height, rows) with rows a list of bytes objects of RGB triples; 8-bit RGB or RGBA, not interlaced."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{path} has no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read (depth {depth}, colour type {colour}, interlace {interlace})")
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    # Byte-wise addition of whole rows at once (for the "up" filter): add the low 7 bits, then fix the top bit.
    low = int.from_bytes(b"\x7f" * stride, "little")
    high = int.from_bytes(b"\x80" * stride, "little")
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 2:
            a, b = int.from_bytes(line, "little"), int.from_bytes(previous, "little")
            line = bytearray((((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(stride, "little"))
            kind = 0
        for i in range(stride if kind != 0 else 0):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + predictor) & 0xFF
            elif kind != 0:
                raise ValueError(f"{path}: unknown PNG filter {kind} in row {y}")
        previous = line
        rows.append(bytes(line) if channels == 3 else bytes(b for k, b in enumerate(line) if k % 4 != 3))
    return width, height, rows


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip())
        return 2
    try:
        width, height, rows = read_png(sys.argv[1])
    except (OSError, ValueError, zlib.error) as e:
        print(f"not rendered: cannot read the screenshot: {e}")
        return 1
    counts = Counter()
    for row in rows:
        counts.update(row[x:x + 3] for x in range(0, len(row), 3))
    colours, ink, near = counts.keys(), 0, {name: 0 for name in EXPECTED}
    for (r, g, b), n in counts.items():
        if r < 240 or g < 240 or b < 240:
            ink += n
        for name, ((er, eg, eb), _) in EXPECTED.items():
            if abs(r - er) <= TOLERANCE and abs(g - eg) <= TOLERANCE and abs(b - eb) <= TOLERANCE:
                near[name] += n
    share = ink / (width * height)
    print(f"screenshot {width}x{height}: {len(colours)} distinct colours, {share:.1%} of pixels not white")
    problems = []
    if len(colours) < MIN_COLOURS:
        problems.append(f"only {len(colours)} distinct colours (need {MIN_COLOURS})")
    if share < MIN_INK:
        problems.append(f"only {share:.1%} of the pixels are not white (need {MIN_INK:.0%})")
    for name, (_, minimum) in EXPECTED.items():
        print(f"  {name}: {near[name]} pixels")
        if near[name] < minimum:
            problems.append(f"{near[name]} pixels of {name} (need {minimum})")
    if problems:
        print("not rendered: " + "; ".join(problems))
        return 1
    print("rendered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
