#!/usr/bin/env python3
"""Checks that a headless-Chromium screenshot shows a page, not a blank or an error page: decodes the PNG with the
standard library only (zlib, struct) and requires many distinct colours, a good share of non-white pixels, and each
of the page's own colours (given with --expect) over a visible area. The samples' smoke scripts use it.

    python3 check_screenshot.py shot.png --expect "heatmap red=#B2182B:2000" [--expect …] [--min-colours 1000] [--min-ink 0.08]

prints what it measured; exit 0 = rendered, 1 = not, 2 = bad arguments.
"""
import argparse
import struct
import sys
import zlib
from collections import Counter

TOLERANCE = 12  # per channel: anti-aliasing and colour management move colours a little


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


def expectation(text):
    """'name=#RRGGBB:MIN' → (name, (r, g, b), MIN)."""
    try:
        name, rest = text.rsplit("=", 1)
        colour, minimum = rest.split(":")
        colour = colour.lstrip("#")
        return name, (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)), int(minimum)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=#RRGGBB:MIN_PIXELS, got '{text}'")


def main():
    parser = argparse.ArgumentParser(description="Checks that a screenshot shows a rendered page.")
    parser.add_argument("png")
    parser.add_argument("--expect", type=expectation, action="append", default=[], help="NAME=#RRGGBB:MIN_PIXELS, a colour the page draws")
    parser.add_argument("--min-colours", type=int, default=1000, help="distinct colours at least (a blank page with a line of text has about 200)")
    parser.add_argument("--min-ink", type=float, default=0.08, help="share of pixels that are not (near) white, at least")
    args = parser.parse_args()
    try:
        width, height, rows = read_png(args.png)
    except (OSError, ValueError, zlib.error) as e:
        print(f"not rendered: cannot read the screenshot: {e}")
        return 1
    counts = Counter()
    for row in rows:
        counts.update(row[x:x + 3] for x in range(0, len(row), 3))
    ink, near = 0, {name: 0 for name, _, _ in args.expect}
    for (r, g, b), n in counts.items():
        if r < 240 or g < 240 or b < 240:
            ink += n
        for name, (er, eg, eb), _ in args.expect:
            if abs(r - er) <= TOLERANCE and abs(g - eg) <= TOLERANCE and abs(b - eb) <= TOLERANCE:
                near[name] += n
    share = ink / (width * height)
    print(f"screenshot {width}x{height}: {len(counts)} distinct colours, {share:.1%} of pixels not white")
    problems = []
    if len(counts) < args.min_colours:
        problems.append(f"only {len(counts)} distinct colours (need {args.min_colours})")
    if share < args.min_ink:
        problems.append(f"only {share:.1%} of the pixels are not white (need {args.min_ink:.0%})")
    for name, _, minimum in args.expect:
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
