#!/usr/bin/python3
"""Writes the decoder conformance corpus: valid, invalid and hostile files.

    gen_conformance.py OUTDIR [--data TESTDATA_DIR]

OUTDIR gets flat files (usable as fuzzing seeds as they are) and
OUTDIR/manifest.json, a list of entries

    {"file": NAME, "format": "PNG", "expect": EXPECT, "why": TEXT, ...}

where EXPECT is
    "decode"  a valid file: must decode to Pillow's pixels (after pixelcache's
              normalisation, tests/tools/pillow_reference.py), tolerance 0
              unless the entry has "tolerance" and says why in "why";
    "error"   corrupt: must raise pixelcache.DecodeError;
    "limit"   above the default limits (max_pixels, or max_expansion for a
              small file claiming a huge image): must raise LimitError
              before the pixels are allocated;
    "any"     undefined by the format (or decoders legitimately differ):
              must decode or raise a pixelcache error, never crash or hang.
Optional fields of valid entries:
    "truth"     a file "<mode> <w> <h>\\n" + bytes: the exact pixels the
                generator encoded, normalised as pixelcache documents
                (16-bit PNGs, generated TIFFs); compared with tolerance 0;
    "pillow"    false where Pillow is not a usable reference (the reason
                is in "why"), so only the truth is compared;
    "same_as"   compare with Pillow's decode of that file (same pixels);
    "expand"    Pillow gives RGB where pixelcache gives L (same values).
Any entry may have "options": LoadOptions to decode it with (Python names,
e.g. {"max_expansion": 0}).

PNG: every colour type x legal bit depth x interlace, with and without tRNS,
odd sizes, every filter type, several IDAT splits, and the broken variants.
GIF, BMP, TIFF, JPEG: a smaller set (interlace, transparency, local palettes;
1..32-bit, RLE, top-down; strips, tiles, predictors, planar; progressive,
restart markers, subsampling, gray, CMYK). Bombs for every format.
Deterministic: the same files on every run.
"""
import io
import json
import pathlib
import random
import struct
import sys
import zlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import imgwrite as W  # noqa: E402

SIZES = ((1, 1), (1, 13), (13, 1), (33, 17), (7, 9))


class Corpus:
    def __init__(self, out: pathlib.Path):
        self.out = out
        self.entries = []

    def add(self, name, fmt, data, expect, why, **extra):
        (self.out / name).write_bytes(data)
        self.entries.append(dict(file=name, format=fmt, expect=expect, why=why, **extra))

    def add_small_bomb(self, name, fmt, data, why, without_limit="error"):
        """A small file claiming a huge image (under max_pixels): a LimitError
        by max_expansion, and (a copy, decoded with max_expansion=0) refused
        by the format's own data-size check: `without_limit`."""
        self.add(name, fmt, data, "limit", why + ": refused by max_expansion")
        stem, ext = name.rsplit(".", 1)
        self.add(f"{stem}_max_expansion_0.{ext}", fmt, data, without_limit,
                 why + ": with max_expansion=0, refused as truncated before allocating", options={"max_expansion": 0})

    def add_truth(self, name, mode, w, h, pixels):
        truth = name + ".truth"
        (self.out / truth).write_bytes(f"{mode} {w} {h}\n".encode() + bytes(pixels))
        return truth


# ---------------------------------------------------------------- PNG


def png_pixels(rng, w, h, ctype, depth, palette_size=0):
    ch = W.PNG_CHANNELS[ctype]
    top = palette_size - 1 if ctype == 3 else (1 << depth) - 1
    return [[tuple(rng.randint(0, top) for _ in range(ch)) for _ in range(w)] for _ in range(h)]


