#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_archive.cpp into fuzz/corpus/archive/: small tar, tar.gz and zip
archives, one per format feature and hostile case the reader handles. The output is deterministic (fixed
times, gzip mtime 0) so that re-running the script changes nothing.

Usage: python3 fuzz/corpus/make_archive_seeds.py
"""
import gzip
import io
import os
import struct
import tarfile
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "archive")
MTIME = 1700000000
ZIP_TIME = (2024, 1, 2, 3, 4, 6)


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT, pax_global=None):
    """entries: (name, data, type, linkname); returns the archive cut after its end-of-archive blocks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, pax_headers=pax_global or {}) as tar:
        for name, data, kind, link in entries:
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            info.type = kind
            info.linkname = link
            info.uname = info.gname = ""
            if kind == tarfile.DIRTYPE:
                info.mode = 0o755
            if kind in (tarfile.REGTYPE, tarfile.AREGTYPE):
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    raw = buf.getvalue().rstrip(b"\0")
    blocks = (len(raw) + 511) // 512
    return raw.ljust(blocks * 512, b"\0") + b"\0" * 1024


def file(name, data):
    return (name, data, tarfile.REGTYPE, "")


def folder(name):
    return (name, b"", tarfile.DIRTYPE, "")


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zip_bytes(entries, force_zip64=False):
    """entries: (name, data, method, unix_mode)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, method, mode in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = method
            info.create_system = 3
            info.external_attr = mode << 16
            with z.open(info, "w", force_zip64=force_zip64) as f:
                f.write(data)
    return buf.getvalue()


def header_checksum_fix(block):
    block = bytearray(block)
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def main():
    os.makedirs(OUT, exist_ok=True)
    py = b"from flask import Flask\napp = Flask(__name__)\n\n@app.route('/hi')\ndef hi():\n    return 'hi'\n"
    js = b"const express = require('express');\nconst app = express();\napp.get('/x', (q, r) => r.send('x'));\n"
    repo = [folder("octo-repo-abc1234/"), file("octo-repo-abc1234/app.py", py),
            folder("octo-repo-abc1234/src/"), file("octo-repo-abc1234/src/index.js", js)]
    seeds = {}
    seeds["github.tar.gz"] = gz(tar_bytes(repo, pax_global={"comment": "abc1234" * 5}))
    seeds["ustar.tar"] = tar_bytes(repo, fmt=tarfile.USTAR_FORMAT)
    seeds["gnu-longname.tar"] = tar_bytes([file("r/" + "long-directory-name/" * 8 + "deep.py", py)],
                                          fmt=tarfile.GNU_FORMAT)
    seeds["pax-unicode.tar"] = tar_bytes([file("r/caf\u00e9/\u65e5\u672c.py", py), file("r/b.js", js)])
    seeds["links-devices.tar"] = tar_bytes([
        file("r/a.py", py),
        ("r/link.py", b"", tarfile.SYMTYPE, "/etc/passwd"),
        ("r/hard.py", b"", tarfile.LNKTYPE, "r/a.py"),
        ("r/tty", b"", tarfile.CHRTYPE, ""),
        ("r/disk", b"", tarfile.BLKTYPE, ""),
        ("r/fifo", b"", tarfile.FIFOTYPE, ""),
    ], fmt=tarfile.GNU_FORMAT)
    seeds["traversal.tar"] = tar_bytes([
        file("../evil.py", b"x"), file("/abs.py", b"x"), file("a/../../b.py", b"x"), file("C:/win.py", b"x"),
        file("ok/fine.py", py), file("ok/fine.py", b"duplicate"),
    ], fmt=tarfile.USTAR_FORMAT)
    # A fuzz_archive crasher, minimised: a drive letter that appears once the top folder "n/" is stripped.
    seeds["crash-drive-after-strip.tar"] = tar_bytes([file("../evil.py", b"x"), file("n/i:Cw.py", b"x")],
                                                     fmt=tarfile.USTAR_FORMAT)
    seeds["empty.tar"] = b"\0" * 1024
    seeds["multi-member.tar.gz"] = gz(tar_bytes([file("m/a.py", py)])[:-1024]) + gz(
        tar_bytes([file("m/b.js", js)]))
    big = tar_bytes([file("z/zeros.bin", b"\0" * 300000), file("z/after.py", py)], fmt=tarfile.USTAR_FORMAT)
    seeds["large-file.tar.gz"] = gz(big)

    # Hand-made tar damage: a declared size with no data, a base-256 size, a bad checksum.
    one = tar_bytes([file("t/a.py", py)], fmt=tarfile.USTAR_FORMAT)
    declared = bytearray(one[:512])
    declared[124:136] = b"%011o\0" % (1 << 30)
    seeds["declared-1gb.tar"] = header_checksum_fix(declared) + one[512:1024]
    b256 = bytearray(one[:512])
    b256[124:136] = b"\x80" + (len(py)).to_bytes(11, "big")
    seeds["base256-size.tar"] = header_checksum_fix(b256) + one[512:]
    bad = bytearray(one)
    bad[5] ^= 1
    seeds["bad-checksum.tar"] = bytes(bad)
    seeds["truncated.tar.gz"] = gz(one)[:-30]

    seeds["mixed.zip"] = zip_bytes([
        ("p/", b"", zipfile.ZIP_STORED, 0o40755),
        ("p/app.py", py, zipfile.ZIP_DEFLATED, 0o100644),
        ("p/README.md", b"# readme\n", zipfile.ZIP_STORED, 0o100644),
        ("p/link.py", b"/etc/passwd", zipfile.ZIP_STORED, 0o120777),
        ("../evil.py", b"x", zipfile.ZIP_DEFLATED, 0o100644),
    ])
    seeds["zip64.zip"] = zip_bytes([("q/a.py", py, zipfile.ZIP_DEFLATED, 0o100644)], force_zip64=True)
    enc = bytearray(zip_bytes([("e/secret.py", b"xxxx", zipfile.ZIP_STORED, 0o100644)]))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = enc.find(sig)
        flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
        enc[flag_at] |= 1
    seeds["encrypted.zip"] = bytes(enc)
    # Two central records for one entry: overlapping data, a zip bomb's construction.
    single = zip_bytes([("o/a.py", py, zipfile.ZIP_DEFLATED, 0o100644)])
    cd = single.find(b"PK\x01\x02")
    eocd = single.find(b"PK\x05\x06")
    record = single[cd:eocd]
    end = bytearray(single[eocd:])
    struct.pack_into("<HHI", end, 8, 2, 2, len(record) * 2)
    seeds["overlap.zip"] = single[:eocd] + record + bytes(end)
    seeds["bomb.zip"] = zip_bytes([("b/zeros.bin", b"\0" * 200000, zipfile.ZIP_DEFLATED, 0o100644)])
    damaged = bytearray(single)
    damaged[30 + len("o/a.py")] = 0xFF  # the first deflate block: reserved type 3
    seeds["raw-deflate-bad.zip"] = bytes(damaged)

    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes, to {OUT}")


if __name__ == "__main__":
    main()
