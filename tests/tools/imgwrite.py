"""Small pure-Python writers for PNG, GIF, TIFF and BMP, for test corpora.

Pillow and OpenCV cannot write every legal (or every broken) variant of these
formats: 2-bit gray + tRNS PNGs, Adam7 gray + alpha, chosen filter types per
row, split IDATs, GIF local colour tables, tiled or planar TIFFs, RLE BMPs.
These writers take plain lists of samples and write exactly what they are
asked to, so tests/tools/gen_conformance.py can also write hostile files.
"""
import struct
import zlib

# ---------------------------------------------------------------- PNG

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_chunk(kind: bytes, body: bytes, crc=None) -> bytes:
    """One chunk; `crc` overrides the correct CRC (for broken files)."""
    if crc is None:
        crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc & 0xFFFFFFFF)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def png_filter_row(ftype: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    """Applies PNG filter `ftype` (0..4) to one row of bytes."""
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[ftype]
        out[i] = (x - pred) & 0xFF
    return bytes(out)


def _pack_row(samples, depth: int) -> bytes:
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in samples)
    out = bytearray((len(samples) * depth + 7) // 8)
    per = 8 // depth
    for i, v in enumerate(samples):
        out[i // per] |= v << (8 - depth * (i % per + 1))
    return bytes(out)


def png_raw_stream(width, height, ctype, depth, pixels, interlace=False, filters=lambda p, y: 0) -> bytes:
    """The filtered (uncompressed) image data. `pixels[y][x]` is a tuple of
    channel samples; `filters(pass, y)` picks each row's filter type."""
    ch = PNG_CHANNELS[ctype]
    bpp = max(1, ch * depth // 8)
    passes = ADAM7 if interlace else ((0, 0, 1, 1),)
    raw = bytearray()
    for p, (x0, y0, dx, dy) in enumerate(passes):
        xs = range(x0, width, dx)
        ys = range(y0, height, dy)
        if not xs or not ys:
            continue  # empty passes have no rows at all
        prev = None
        for n, y in enumerate(ys):
            row = _pack_row([s for x in xs for s in pixels[y][x]], depth)
            if prev is None:
                prev = bytes(len(row))
            f = filters(p, n) % 5
            raw += bytes([f]) + png_filter_row(f, row, prev, bpp)
            prev = row
    return bytes(raw)


def png_encode(width, height, ctype, depth, pixels, *, interlace=False, filters=lambda p, y: 0, palette=None,
               trns=None, idat_split=None, level=6, before_idat=(), after_idat=(), ihdr=None) -> bytes:
    """A PNG file. `palette`: list of (r, g, b); `trns`: raw tRNS body;
    `idat_split`: list of chunk sizes for the zlib stream (the rest goes in a
    last chunk; 0 writes an empty IDAT); `before_idat` / `after_idat`: extra
    encoded chunks; `ihdr`: override of the 13-byte IHDR body."""
    body = ihdr if ihdr is not None else struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0, int(interlace))
    out = PNG_SIGNATURE + png_chunk(b"IHDR", body)
    if palette is not None:
        out += png_chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    out += b"".join(before_idat)
    z = zlib.compress(png_raw_stream(width, height, ctype, depth, pixels, interlace, filters), level)
    out += b"".join(png_chunk(b"IDAT", part) for part in split_bytes(z, idat_split))
    out += b"".join(after_idat)
    return out + png_chunk(b"IEND", b"")


def split_bytes(data: bytes, sizes):
    """`data` cut into pieces of the given sizes, the rest in a last piece."""
    parts, pos = [], 0
    for n in sizes or ():
        parts.append(data[pos:pos + n])
        pos += n
    parts.append(data[pos:])
    return parts


def png_chunks(data: bytes):
    """(offset, type, body) of each chunk of a PNG (for mutations)."""
    pos, out = 8, []
    while pos + 12 <= len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        out.append((pos, data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


# ---------------------------------------------------------------- GIF


class LsbBits:
    """Variable-width codes packed least significant bit first (GIF LZW)."""

    def __init__(self):
        self.acc = self.nbits = 0
        self.out = bytearray()

    def put(self, code: int, width: int):
        self.acc |= code << self.nbits
        self.nbits += width
        while self.nbits >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.nbits -= 8

    def flush(self) -> bytes:
        if self.nbits:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def lzw_encode(indices, min_code_size: int) -> bytes:
    """GIF LZW (variable code width, LSB first) of a list of indices."""
    clear, eoi = 1 << min_code_size, (1 << min_code_size) + 1
    bits = LsbBits()
    put = bits.put

    def reset():
        return {(i,): i for i in range(clear)}, eoi + 1, min_code_size + 1

    table, next_code, width = reset()
    put(clear, width)
    w = ()
    for k in indices:
        wk = w + (k,)
        if wk in table:
            w = wk
            continue
        put(table[w], width)
        if next_code < 4096:
            table[wk] = next_code
            next_code += 1
            if next_code > (1 << width) and width < 12:
                width += 1
        else:
            put(clear, width)
            table, next_code, width = reset()
        w = (k,)
    if w:
        put(table[w], width)
    put(eoi, width)
    return bits.flush()


def gif_sub_blocks(data: bytes) -> bytes:
    return b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255)) + b"\0"


def _colour_table(palette):
    """Packed colour table padded to a power of two, and its size field."""
    n = 2
    while n < len(palette):
        n *= 2
    field = n.bit_length() - 2
    return b"".join(bytes(c) for c in palette) + bytes(3 * (n - len(palette))), field


def gif_encode(screen_w, screen_h, frames, *, global_palette=None, background=0) -> bytes:
    """A GIF89a. Each frame is a dict: left, top, width, height, indices
    (row-major, in display order), optional palette (local table),
    interlace, transparent (index), min_code_size."""
    out = bytearray(b"GIF89a")
    flags, table = 0, b""
    if global_palette is not None:
        table, field = _colour_table(global_palette)
        flags = 0x80 | (7 << 4) | field
    out += struct.pack("<HHBBB", screen_w, screen_h, flags, background, 0) + table
    for f in frames:
        if f.get("transparent") is not None:
            out += b"\x21\xF9\x04" + struct.pack("<BHB", 1, 0, f["transparent"]) + b"\0"
        lflags, ltable = 0, b""
        if f.get("palette") is not None:
            ltable, field = _colour_table(f["palette"])
            lflags = 0x80 | field
        w, h = f["width"], f["height"]
        rows = [f["indices"][y * w:(y + 1) * w] for y in range(h)]
        if f.get("interlace"):
            lflags |= 0x40
            order = [y for start, step in ((0, 8), (4, 8), (2, 4), (1, 2)) for y in range(start, h, step)]
            rows = [rows[y] for y in order]
        out += b"\x2C" + struct.pack("<HHHHB", f["left"], f["top"], w, h, lflags) + ltable
        mcs = f.get("min_code_size", 8)
        out += bytes([mcs]) + gif_sub_blocks(f.get("lzw") or lzw_encode([i for r in rows for i in r], mcs))
    return bytes(out + b"\x3B")


def lzw_single_colour_bomb(index: int, codes: int, min_code_size: int = 8) -> bytes:
    """An LZW stream that grows one string of `index` to the longest the
    table allows, then repeats it: about 4000 pixels per 12-bit code."""
    clear, eoi = 1 << min_code_size, (1 << min_code_size) + 1
    seq = [clear, index]
    nxt = eoi + 1
    while nxt < 4096 and len(seq) < codes:
        seq.append(nxt)  # the string one longer than the previous one
        nxt += 1
    while len(seq) < codes:
        seq.append(4095)
    bits = LsbBits()
    width, table_size = min_code_size + 1, eoi + 1
    for i, code in enumerate(seq):
        bits.put(code, width)
        if i >= 2 and table_size < 4096:
            table_size += 1  # the decoder adds one entry per code after the first
            if table_size >= (1 << width) and width < 12:
                width += 1
    bits.put(eoi, width)
    return bits.flush()


# ---------------------------------------------------------------- TIFF

TIFF_TYPES = {1: "B", 2: "s", 3: "H", 4: "I", 16: "Q"}


def tiff_encode(entries, chunks, *, big_endian=False, extra_ifds=0) -> bytes:
    """A baseline TIFF. `entries`: {tag: (type, [values])} without the
    offset/byte-count tags, which are written for `chunks` (strips, or tiles
    when tag 322 is present). `extra_ifds` chains that many copies of the
    directory after the first (multi-page bombs)."""
    e = ">" if big_endian else "<"
    tiled = 322 in entries
    out = bytearray(b"MM\0*" if big_endian else b"II*\0") + struct.pack(e + "I", 0)
    offsets = []
    for c in chunks:
        offsets.append(len(out))
        out += c
    if len(out) % 2:
        out += b"\0"
    tags = dict(entries)
    tags[324 if tiled else 273] = (4, offsets)
    tags[325 if tiled else 279] = (4, [len(c) for c in chunks])
    ifd_offsets = []
    prev_next = None  # where the previous IFD's next-IFD offset is
    for _ in range(1 + extra_ifds):
        ifd_offsets.append(len(out))
        data_area = bytearray()
        ifd_size = 2 + 12 * len(tags) + 4
        base = len(out) + ifd_size
        body = struct.pack(e + "H", len(tags))
        for tag in sorted(tags):
            typ, values = tags[tag]
            if typ == 2:
                raw = values if isinstance(values, bytes) else bytes(values)
                count = len(raw)
            else:
                raw = struct.pack(e + TIFF_TYPES[typ] * len(values), *values)
                count = len(values)
            if len(raw) <= 4:
                field = raw + bytes(4 - len(raw))
            else:
                field = struct.pack(e + "I", base + len(data_area))
                data_area += raw + (b"\0" if len(raw) % 2 else b"")
            body += struct.pack(e + "HHI", tag, typ, count) + field
        nxt_pos = len(out) + len(body)
        out += body + struct.pack(e + "I", 0) + data_area
        if prev_next is not None:
            struct.pack_into(e + "I", out, prev_next, ifd_offsets[-1])
        prev_next = nxt_pos
    struct.pack_into(e + "I", out, 4, ifd_offsets[0])
    return bytes(out)


def tiff_pack(samples, depth: int, big_endian=False) -> bytes:
    """One row (or tile row) of samples at 1, 8 or 16 bits."""
    if depth == 16:
        return struct.pack((">" if big_endian else "<") + "H" * len(samples), *samples)
    return _pack_row(samples, depth)


def tiff_predict(row_samples, channels: int, depth: int):
    """Horizontal differencing (Predictor 2) of one row of samples."""
    mod = 1 << depth
    out = list(row_samples)
    for i in range(len(out) - 1, channels - 1, -1):
        out[i] = (out[i] - out[i - channels]) % mod
    return out


# ---------------------------------------------------------------- BMP


def bmp_encode(width, height, bpp, rows, *, palette=None, top_down=False, compression=0, rle=None,
               bitfields=None) -> bytes:
    """A BITMAPINFOHEADER BMP. `rows`: packed row bytes top to bottom (each
    padded to 4 bytes by this function); `rle`: the RLE4/RLE8 stream
    instead of rows (compression 2 or 1)."""
    pal = b"".join(bytes((b, g, r, 0)) for r, g, b in (palette or []))
    masks = b"".join(struct.pack("<I", m) for m in bitfields) if bitfields else b""
    if rle is not None:
        pixels = rle
    else:
        stride = (width * bpp + 31) // 32 * 4
        ordered = rows if top_down else rows[::-1]
        pixels = b"".join(r + bytes(stride - len(r)) for r in ordered)
    offset = 14 + 40 + len(masks) + len(pal)
    header = struct.pack("<2sIHHI", b"BM", offset + len(pixels), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, -height if top_down else height, 1, bpp, compression,
                       len(pixels), 2835, 2835, len(palette or []), 0)
    return header + info + masks + pal + pixels


def bmp_rle8(rows) -> bytes:
    """RLE8 of index rows (top to bottom), written bottom-up, with runs and
    absolute runs, end-of-line and end-of-bitmap codes."""
    out = bytearray()
    for row in rows[::-1]:
        x = 0
        while x < len(row):
            run = 1
            while x + run < len(row) and row[x + run] == row[x] and run < 255:
                run += 1
            if run >= 3 or len(row) - x < 3:
                out += bytes((run, row[x]))
                x += run
            else:
                n = min(255, len(row) - x)
                lit = row[x:x + n]
                out += bytes((0, n)) + bytes(lit) + (b"\0" if n % 2 else b"")
                x += n
        out += b"\0\0"
    return bytes(out + b"\0\1")


def bmp_rle4(rows) -> bytes:
    """RLE4 of 4-bit index rows: encoded runs of alternating nibble pairs and
    absolute runs (padded to 16 bits). Absolute runs have even lengths only:
    Pillow 9.4 reads n // 2 bytes for one of odd length n (a nibble short)."""
    out = bytearray()
    for row in rows[::-1]:
        x = 0
        while x < len(row):
            if len(row) - x >= 4 and row[x] == row[x + 2] and row[x + 1] == row[x + 3]:
                run = 4
                while x + run < len(row) and run < 255 and row[x + run] == row[x + run % 2]:
                    run += 1
                out += bytes((run, (row[x] << 4) | (row[x + 1] if run > 1 else 0)))
                x += run
            else:
                n = min(len(row) - x, 8)
                if n >= 4:  # an absolute run, of even length (see bmp_rle4's docstring)
                    n -= n % 2
                    packed = bytes((row[x + i] << 4) | row[x + i + 1] for i in range(0, n, 2))
                    out += bytes((0, n)) + packed + (b"\0" if len(packed) % 2 else b"")
                else:
                    n = min(n, 2)
                    out += bytes((n, (row[x] << 4) | (row[x + 1] if n > 1 else 0)))
                x += n
        out += b"\0\0"
    return bytes(out + b"\0\1")
