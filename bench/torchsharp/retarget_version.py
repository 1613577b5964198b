#!/usr/bin/env python3
# Lets a shared library built against a newer glibc load on an older one when the only thing it needs from the
# newer glibc is functions another library provides: its .gnu.version_r entry for VERSION (e.g. GLIBC_2.38) is
# renamed to the oldest version it already needs from the same library, so the loader's version check passes;
# the functions bound to that entry are then found in whatever defines them unversioned first (run.sh preloads
# one). Writes the library in place.
#   retarget_version.py LIBRARY VERSION
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE


def elf_hash(name):
    h = 0
    for c in name.encode():
        h = ((h << 4) + c) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


def main(path, version):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for _name, kind, _flags, _addr, offset, _size, link, count, _align, _entsize in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strings = sections[link][4]

        def text(at):
            start = strings + at
            return bytes(data[start:data.index(b"\0", start)]).decode()

        need = offset
        for _ in range(count):  # Elf64_Verneed: vn_version, vn_cnt, vn_file, vn_aux, vn_next
            _, aux_count, file, aux, next_need = struct.unpack_from("<HHIII", data, need)
            entries, entry = [], need + aux
            for _ in range(aux_count):  # Elf64_Vernaux: vna_hash, vna_flags, vna_other, vna_name, vna_next
                _, _, _, name, next_aux = struct.unpack_from("<IHHII", data, entry)
                entries.append((entry, name, text(name)))
                entry += next_aux
            targets = [e for e in entries if e[2] == version]
            if targets:
                others = [e for e in entries if e[2] != version]
                if not others:
                    sys.exit(f"{path}: needs nothing else from {text(file)} to stand in for {version}")
                oldest = min(others, key=lambda e: [int(p) for p in e[2].split("_")[-1].split(".") if p.isdigit()])
                for at, _, _ in targets:
                    struct.pack_into("<I", data, at, elf_hash(oldest[2]))
                    struct.pack_into("<I", data, at + 8, oldest[1])
                open(path, "wb").write(data)
                print(f"{path}: its {version} requirement on {text(file)} now reads {oldest[2]}")
                return
            need += next_need
    sys.exit(f"{path}: requires no {version}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: retarget_version.py LIBRARY VERSION")
    main(sys.argv[1], sys.argv[2])
