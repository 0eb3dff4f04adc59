#!/usr/bin/env python3
"""Writes the crafted seed inputs of fuzz/corpus/ (run from anywhere; overwrites them).
The fuzz_stldr corpus also holds debug-stripped copies of two test loaders
(arm-none-eabi-strip --strip-debug build/tests/firmware/{sram_loader,ref_mx25_l562}.stldr)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_stldr: a minimal ELF32 ARM loader ---------------------------------------------

def storage_info(name=b"FUZZ_NOR", dtype=3, start=0x90000000, size=0x10000, page=0x100,
                 ev=0xFF, sectors=((16, 0x1000),)):
    b = name.ljust(100, b"\0")
    b += struct.pack("<HxxIIIB3x", dtype, start, size, page, ev)
    for n, s in sectors:
        b += struct.pack("<II", n, s)
    b += struct.pack("<II", 0, 0)
    return b.ljust(200, b"\0")


def elf(text_addr=0x20000004, text=None, si=None, syms=None, extra_sections=()):
    if text is None:
        text = bytes.fromhex("0120 7047") * 8  # movs r0,#1; bx lr
    si = storage_info() if si is None else si
    if syms is None:
        syms = [("Init", text_addr + 1, 4, 2), ("Write", text_addr + 5, 4, 2),
                ("SectorErase", text_addr + 9, 4, 2), ("Read", text_addr + 13, 4, 2),
                ("StorageInfo", 0, 200, 1)]
    shstr = b"\0.text\0.Dev_info\0.symtab\0.strtab\0.shstrtab\0"
    strtab = b"\0"
    symtab = b"\0" * 16
    for name, val, size, typ in syms:
        off = len(strtab)
        strtab += name.encode() + b"\0"
        shndx = 1 if typ == 2 else 2
        symtab += struct.pack("<IIIBBH", off, val, size, (1 << 4) | typ, 0, shndx)
    ehsize, phsize = 52, 32
    text_off = ehsize + 2 * phsize
    si_off = text_off + len(text)
    sym_off = (si_off + len(si) + 3) & ~3
    str_off = sym_off + len(symtab)
    shs_off = str_off + len(strtab)
    sh_off = (shs_off + len(shstr) + 3) & ~3
    nsh = 6
    eh = b"\x7fELF" + bytes([1, 1, 1, 0]) + b"\0" * 8
    eh += struct.pack("<HHIIIIIHHHHHH", 2, 40, 1, text_addr + 1, ehsize, sh_off, 0x05000200,
                      ehsize, phsize, 2, 40, nsh, 5)
    ph = struct.pack("<IIIIIIII", 1, text_off, text_addr, text_addr, len(text), len(text), 7, 4)
    ph += struct.pack("<IIIIIIII", 1, si_off, 0, 0, len(si), len(si), 4, 4)
    body = eh + ph + text + si
    body = body.ljust(sym_off, b"\0") + symtab + strtab + shstr
    body = body.ljust(sh_off, b"\0")
    sh = b"\0" * 40
    sh += struct.pack("<IIIIIIIIII", 1, 1, 6, text_addr, text_off, len(text), 0, 0, 4, 0)
    sh += struct.pack("<IIIIIIIIII", 7, 1, 2, 0, si_off, len(si), 0, 0, 4, 0)
    sh += struct.pack("<IIIIIIIIII", 17, 2, 0, 0, sym_off, len(symtab), 4, 1, 4, 16)
    sh += struct.pack("<IIIIIIIIII", 25, 3, 0, 0, str_off, len(strtab), 0, 0, 1, 0)
    sh += struct.pack("<IIIIIIIIII", 33, 3, 0, 0, shs_off, len(shstr), 0, 0, 1, 0)
    return body + sh


out("fuzz_stldr", "min_nor.stldr", elf())
out("fuzz_stldr", "min_sram_type.stldr",
    elf(si=storage_info(b"SRAM", 4, 0x60000000, 0x8000, 0x400, 0x00, ((8, 0x1000), (4, 0x0)))))
out("fuzz_stldr", "min_bad_sectors.stldr",
    elf(si=storage_info(sectors=((3, 0x1000), (2, 0x8000), (1, 0x100)))))
out("fuzz_stldr", "min_link_elsewhere.stldr", elf(text_addr=0x20003000))
out("fuzz_stldr", "min_no_write.stldr",
    elf(syms=[("Init", 0x20000005, 4, 2), ("StorageInfo", 0, 200, 1)]))
out("fuzz_stldr", "min_on_bkpt.stldr", elf(text_addr=0x20000000))

# ---- fuzz_rsp: byte 0 picks the output size (0x80: 4096), then the stream ---------------

def pkt(p):
    return b"$" + p + b"#%02x" % (sum(p) & 0xFF)


rsp = {
    "g": pkt(b"g"),
    "stream": b"+" + pkt(b"qSupported:multiprocess+;swbreak+;hwbreak+") + b"+" + pkt(b"?") +
              pkt(b"m20000004,40") + pkt(b"Z0,20000004,2") + pkt(b"vCont;c"),
    "memwrite": pkt(b"M20000100,4:deadbeef") + pkt(b"p0f") + pkt(b"P0=78563412"),
    "badsum": b"$g#00$m0,4#zz",
    "incomplete": b"junk$qRcmd,6e657874#",
    "empty": b"$#00",
    "binary": pkt(b"X20000000,4:\x7d\x03\x00\xff"),
}
for name, data in rsp.items():
    out("fuzz_rsp", name, b"\x80" + data)
out("fuzz_rsp", "small_out", b"\x03" + pkt(b"qSupported") + pkt(b"g"))

# ---- fuzz_flash_image: see the layout in fuzz_flash_image.c ------------------------------

def fl(flags, image, journal=b""):
    return bytes([flags]) + struct.pack("<H", len(image)) + image + journal


def compact(old_len, entries):
    b = struct.pack("<Q", old_len)
    for off, pat in entries:
        b += struct.pack("<Q", off) + pat.ljust(16, b"\0")[:16]
    return b


out("fuzz_flash_image", "no_file_content", fl(3, b""))
out("fuzz_flash_image", "short_image", fl(3, bytes(range(256)) * 6))
out("fuzz_flash_image", "erase00", fl(3 | 8, b"\xff" * 100 + b"\0" * 100))
out("fuzz_flash_image", "journal_valid",
    fl(7 | 16 | 32, b"\x11" * 3000, compact(3000, [(0, b"A" * 16), (0x3000, b"0123456789abcdef")])))
out("fuzz_flash_image", "journal_misaligned",
    fl(1 | 16 | 32, b"", compact(0, [(0x123, b"x")])))
out("fuzz_flash_image", "journal_past_end",
    fl(0 | 16 | 32, b"", compact(0, [(0x1000, b"x")])))
out("fuzz_flash_image", "journal_old_len_big",
    fl(2 | 16 | 32, b"\x22" * 10, compact(0x10000000, [(0x2000, b"y" * 16)])))
out("fuzz_flash_image", "journal_raw_header",
    fl(3 | 16, b"\x33" * 64, b"SEFLJNL1" + struct.pack("<IIQQII", 1, 4096, 4 * 4096, 64, 1, 0)))
out("fuzz_flash_image", "journal_wrong_size",
    fl(3 | 16, b"", b"SEFLJNL1" + struct.pack("<IIQQII", 1, 4096, 8 * 4096, 0, 0, 0)))

# ---- fuzz_profile: profile files (key=value lines, emu/profile.c se_profile_load) --------

out("fuzz_profile", "plain", b"# the built-in target, TrustZone off\nbase=stm32l562e-dk\n")
out("fuzz_profile", "moved_window",
    b"target=stm32l562e-dk\nbkpt=0x20002000\nload_base=0x20002004\nram_end=0x20030000\n"
    b"download_limit=64K\nstack_gap=0x400\nvtor=0x08000000\ndescription=moved RAM window\n")
out("fuzz_profile", "tz_template",
    b"base=stm32l562e-dk\ntz=on\nsecure=off\nsau=st_template\nmpcbb_ns=0x20018000:0x20040000\n"
    b"mpcwm_ns=0x90000000:0x94000000\ngtzc_illegal=buserr\nalias=illegal\n")
out("fuzz_profile", "tz_sau_regions",
    b"tz=1\nsau=reset\nsau_region=0,0x20018000,0x2003FFFF,0\nsau_region=1,0x0C03E000,0x0C03FFFF,1\n"
    b"sau_region=7,0x90000000,0x9FFFFFFF,0\ninternal_flash=/tmp/iflash.bin\n")
out("fuzz_profile", "inverted", b"bkpt=0x20040000\nload_base=0x20000000\nram_end=0x20000000\r\n")
out("fuzz_profile", "bad", b"tz=maybe\nbkpt 0x1\nunknown_key=1\n")