def png_case(rng, w, h, ctype, depth, interlace, trns, *, filters, split, level=6):
    """(png bytes, pixels) for one combination."""
    palette, trns_body = None, None
    npal = min(1 << depth, 200) if ctype == 3 else 0
    pixels = png_pixels(rng, w, h, ctype, depth, npal)
    if ctype == 3:
        palette = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(npal)]
    if trns:
        if ctype == 0:
            trns_body = struct.pack(">H", pixels[0][0][0])
        elif ctype == 2:
            trns_body = struct.pack(">HHH", *pixels[0][0])
        else:
            trns_body = bytes(rng.randrange(256) for _ in range(max(1, npal // 2)))
    data = W.png_encode(w, h, ctype, depth, pixels, interlace=interlace, filters=filters, palette=palette,
                        trns=trns_body, idat_split=split, level=level)
    return data, pixels


def png_truth(ctype, pixels):
    """pixelcache's normalisation of 16-bit samples: round(v / 257), alpha dropped."""
    keep = 1 if ctype in (0, 4) else 3
    return [(v * 255 + 32767) // 65535 for row in pixels for px in row for v in px[:keep]]


def split_for(i, n):
    """Several IDAT layouts: one chunk; tiny chunks; an empty chunk then halves."""
    return (None, [1, 2, 3, 5, 7, 11], [0, n // 2])[i % 3]


def gen_png(c: Corpus):
    rng = random.Random(10)
    i = 0
    for ctype, depths in W.PNG_DEPTHS.items():
        for depth in depths:
            for interlace in (False, True):
                for trns in ((False, True) if ctype in (0, 2, 3) else (False,)):
                    for w, h in SIZES:
                        i += 1
                        start = i % 5
                        data, px = png_case(rng, w, h, ctype, depth, interlace, trns,
                                            filters=lambda p, y, s=start: s + p + y, split=split_for(i, 2 * w * h))
                        name = f"png_ct{ctype}_d{depth}_{'adam7' if interlace else 'flat'}" \
                               f"{'_trns' if trns else ''}_{w}x{h}.png"
                        add_png(c, name, data, ctype, depth, px, f"valid: colour type {ctype}, {depth}-bit")
            # Every filter type on every row, interlaced or not.
            for f in range(5):
                for interlace in (False, True):
                    data, px = png_case(rng, 33, 17, ctype, depth, interlace, False,
                                        filters=lambda p, y, f=f: f, split=None, level=9 if f % 2 else 1)
                    name = f"png_ct{ctype}_d{depth}_filter{f}_{'adam7' if interlace else 'flat'}.png"
                    add_png(c, name, data, ctype, depth, px, f"valid: filter type {f} on every row")
    # Larger gray + alpha files (the reported bug: Adam7 8-bit and all 16-bit).
    for depth in (8, 16):
        for interlace in (False, True):
            data, px = png_case(rng, 61, 45, 4, depth, interlace, False, filters=lambda p, y: p + y, split=None)
            add_png(c, f"png_gray_alpha_{depth}_{'adam7' if interlace else 'flat'}_61x45.png", data, 4, depth, px,
                    "valid: gray + alpha")
    png_extras(c, rng)
    png_invalid(c, rng)


def add_png(c, name, data, ctype, depth, px, why):
    extra = {}
    if depth == 16:
        keep = 1 if ctype in (0, 4) else 3
        extra["truth"] = c.add_truth(name, "L" if keep == 1 else "RGB", len(px[0]), len(px), png_truth(ctype, px))
        if ctype == 4:
            extra["expand"] = True
            why += "; Pillow reads 16-bit gray + alpha as RGBA: compared as RGB"
        if keep == 3 or ctype == 4:
            extra["tolerance"] = 1
            why += "; tolerance 1 against Pillow, which keeps the high byte of 16-bit colour samples " \
                   "(pixelcache rounds v / 257); exact against the encoded samples (truth)"
    c.add(name, "PNG", data, "decode", why, **extra)


def exif_orientation(o):
    ifd = b"II*\0" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, o, 0) + struct.pack("<I", 0)
    return ifd


def png_extras(c, rng):
    base, px = png_case(rng, 33, 17, 2, 8, False, False, filters=lambda p, y: y, split=None)
    chunks = W.png_chunks(base)
    iend = chunks[-1][0]
    c.add("png_extra_data_after_iend.png", "PNG", base + b"garbage after IEND" * 3, "decode",
          "valid: bytes after IEND are ignored")
    anc = W.png_chunk(b"tEXt", b"Comment\0hello") + W.png_chunk(b"zzZz", bytes(40))
    c.add("png_ancillary_chunks.png", "PNG", base[:iend] + anc + base[iend:], "decode",
          "valid: unknown ancillary chunks are skipped")
    bad_anc = W.png_chunk(b"tEXt", b"Comment\0bad crc", crc=1)
    c.add("png_ancillary_bad_crc.png", "PNG", base[:iend] + bad_anc + base[iend:], "any",
          "an ancillary chunk with a bad CRC may be skipped or refused")
    for o in (3, 6, 8):
        d = W.png_encode(33, 17, 2, 8, px, before_idat=[W.png_chunk(b"eXIf", exif_orientation(o))])
        c.add(f"png_exif_orientation{o}.png", "PNG", d, "decode", "valid: eXIf orientation applied")
    for ctype in (2, 6):
        pal = [(i, 255 - i, i // 2) for i in range(16)]
        d, px2 = png_case(rng, 9, 5, ctype, 8, False, False, filters=lambda p, y: 0, split=None)
        chunks2 = W.png_chunks(d)
        first_idat = next(off for off, kind, _ in chunks2 if kind == b"IDAT")
        plte = W.png_chunk(b"PLTE", b"".join(bytes(x) for x in pal))
        c.add(f"png_ct{ctype}_suggested_palette.png", "PNG", d[:first_idat] + plte + d[first_idat:], "decode",
              "valid: a suggested PLTE in a truecolour file is ignored")
    wide, _ = png_case(rng, 1000, 1, 2, 8, True, False, filters=lambda p, y: p, split=None)
    c.add("png_1000x1_adam7.png", "PNG", wide, "decode", "valid: one row, Adam7")
    tall, _ = png_case(rng, 1, 1000, 0, 1, True, False, filters=lambda p, y: y, split=None)
    c.add("png_1x1000_1bit_adam7.png", "PNG", tall, "decode", "valid: one column, 1-bit, Adam7")


def png_invalid(c, rng):
    bases = {}
    for key, (ctype, depth, interlace) in {"gray8": (0, 8, False), "rgb8": (2, 8, False), "pal4": (3, 4, False),
                                           "rgb16": (2, 16, False), "ga8_adam7": (4, 8, True),
                                           "rgba8": (6, 8, False), "gray1": (0, 1, False)}.items():
        d, _ = png_case(rng, 33, 17, ctype, depth, interlace, False, filters=lambda p, y: y, split=[9, 9])
        bases[key] = d
    for key, d in bases.items():
        chunks = W.png_chunks(d)
        idats = [ch for ch in chunks if ch[1] == b"IDAT"]
        targets = {"IHDR": chunks[0], "IDAT_first": idats[0], "IDAT_last": idats[-1], "IEND": chunks[-1]}
        plte = [ch for ch in chunks if ch[1] == b"PLTE"]
        if plte:
            targets["PLTE"] = plte[0]
        for label, (off, kind, body) in targets.items():
            crc_pos = off + 8 + len(body)
            bad = bytearray(d)
            bad[crc_pos] ^= 0x55
            c.add(f"png_bad_crc_{label}_{key}.png", "PNG", bytes(bad), "error", f"CRC error in critical chunk {label}")
        c.add(f"png_truncated_in_idat_{key}.png", "PNG", d[:idats[0][0] + 20], "error", "file cut inside IDAT")
        c.add(f"png_truncated_before_iend_{key}.png", "PNG", d[:chunks[-1][0]], "any",
              "complete image data but no IEND: decoders differ")
    d = bases["rgb8"]
    for i, b in enumerate((0x88, ord("p"), ord("n"), ord("g"), ord("\n"), ord("\r"), 0x1b, ord("\r"))):
        c.add(f"png_bad_signature_{i}.png", "PNG", d[:i] + bytes([b]) + d[i + 1:], "error", "bad signature byte")
    px8 = png_pixels(rng, 5, 4, 2, 8)
    for ctype, depth in ((0, 3), (0, 0), (0, 32), (2, 1), (2, 2), (2, 4), (3, 16), (4, 1), (4, 2), (4, 4), (6, 1),
                         (6, 4), (1, 8), (5, 8), (7, 8), (8, 8)):
        ihdr = struct.pack(">IIBBBBB", 5, 4, depth, ctype, 0, 0, 0)
        data = W.png_encode(5, 4, 2, 8, px8, ihdr=ihdr)
        c.add(f"png_bad_pair_ct{ctype}_d{depth}.png", "PNG", data, "error",
              f"colour type {ctype} with bit depth {depth} is not allowed")
    for label, ihdr in {"width0": (0, 4, 8, 2, 0, 0, 0), "height0": (5, 0, 8, 2, 0, 0, 0),
                        "width2g": (1 << 31, 4, 8, 2, 0, 0, 0), "compression1": (5, 4, 8, 2, 1, 0, 0),
                        "filter1": (5, 4, 8, 2, 0, 1, 0), "interlace2": (5, 4, 8, 2, 0, 0, 2)}.items():
        c.add(f"png_bad_ihdr_{label}.png", "PNG", W.png_encode(5, 4, 2, 8, px8, ihdr=struct.pack(">IIBBBBB", *ihdr)),
              "error", f"invalid IHDR field ({label})")
    c.add("png_bad_ihdr_length12.png", "PNG", W.PNG_SIGNATURE + W.png_chunk(b"IHDR", bytes(12)) + d[33:], "error",
          "IHDR of 12 bytes")
    chunks = W.png_chunks(d)
    ihdr_chunk = d[8:33]
    idat_all = b"".join(d[off:off + 12 + len(body)] for off, kind, body in chunks if kind == b"IDAT")
    iend = W.png_chunk(b"IEND", b"")
    c.add("png_missing_idat.png", "PNG", W.PNG_SIGNATURE + ihdr_chunk + iend, "error", "no IDAT")
    c.add("png_idat_before_ihdr.png", "PNG", W.PNG_SIGNATURE + idat_all + ihdr_chunk + iend, "error",
          "IDAT before IHDR")
    c.add("png_text_before_ihdr.png", "PNG", W.PNG_SIGNATURE + W.png_chunk(b"tEXt", b"a\0b") + d[8:], "error",
          "IHDR is not the first chunk")
    c.add("png_two_ihdr.png", "PNG", W.PNG_SIGNATURE + ihdr_chunk + d[8:], "error", "two IHDR chunks")
    c.add("png_unknown_critical_chunk.png", "PNG",
          d[:33] + W.png_chunk(b"ABCD", b"xyz") + d[33:], "error", "unknown critical chunk")
    c.add("png_chunk_name_non_ascii.png", "PNG", d[:33] + W.png_chunk(b"\x8fBad", b"xyz") + d[33:], "error",
          "chunk name with a non-ASCII byte (the message must escape it)")
    # Truncated zlib stream inside complete chunks.
    raw = W.png_raw_stream(5, 4, 2, 8, px8)
    z = zlib.compress(raw)
    head = W.PNG_SIGNATURE + W.png_chunk(b"IHDR", struct.pack(">IIBBBBB", 5, 4, 8, 2, 0, 0, 0))
    c.add("png_truncated_zlib.png", "PNG", head + W.png_chunk(b"IDAT", z[:len(z) // 2]) + iend, "error",
          "zlib stream ends early")
    c.add("png_short_image_data.png", "PNG", head + W.png_chunk(b"IDAT", zlib.compress(raw[:-7])) + iend, "error",
          "complete zlib stream with fewer bytes than the image needs")
    c.add("png_bad_zlib_header.png", "PNG", head + W.png_chunk(b"IDAT", b"\x00\x00" + z[2:]) + iend, "error",
          "bad zlib header")
    bad_filter = bytearray(raw)
    bad_filter[0] = 5
    c.add("png_bad_filter_type.png", "PNG", head + W.png_chunk(b"IDAT", zlib.compress(bytes(bad_filter))) + iend,
          "error", "filter type 5")
    c.add("png_bad_adler32.png", "PNG", head + W.png_chunk(b"IDAT", z[:-4] + bytes(4)) + iend, "any",
          "the zlib Adler-32 is redundant with the IDAT CRC; decoders differ")
    c.add("png_idat_not_consecutive.png", "PNG",
          head + W.png_chunk(b"IDAT", z[:5]) + W.png_chunk(b"tEXt", b"a\0b") + W.png_chunk(b"IDAT", z[5:]) + iend,
          "error", "IDAT chunks separated by another chunk (the spec forbids it)")
    # Palette errors.
    pal_px = png_pixels(rng, 5, 4, 3, 4, 16)
    pal16 = [(i * 16, i * 8, 255 - i) for i in range(16)]
    c.add("png_palette_missing.png", "PNG", W.png_encode(5, 4, 3, 4, pal_px), "error", "colour type 3 without PLTE")
    c.add("png_palette_too_long.png", "PNG", W.png_encode(5, 4, 3, 4, pal_px, palette=pal16 * 2), "error",
          "PLTE with more entries than the bit depth allows")
    c.add("png_palette_length7.png", "PNG",
          W.png_encode(5, 4, 3, 4, pal_px, before_idat=[W.png_chunk(b"PLTE", bytes(7))]), "error",
          "PLTE length not a multiple of 3")
    c.add("png_palette_in_gray.png", "PNG",
          W.png_encode(5, 4, 0, 8, png_pixels(rng, 5, 4, 0, 8), palette=pal16), "error", "PLTE in a gray file")
    c.add("png_palette_index_out_of_range.png", "PNG", W.png_encode(5, 4, 3, 4, pal_px, palette=pal16[:3]), "any",
          "indices past the palette: an error for the spec, black for some decoders")
    c.add("png_trns_in_rgba.png", "PNG", W.png_encode(5, 4, 6, 8, png_pixels(rng, 5, 4, 6, 8), trns=bytes(6)),
          "any", "tRNS is not allowed with an alpha channel")
    # Bombs.
    for w, h in ((100000, 100000), (20000, 20000), (1 << 30, 1)):
        ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
        c.add(f"png_bomb_header_{w}x{h}.png", "PNG", W.PNG_SIGNATURE + W.png_chunk(b"IHDR", ihdr) + idat_all + iend,
              "limit", "header claims more pixels than the default limit")
    ihdr = struct.pack(">IIBBBBB", 13000, 13000, 8, 2, 0, 0, 0)
    c.add_small_bomb("png_bomb_13000x13000_tiny_data.png", "PNG",
                     W.PNG_SIGNATURE + W.png_chunk(b"IHDR", ihdr) + W.png_chunk(b"IDAT", zlib.compress(bytes(5000)))
                     + iend, "169 Mpx (under the limit) claimed by 5 KB of data")
    zbomb = zlib.compress(bytes(50 << 20), 9)
    for ctype, depth in ((2, 8), (3, 8), (2, 16)):
        ihdr = struct.pack(">IIBBBBB", 100, 100, depth, ctype, 0, 0, 0)
        plte = W.png_chunk(b"PLTE", bytes(range(256)) * 3) if ctype == 3 else b""
        fast = depth == 8 and ctype != 3
        c.add(f"png_bomb_zlib_50MB_in_100x100_ct{ctype}_d{depth}.png", "PNG",
              W.PNG_SIGNATURE + W.png_chunk(b"IHDR", ihdr) + plte + W.png_chunk(b"IDAT", zbomb) + iend,
              "error" if fast else "any",
              "zlib stream inflating to 50 MB for a 100x100 image: the fast path refuses the excess data; "
              "libspng (like Pillow) stops inflating at the image's end and ignores it; never inflated whole")


# ---------------------------------------------------------------- GIF


def gen_gif(c: Corpus):
    rng = random.Random(20)

    def pal(n):
        return [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(n)]

    def frame(w, h, n, **kw):
        return dict(left=0, top=0, width=w, height=h, indices=[rng.randrange(n) for _ in range(w * h)], **kw)

    for n, mcs in ((2, 2), (4, 2), (16, 4), (256, 8)):
        for w, h in ((1, 1), (17, 9), (3, 20)):
            for interlace in (False, True):
                d = W.gif_encode(w, h, [frame(w, h, n, interlace=interlace, min_code_size=mcs)], global_palette=pal(n))
                c.add(f"gif_pal{n}_{w}x{h}_{'interlaced' if interlace else 'progressive'}.gif", "GIF", d, "decode",
                      f"valid: {n}-colour global palette")
    for h in range(1, 18):
        d = W.gif_encode(5, h, [frame(5, h, 16, interlace=True, min_code_size=4)], global_palette=pal(16))
        c.add(f"gif_interlaced_height{h}.gif", "GIF", d, "decode", "valid: interlace passes for every height")
    d = W.gif_encode(9, 7, [frame(9, 7, 8, palette=pal(8), min_code_size=3)])
    c.add("gif_local_palette_only.gif", "GIF", d, "decode", "valid: local colour table, no global one")
    d = W.gif_encode(9, 7, [frame(9, 7, 8, palette=pal(8), min_code_size=3)], global_palette=pal(4))
    c.add("gif_local_overrides_global.gif", "GIF", d, "decode", "valid: local table takes precedence")
    d = W.gif_encode(9, 7, [frame(9, 7, 8, transparent=3, min_code_size=3)], global_palette=pal(8))
    c.add("gif_transparency.gif", "GIF", d, "decode", "valid: transparent index (alpha dropped)")
    gray = [(v, v, v) for v in range(0, 256, 16)]
    d = W.gif_encode(9, 7, [frame(9, 7, 16, min_code_size=4)], global_palette=gray)
    c.add("gif_gray_palette.gif", "GIF", d, "decode", "valid: gray palette")
    d = W.gif_encode(9, 7, [frame(9, 7, 2, min_code_size=2)], global_palette=[(0, 0, 0), (255, 255, 255)])
    c.add("gif_black_white.gif", "GIF", d, "decode", "valid: black and white palette")
    d = W.gif_encode(12, 10, [frame(12, 10, 8, min_code_size=3), frame(12, 10, 8, min_code_size=3)],
                     global_palette=pal(8))
    c.add("gif_two_frames.gif", "GIF", d, "decode", "valid: animation, first frame decoded")
    f = frame(5, 4, 8, min_code_size=3)
    f.update(left=3, top=2)
    d = W.gif_encode(12, 10, [f], global_palette=pal(8), background=2)
    c.add("gif_frame_inside_screen.gif", "GIF", d, "any",
          "frame smaller than the screen: the rest is the background colour here; Pillow differs by version")
    f = frame(20, 20, 8, min_code_size=3)
    f.update(left=5, top=5)
    c.add("gif_frame_past_screen.gif", "GIF", W.gif_encode(12, 10, [f], global_palette=pal(8)), "any",
          "frame extends past the logical screen")
    good = W.gif_encode(17, 9, [frame(17, 9, 16, min_code_size=4)], global_palette=pal(16))
    c.add("gif_truncated_lzw.gif", "GIF", good[:len(good) // 2], "error", "file cut inside the image data")
    c.add("gif_no_image.gif", "GIF", good[:13 + 48] + b"\x3B", "error", "trailer without an image")
    c.add("gif_no_trailer.gif", "GIF", good[:-1], "any", "complete image but no trailer")
    bad = bytearray(good)
    bad[13 + 48 + 10] = 13  # LZW minimum code size 13
    c.add("gif_bad_code_size.gif", "GIF", bytes(bad), "error", "LZW minimum code size above 12")
    c.add("gif_no_colour_table.gif", "GIF", W.gif_encode(4, 4, [frame(4, 4, 4, min_code_size=2)]), "any",
          "no colour table at all (decoders may use a default)")
    # Bombs.
    small = [frame(2, 2, 2, min_code_size=2)]
    c.add("gif_bomb_screen_65535x65535.gif", "GIF", W.gif_encode(65535, 65535, small, global_palette=pal(2)), "limit",
          "logical screen above the pixel limit")
    huge = dict(left=0, top=0, width=65535, height=65535, indices=[], lzw=W.lzw_single_colour_bomb(1, 2000, 8))
    c.add("gif_bomb_frame_65535x65535_in_10x10.gif", "GIF", W.gif_encode(10, 10, [huge], global_palette=pal(256)),
          "limit", "a 4.3 Gpx frame on a 10x10 screen")
    lzw = W.lzw_single_colour_bomb(3, 40000, 8)
    big = dict(left=0, top=0, width=10000, height=10000, indices=[], lzw=lzw)
    c.add("gif_bomb_lzw_10000x10000.gif", "GIF", W.gif_encode(10000, 10000, [big], global_palette=pal(256)), "limit",
          "100 Mpx (under max_pixels) of one colour from 60 KB of LZW codes, a valid file that takes seconds to "
          "decode: refused by max_expansion")


# ---------------------------------------------------------------- BMP


def gen_bmp(c: Corpus):
    rng = random.Random(30)
    for bpp in (1, 4, 8):
        n = 1 << bpp
        for w, h in ((1, 1), (5, 3), (33, 17)):
            for top_down in (False, True):
                palette = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(n)]
                idx = [[rng.randrange(n) for _ in range(w)] for _ in range(h)]
                rows = [W._pack_row(r, bpp) for r in idx]
                d = W.bmp_encode(w, h, bpp, rows, palette=palette, top_down=top_down)
                c.add(f"bmp_{bpp}bit_{w}x{h}{'_topdown' if top_down else ''}.bmp", "BMP", d, "decode",
                      f"valid: {bpp}-bit palette")
    bw = [[rng.randrange(2) for _ in range(19)] for _ in range(7)]
    c.add("bmp_1bit_black_white.bmp", "BMP",
          W.bmp_encode(19, 7, 1, [W._pack_row(r, 1) for r in bw], palette=[(0, 0, 0), (255, 255, 255)]), "decode",
          "valid: 1-bit black and white")
    for bpp in (24, 32):
        for w, h in ((1, 1), (5, 3), (33, 17)):
            for top_down in (False, True):
                rows = [bytes(rng.randrange(256) for _ in range(w * bpp // 8)) for _ in range(h)]
                d = W.bmp_encode(w, h, bpp, rows, top_down=top_down)
                c.add(f"bmp_{bpp}bit_{w}x{h}{'_topdown' if top_down else ''}.bmp", "BMP", d, "decode",
                      f"valid: {bpp}-bit BI_RGB")
    rows16 = [b"".join(struct.pack("<H", rng.randrange(1 << 15)) for _ in range(11)) for _ in range(6)]
    c.add("bmp_16bit_555.bmp", "BMP", W.bmp_encode(11, 6, 16, rows16), "decode", "valid: 16-bit 5-5-5")
    rows565 = [b"".join(struct.pack("<H", rng.randrange(1 << 16)) for _ in range(11)) for _ in range(6)]
    c.add("bmp_16bit_565_bitfields.bmp", "BMP",
          W.bmp_encode(11, 6, 16, rows565, compression=3, bitfields=(0xF800, 0x07E0, 0x001F)), "decode",
          "valid: 16-bit 5-6-5 BI_BITFIELDS")
    rows32 = [bytes(rng.randrange(256) for _ in range(11 * 4)) for _ in range(6)]
    c.add("bmp_32bit_bitfields.bmp", "BMP",
          W.bmp_encode(11, 6, 32, rows32, compression=3, bitfields=(0x00FF0000, 0x0000FF00, 0x000000FF)), "decode",
          "valid: 32-bit BI_BITFIELDS")
    for w, h in ((1, 1), (7, 5), (40, 9)):
        idx = [[rng.choice((1, 1, 1, 7, 200, rng.randrange(256))) for _ in range(w)] for _ in range(h)]
        palette = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(256)]
        c.add(f"bmp_rle8_{w}x{h}.bmp", "BMP", W.bmp_encode(w, h, 8, None, palette=palette, compression=1,
                                                           rle=W.bmp_rle8(idx)), "decode", "valid: RLE8")
        idx4 = [[rng.choice((2, 2, 5, rng.randrange(16))) for _ in range(w)] for _ in range(h)]
        c.add(f"bmp_rle4_{w}x{h}.bmp", "BMP", W.bmp_encode(w, h, 4, None, palette=palette[:16], compression=2,
                                                           rle=W.bmp_rle4(idx4)), "decode", "valid: RLE4")
    palette = [(i, i, 255 - i) for i in range(256)]
    delta = bytes((3, 9, 0, 2, 2, 1, 2, 7)) + b"\0\0" + bytes((0, 1))
    c.add("bmp_rle8_delta_and_early_end.bmp", "BMP",
          W.bmp_encode(10, 4, 8, None, palette=palette, compression=1, rle=delta), "any",
          "RLE delta and early end of bitmap: skipped pixels are undefined (index 0 here and in Pillow)")
    odd = bytes((0, 5, 0x12, 0x34, 0x50, 0)) + b"\0\0" + bytes((0, 1))
    c.add("bmp_rle4_odd_absolute_run.bmp", "BMP", W.bmp_encode(5, 1, 4, None, palette=palette[:16], compression=2,
                                                                rle=odd), "any",
          "an absolute RLE4 run of odd length: Pillow 9.4 reads one nibble short")
    good = W.bmp_encode(33, 17, 24, [bytes(99)] * 17)
    c.add("bmp_truncated_pixels.bmp", "BMP", good[:len(good) - 50], "error", "pixel data cut short")
    c.add("bmp_truncated_header.bmp", "BMP", good[:30], "error", "header cut short")
    bad = bytearray(good)
    bad[28] = 7
    c.add("bmp_bad_depth7.bmp", "BMP", bytes(bad), "error", "7 bits per pixel")
    bad = bytearray(good)
    bad[30] = 4
    c.add("bmp_jpeg_compression.bmp", "BMP", bytes(bad), "error", "BI_JPEG is not supported")
    bad = bytearray(good)
    struct.pack_into("<i", bad, 18, 0)
    c.add("bmp_width0.bmp", "BMP", bytes(bad), "error", "zero width")
    rle_over = bytes((200, 1)) * 3 + b"\0\1"
    c.add("bmp_rle8_overrun.bmp", "BMP", W.bmp_encode(10, 2, 8, None, palette=palette, compression=1, rle=rle_over),
          "any", "RLE runs longer than the row")
    c.add("bmp_rle8_truncated.bmp", "BMP", W.bmp_encode(40, 9, 8, None, palette=palette, compression=1,
                                                        rle=W.bmp_rle8([[1] * 40] * 9)[:7]), "error",
          "RLE8 stream cut without an end-of-bitmap code")
    # Bombs.
    hdr = bytearray(good[:54])
    struct.pack_into("<ii", hdr, 18, 65536, 65536)
    c.add("bmp_bomb_65536x65536.bmp", "BMP", bytes(hdr), "limit", "header above the pixel limit")
    struct.pack_into("<ii", hdr, 18, 12000, 12000)
    c.add_small_bomb("bmp_bomb_12000x12000_no_pixels.bmp", "BMP", bytes(hdr) + bytes(1000),
                     "144 Mpx claimed by a 1 KB file")
    delta_codes = (b"\0\2\xff\xff" * 60) + b"\0\1"
    c.add("bmp_bomb_rle8_delta_13000x13000.bmp", "BMP",
          W.bmp_encode(13000, 13000, 8, None, palette=palette, compression=1, rle=delta_codes), "limit",
          "169 Mpx covered by 60 delta codes (skipped pixels are index 0, as in Pillow), a valid file that takes "
          "seconds to decode: refused by max_expansion")
    c.add_small_bomb("bmp_bomb_rle8_13000x13000.bmp", "BMP",
                     W.bmp_encode(13000, 13000, 8, None, palette=palette, compression=1, rle=b"\0\1"),
                     "169 Mpx RLE8 image whose stream ends at once")


# ---------------------------------------------------------------- TIFF


def tiff_base_tags(w, h, spp, bps, photometric, compression=1, planar=1, predictor=None):
    t = {256: (4, [w]), 257: (4, [h]), 258: (3, [bps] * spp), 259: (3, [compression]), 262: (3, [photometric]),
         277: (3, [spp]), 284: (3, [planar])}
    if predictor:
        t[317] = (3, [predictor])
    return t


def tiff_image(rng, w, h, spp, bps, photometric, *, compression=1, planar=1, predictor=None, rows_per_strip=None,
               tile=None, big_endian=False, extra=None):
    """A TIFF of random samples laid out as asked."""
    top = (1 << bps) - 1
    px = [[[rng.randint(0, top) for _ in range(spp)] for _ in range(w)] for _ in range(h)]
    tags = tiff_base_tags(w, h, spp, bps, photometric, compression, planar, predictor)
    tags.update(extra or {})
    planes = range(spp) if planar == 2 else [None]

    def samples(y, x0, x1, plane):
        row = [s for x in range(x0, x1) for s in (px[y][x] if plane is None else [px[y][x][plane]])]
        if predictor == 2:
            row = W.tiff_predict(row, spp if plane is None else 1, bps)
        return W.tiff_pack(row, bps, big_endian)

    def compress(raw):
        return zlib.compress(raw) if compression in (8, 32946) else raw

    chunks = []
    if tile:
        tw, th = tile
        tags[322], tags[323] = (3, [tw]), (3, [th])
        for plane in planes:
            for ty in range(0, h, th):
                for tx in range(0, w, tw):
                    raw = b""
                    for y in range(ty, ty + th):
                        # Edge tiles are padded to the full tile size.
                        if y < h:
                            part = samples(y, tx, min(tx + tw, w), plane)
                            n_pad = tx + tw - min(tx + tw, w)
                            pad_unit = len(W.tiff_pack([0] * (1 if plane is not None else spp), bps))
                            raw += part + bytes(n_pad * pad_unit) if bps >= 8 else W.tiff_pack(
                                [s for x in range(tx, tx + tw) for s in
                                 ((px[y][x] if x < w else [0] * spp) if plane is None else
                                  [px[y][x][plane] if x < w else 0])], bps)
                        else:
                            raw += bytes(len(W.tiff_pack([0] * tw * (spp if plane is None else 1), bps)))
                    chunks.append(compress(raw))
    else:
        rps = rows_per_strip or h
        tags[278] = (4, [rps])
        for plane in planes:
            for y0 in range(0, h, rps):
                chunks.append(compress(b"".join(samples(y, 0, w, plane) for y in range(y0, min(h, y0 + rps)))))
    return W.tiff_encode(tags, chunks, big_endian=big_endian), px


def oriented(rows, orientation):
    """Stored rows made upright for an EXIF / TIFF orientation (1..8)."""
    import numpy as np

    a = np.asarray(rows)
    turn = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1], 5: lambda a: a.swapaxes(0, 1),
            6: lambda a: np.rot90(a, -1), 7: lambda a: a.swapaxes(0, 1)[::-1, ::-1], 8: lambda a: np.rot90(a, 1)}
    return turn.get(orientation, lambda a: a)(a)


def tiff_truth(c, name, px, bps, photometric, orientation=1):
    """The exact image pixelcache must give for generated gray / RGB samples."""
    keep = 3 if photometric == 2 else 1
    if bps == 16:
        conv = [[[(v * 255 + 32767) // 65535 for v in p[:keep]] for p in row] for row in px]
    else:
        conv = [[list(p[:keep]) for p in row] for row in px]
    if photometric == 0:  # MinIsWhite
        conv = [[[(1 if bps == 1 else 255) - v for v in p] for p in row] for row in conv]
    a = oriented(conv, orientation)
    h, w = a.shape[:2]
    mode = "RGB" if keep == 3 else ("1" if bps == 1 else "L")
    return c.add_truth(name, mode, w, h, a.astype("uint8").tobytes())


def gen_tiff(c: Corpus, data_dir):
    rng = random.Random(40)
    cases = [
        ("gray1_minisblack", dict(spp=1, bps=1, photometric=1)),
        ("gray1_miniswhite", dict(spp=1, bps=1, photometric=0)),
        ("gray8", dict(spp=1, bps=8, photometric=1)),
        ("gray8_miniswhite", dict(spp=1, bps=8, photometric=0)),
        ("gray16", dict(spp=1, bps=16, photometric=1)),
        ("rgb8", dict(spp=3, bps=8, photometric=2)),
        ("rgb16", dict(spp=3, bps=16, photometric=2)),
        ("rgb8_planar", dict(spp=3, bps=8, photometric=2, planar=2)),
        ("rgb16_planar", dict(spp=3, bps=16, photometric=2, planar=2)),
    ]
    layouts = [("strip_all", dict()), ("strip_rows3", dict(rows_per_strip=3)), ("strip_rows1", dict(rows_per_strip=1)),
               ("tile16", dict(tile=(16, 16)))]
    for name, kw in cases:
        for lname, lkw in layouts:
            for comp in (1, 8):
                for pred in ((None, 2) if comp == 8 and kw["bps"] >= 8 else (None,)):
                    for be in ((False, True) if lname == "strip_rows3" else (False,)):
                        d, px = tiff_image(rng, 37, 21, compression=comp, predictor=pred, big_endian=be, **kw,
                                           **lkw)
                        fname = f"tiff_{name}_{lname}_{'deflate' if comp == 8 else 'raw'}" \
                                f"{'_pred2' if pred else ''}{'_be' if be else ''}.tif"
                        why = "valid; exact against the encoded samples (truth)"
                        extra = {"truth": tiff_truth(c, fname, px, kw["bps"], kw["photometric"])}
                        if kw["bps"] == 16 and kw["spp"] == 3:
                            if comp == 1 and kw.get("planar") == 2:
                                extra["pillow"] = False
                                why += "; not against Pillow, whose own reader of uncompressed planar 16-bit " \
                                       "files returns other samples"
                            else:
                                extra["tolerance"] = 1
                                why += "; tolerance 1 against Pillow, which keeps the high byte of 16-bit RGB " \
                                       "samples (pixelcache rounds v / 257)"
                        c.add(fname, "TIFF", d, "decode", why, **extra)
    # Palette, RGBA, orientation, and Pillow's own LZW / PackBits / JPEG writers.
    d, _ = tiff_image(rng, 19, 11, 1, 8, 3, extra={320: (3, [rng.randrange(65536) for _ in range(768)])})
    c.add("tiff_palette8.tif", "TIFF", d, "decode", "valid: 8-bit palette")
    d, _ = tiff_image(rng, 19, 11, 1, 4, 3, extra={320: (3, [rng.randrange(65536) for _ in range(48)])})
    c.add("tiff_palette4.tif", "TIFF", d, "decode", "valid: 4-bit palette")
    d, px = tiff_image(rng, 19, 11, 4, 8, 2, extra={338: (3, [2])})
    c.add("tiff_rgba8_unassociated.tif", "TIFF", d, "decode", "valid: RGBA (alpha dropped)",
          truth=tiff_truth(c, "tiff_rgba8_unassociated.tif", px, 8, 2))
    d, px = tiff_image(rng, 19, 11, 2, 8, 1, extra={338: (3, [2])})
    c.add("tiff_gray_alpha8.tif", "TIFF", d, "decode", "valid: gray + alpha gives L (alpha dropped)",
          truth=tiff_truth(c, "tiff_gray_alpha8.tif", px, 8, 1))
    for o in range(2, 9):
        d, px = tiff_image(rng, 19, 11, 3, 8, 2, extra={274: (3, [o])})
        name = f"tiff_orientation{o}.tif"
        c.add(name, "TIFF", d, "decode",
              "valid: Orientation tag applied; against the encoded samples only: Pillow 9.4 applies a TIFF "
              "orientation only when libtiff decodes the file", truth=tiff_truth(c, name, px, 8, 2, o), pillow=False)
    from PIL import Image
    with Image.open(data_dir / "chelsea.png") as im:
        small = im.convert("RGB").resize((97, 61))
    for comp in ("tiff_lzw", "packbits", "tiff_adobe_deflate", "jpeg"):
        for mode in ("RGB", "L"):
            b = io.BytesIO()
            small.convert(mode).save(b, "TIFF", compression=comp)
            why = "valid (written by Pillow)"
            extra = {}
            if comp == "jpeg":
                extra["tolerance"] = 2
                why += "; tolerance 2: libtiff's JPEG codec upsamples chroma differently from a plain decode"
            c.add(f"tiff_pillow_{comp}_{mode}.tif", "TIFF", b.getvalue(), "decode", why, **extra)
    # Broken files.
    good, _ = tiff_image(rng, 37, 21, 1, 8, 1, rows_per_strip=7)
    tags = tiff_base_tags(37, 21, 1, 8, 1)
    tags[278] = (4, [21])
    raw = bytes(37 * 21)
    c.add("tiff_strip_truncated.tif", "TIFF", W.tiff_encode(tags, [raw[:300]]), "error",
          "uncompressed strip shorter than the rows it holds")
    past = W.tiff_encode(tags, [raw])
    c.add("tiff_strip_past_end.tif", "TIFF", past[:200] + past[200 + len(raw):], "error",
          "strip offset + byte count past the end of the file")
    c.add("tiff_strip_zero_bytes.tif", "TIFF", W.tiff_encode(tags, [b""]), "any",
          "StripByteCounts of 0: libtiff estimates the count from the file size")
    c.add("tiff_corrupt_deflate.tif", "TIFF",
          W.tiff_encode({**tags, 259: (3, [8])}, [b"\x78\x9c" + bytes(range(200))]), "error",
          "corrupt deflate data")
    c.add("tiff_unknown_compression.tif", "TIFF", W.tiff_encode({**tags, 259: (3, [9999])}, [raw]), "error",
          "unknown compression")
    no_offsets = W.tiff_encode(tags, [raw]).replace(struct.pack("<HHI", 273, 4, 1), struct.pack("<HHI", 999, 4, 1))
    c.add("tiff_missing_strip_offsets.tif", "TIFF", no_offsets, "error", "no StripOffsets")
    c.add("tiff_ifd_past_end.tif", "TIFF", b"II*\0" + struct.pack("<I", 1 << 20) + bytes(100), "error",
          "first IFD offset past the end")
    c.add("tiff_truncated.tif", "TIFF", good[:len(good) * 2 // 3], "error", "file cut short")
    # Bombs.
    strip = bytes(range(256)) * 23
    for h in (3932208, 2700000):
        raw_file = W.tiff_encode({**tiff_base_tags(64, h, 1, 8, 1), 278: (4, [h])}, [strip])
        t = tiff_base_tags(64, h, 1, 8, 1, compression=8)
        t[278] = (4, [h])
        deflate_file = W.tiff_encode(t, [zlib.compress(strip)])
        if h > 178956970 // 64:
            c.add(f"tiff_bomb_64x{h}_6KB.tif", "TIFF", raw_file, "limit",
                  "the reported file: 64 x 3,932,208 gray (251 Mpx) claimed by 6 KB: above max_pixels")
            c.add(f"tiff_bomb_64x{h}_deflate_6KB.tif", "TIFF", deflate_file, "limit", "the same, deflate")
        else:
            c.add_small_bomb(f"tiff_bomb_64x{h}_6KB.tif", "TIFF", raw_file,
                             f"64 x {h:,} gray (under max_pixels) in one uncompressed strip of 6 KB")
            c.add_small_bomb(f"tiff_bomb_64x{h}_deflate_6KB.tif", "TIFF", deflate_file,
                             "the same in one deflate strip, more than deflate can expand")
    t = tiff_base_tags(100000, 100000, 1, 8, 1)
    t[278] = (4, [1])
    c.add("tiff_bomb_100000x100000.tif", "TIFF", W.tiff_encode(t, [b"x"]), "limit", "header above the pixel limit")
    t = tiff_base_tags(1, 150_000_000, 1, 8, 1)
    t[278] = (4, [1])
    c.add_small_bomb("tiff_bomb_150M_strips.tif", "TIFF", W.tiff_encode(t, [b"x"]).replace(
        struct.pack("<HHI", 273, 4, 1), struct.pack("<HHI", 273, 4, 150_000_000)).replace(
        struct.pack("<HHI", 279, 4, 1), struct.pack("<HHI", 279, 4, 150_000_000)),
        "150 million strips declared in a tiny file")
    t = tiff_base_tags(20000, 8000, 1, 8, 1)
    t[322], t[323] = (3, [16]), (3, [16])
    c.add_small_bomb("tiff_bomb_625000_tiles.tif", "TIFF", W.tiff_encode(t, [b"x"] * 3),
                     "625,000 tiles needed, three in the file")
    tags8 = tiff_base_tags(8, 8, 1, 8, 1)
    tags8[278] = (4, [8])
    c.add("tiff_page1.tif", "TIFF", W.tiff_encode(tags8, [bytes(range(64))]), "decode", "valid: one page")
    c.add("tiff_5000_ifds.tif", "TIFF", W.tiff_encode(tags8, [bytes(range(64))], extra_ifds=5000), "decode",
          "valid: 5001 pages; the first is decoded, the rest never read (Pillow's exif_transpose fails on it: "
          "compared with the same page alone)", same_as="tiff_page1.tif")
    loop = bytearray(W.tiff_encode(tags8, [bytes(range(64))]))
    ifd = struct.unpack_from("<I", loop, 4)[0]
    n = struct.unpack_from("<H", loop, ifd)[0]
    struct.pack_into("<I", loop, ifd + 2 + 12 * n, ifd)  # next IFD = itself
    c.add("tiff_ifd_loop.tif", "TIFF", bytes(loop), "decode", "valid first page; the IFD chain loops (never read)",
          same_as="tiff_page1.tif")


# ---------------------------------------------------------------- JPEG


def gen_jpeg(c: Corpus, data_dir):
    import cv2
    import numpy as np
    from PIL import Image

    with Image.open(data_dir / "chelsea.png") as im:
        cat = im.convert("RGB")
    crops = {"97x61": cat.resize((97, 61)), "1x1": cat.resize((1, 1)), "17x33": cat.resize((17, 33)),
             "1x100": cat.resize((1, 100))}

    def save(img, **kw):
        b = io.BytesIO()
        img.save(b, "JPEG", **kw)
        return b.getvalue()

    for size, img in crops.items():
        for sub, label in ((0, "444"), (1, "422"), (2, "420")):
            for prog in (False, True):
                c.add(f"jpeg_{label}_{size}{'_progressive' if prog else ''}.jpg", "JPEG",
                      save(img, quality=90, subsampling=sub, progressive=prog), "decode",
                      "valid (Pillow writer); same libjpeg-turbo and settings as Pillow: exact")
        c.add(f"jpeg_gray_{size}.jpg", "JPEG", save(img.convert("L"), quality=85), "decode", "valid: gray")
        c.add(f"jpeg_cmyk_{size}.jpg", "JPEG", save(img.convert("CMYK"), quality=90), "decode",
              "valid: Adobe CMYK, converted with Pillow's formula")
    c.add("jpeg_optimized.jpg", "JPEG", save(crops["97x61"], quality=50, optimize=True), "decode",
          "valid: optimised Huffman tables")
    bgr = np.ascontiguousarray(np.asarray(crops["97x61"])[:, :, ::-1])
    for rst in (1, 3):
        ok, enc = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_RST_INTERVAL, rst, cv2.IMWRITE_JPEG_QUALITY, 90])
        c.add(f"jpeg_restart_{rst}.jpg", "JPEG", enc.tobytes(), "decode", "valid: restart markers (OpenCV writer)")
    ok, enc = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_RST_INTERVAL, 2])
    c.add("jpeg_progressive_restart.jpg", "JPEG", enc.tobytes(), "decode", "valid: progressive with restarts")
    exif = Image.Exif()
    exif[274] = 6
    c.add("jpeg_exif_orientation6.jpg", "JPEG", save(crops["97x61"], exif=exif.tobytes()), "decode",
          "valid: EXIF orientation applied")
    good = save(crops["97x61"], quality=90)
    sos = good.index(b"\xff\xda")
    c.add("jpeg_truncated_in_scan.jpg", "JPEG", good[:sos + 200], "error", "file cut inside the entropy data")
    c.add("jpeg_truncated_in_header.jpg", "JPEG", good[:sos // 2], "error", "file cut before the scan")
    c.add("jpeg_only_soi.jpg", "JPEG", b"\xff\xd8\xff\xd9", "error", "SOI then EOI")
    sof = good.index(b"\xff\xc0")
    bad = bytearray(good)
    bad[sof + 9] = 0  # zero components
    c.add("jpeg_sof_zero_components.jpg", "JPEG", bytes(bad), "error", "SOF with no components")
    bad = bytearray(good)
    struct.pack_into(">H", bad, sof + 5, 0)  # height 0
    c.add("jpeg_height0.jpg", "JPEG", bytes(bad), "any", "height 0 (DNL marker semantics): refused or empty")
    dht = good.index(b"\xff\xc4")
    bad = bytearray(good)
    bad[dht + 5:dht + 21] = bytes([255] * 16)  # impossible code length counts
    c.add("jpeg_bad_huffman_table.jpg", "JPEG", bytes(bad), "error", "Huffman table with too many codes")
    # Bombs.
    bad = bytearray(good)
    struct.pack_into(">HH", bad, sof + 5, 65500, 65500)
    c.add("jpeg_bomb_65500x65500.jpg", "JPEG", bytes(bad), "limit", "header above the pixel limit")
    struct.pack_into(">HH", bad, sof + 5, 13000, 13000)
    c.add_small_bomb("jpeg_bomb_13000x13000.jpg", "JPEG", bytes(bad), "169 Mpx claimed by a few KB")
    prog = save(crops["97x61"], quality=90, progressive=True)
    sof2 = prog.index(b"\xff\xc2")
    bad = bytearray(prog)
    struct.pack_into(">HH", bad, sof2 + 5, 13000, 13000)
    c.add_small_bomb("jpeg_bomb_progressive_13000x13000.jpg", "JPEG", bytes(bad),
                     "progressive 169 Mpx claimed by a few KB")


# ---------------------------------------------------------------- WebP, HEIF bombs


def gen_other_bombs(c: Corpus, data_dir):
    from PIL import Image
    b = io.BytesIO()
    with Image.open(data_dir / "chelsea.png") as im:
        im.convert("RGB").resize((64, 48)).save(b, "WEBP", quality=80)
    webp = bytearray(b.getvalue())
    vp8 = webp.index(b"VP8 ")
    frame = vp8 + 8  # frame tag (3) + start code (3) + width, height (14 bits each)
    struct.pack_into("<HH", webp, frame + 6, 16383, 16383)
    c.add("webp_bomb_16383x16383.webp", "WEBP", bytes(webp), "limit", "VP8 header above the pixel limit")
    struct.pack_into("<HH", webp, frame + 6, 13000, 13000)
    c.add_small_bomb("webp_bomb_13000x13000.webp", "WEBP", bytes(webp), "169 Mpx claimed by a 2 KB lossy file",
                     without_limit="any")
    c.entries[-1]["why"] += " (libwebp needs the output buffer before it finds the data missing: pages never " \
                            "touched, but a LimitError under a small allocation cap)"

    heic = (data_dir / "chelsea.heic").read_bytes()
    ispe = [i for i in range(len(heic)) if heic.startswith(b"ispe", i)]
    big = bytearray(heic)
    for pos in ispe:
        struct.pack_into(">II", big, pos + 8, 100000, 100000)
    c.add("heif_bomb_ispe_100000x100000.heic", "HEIF", bytes(big), "limit",
          "every image (grid and tiles) claims 100000 x 100000")
    # chelsea.heic: a 1 x 1 grid (its ImageGrid in the idat box) of one
    # 452 x 300 HEVC tile, shown as 451 x 300; the grid is the primary item.
    grid_ispe = next(p for p in ispe if struct.unpack_from(">I", heic, p + 8)[0] == 451)
    grid_data = heic.index(b"idat") + 4
    for side in (60000, 20000):
        grid = bytearray(heic)
        struct.pack_into(">II", grid, grid_ispe + 8, side, side)
        struct.pack_into(">HH", grid, grid_data + 4, side, side)
        c.add(f"heif_bomb_grid_{side}x{side}.heic", "HEIF", bytes(grid), "limit",
              f"the primary grid image claims {side} x {side} (above libheif's own limit, or only ours)")
    grid = bytearray(heic)
    grid[grid_data + 2:grid_data + 4] = b"\xff\xff"
    c.add("heif_grid_65536_tiles_one_present.heic", "HEIF", bytes(grid), "error",
          "a 256 x 256 grid of which one tile exists")


def main(argv) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    out = pathlib.Path(argv[1])
    data_dir = pathlib.Path(__file__).resolve().parents[1] / "data"
    if "--data" in argv:
        data_dir = pathlib.Path(argv[argv.index("--data") + 1])
    out.mkdir(parents=True, exist_ok=True)
    c = Corpus(out)
    gen_png(c)
    gen_gif(c)
    gen_bmp(c)
    gen_tiff(c, data_dir)
    gen_jpeg(c, data_dir)
    gen_other_bombs(c, data_dir)
    (out / "manifest.json").write_text(json.dumps(c.entries, indent=1))
    counts = {}
    for e in c.entries:
        counts[(e["format"], e["expect"])] = counts.get((e["format"], e["expect"]), 0) + 1
    print(f"gen_conformance: {len(c.entries)} files in {out}: " +
          ", ".join(f"{f} {x} {n}" for (f, x), n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
