#!/usr/bin/python3
"""Runs the C++ benchmarks and times the peers (Pillow, OpenCV) on the same
inputs in the same run, then prints the ratios (pixelcache / peer, lower is
better) as a Markdown table.

    /usr/bin/python3 bench/compare.py [--build build/release] [--repeat 15] [--write doc/benchmarks.md]
"""
import argparse
import json
import pathlib
import subprocess
import sys

import cv2
import numpy as np
from PIL import Image, ImageOps
import io

import report  # bench/report.py
from timing import median_ms  # bench/timing.py


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--repeat", type=int, default=15)
    report.add_write_option(ap)
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    data = build / "bench" / "data"
    ours = {}
    for prog in ("bench_core", "bench_ops"):
        out = build / "bench" / f"{prog}.json"
        subprocess.run([build / "bench" / prog, "--benchmark_repetitions=5",
                        "--benchmark_report_aggregates_only=true", f"--benchmark_out={out}",
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for b in json.loads(out.read_text())["benchmarks"]:
            if b.get("aggregate_name") == "median":
                scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6}[b["time_unit"]]
                ours[b["run_name"].split("/")[0]] = b["real_time"] * scale

    jpg = (data / "photo_12mp.jpg").read_bytes()
    png = (data / "photo_12mp.png").read_bytes()

    def pil_decode(b):
        def f():
            with Image.open(io.BytesIO(b)) as im:
                im.load()
        return f

    def cv_decode(b):
        arr = np.frombuffer(b, np.uint8)
        return lambda: cv2.imdecode(arr, cv2.IMREAD_COLOR)

    peers = {
        "jpeg_pil": median_ms(pil_decode(jpg), args.repeat),
        "jpeg_cv": median_ms(cv_decode(jpg), args.repeat),
        "png_pil": median_ms(pil_decode(png), args.repeat),
        "png_cv": median_ms(cv_decode(png), args.repeat),
    }
    # PNG encoding at level 6 (Pillow's default and ours; OpenCV's is 1).
    enc_img = Image.open(io.BytesIO(png)).convert("RGB")
    enc_arr = cv2.cvtColor(np.asarray(enc_img), cv2.COLOR_RGB2BGR)
    slow = max(3, args.repeat // 5)
    peers["pngenc_pil"] = median_ms(lambda: enc_img.save(io.BytesIO(), "PNG"), slow)
    peers["pngenc_cv"] = median_ms(lambda: cv2.imencode(".png", enc_arr, [cv2.IMWRITE_PNG_COMPRESSION, 6]), slow)
    # Operations on the decoded 12 MP photo.
    pil_img = Image.open(io.BytesIO(png)).convert("RGB")
    pil_img.load()
    arr = np.asarray(pil_img)
    gray_arr = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    pil_gray = pil_img.convert("L")
    h, w = arr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 45, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2

    def pil_pad():
        canvas = Image.new("RGB", (4200, 3200))
        canvas.paste(pil_img, (100, 100))
        return canvas

    planes = cv2.split(arr)
    flipped = pil_img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    arr_flipped = np.ascontiguousarray(arr[:, ::-1])
    mask = (np.asarray(pil_gray) > 153).astype(np.uint8)

    def cv_boxes():
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        return [(x, y, x + w, y + h) for x, y, w, h, _ in stats[1:]]

    from PIL import ImageDraw, ImageFont
    astro = Image.open("assets/astronaut.png").convert("RGB")
    font = ImageFont.truetype("/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf", 40)

    def pil_grid():
        g = Image.new("RGB", (2 * 512, 64 + 4 * 512))
        d = ImageDraw.Draw(g)
        for k, label in enumerate(("first label", "second label")):
            d.text((k * 512 + 256, 32), label, font=font, anchor="mm", fill="white")
            for i in range(4):
                g.paste(astro, (k * 512, 64 + i * 512))
        return g

    ops = {
        "blend_pil": median_ms(lambda: Image.blend(pil_img, flipped, 0.3), args.repeat),
        "blend_cv": median_ms(lambda: cv2.addWeighted(arr, 0.7, arr_flipped, 0.3, 0), args.repeat),
        "bbox_cv": median_ms(cv_boxes, args.repeat),
        "grid_pil": median_ms(pil_grid, args.repeat),
        "resize_pil": median_ms(lambda: pil_img.resize((256, 256), Image.Resampling.BILINEAR), args.repeat),
        "resize_cv": median_ms(lambda: cv2.resize(arr, (256, 256), interpolation=cv2.INTER_AREA), args.repeat),
        "rotate_pil": median_ms(lambda: pil_img.rotate(45, Image.Resampling.BILINEAR, expand=True), args.repeat),
        "rotate_cv": median_ms(lambda: cv2.warpAffine(arr, m, (nw, nh), flags=cv2.INTER_LINEAR), args.repeat),
        "gray_pil": median_ms(lambda: pil_img.convert("L"), args.repeat),
        "gray_cv": median_ms(lambda: cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY), args.repeat),
        "eq_pil": median_ms(lambda: ImageOps.equalize(pil_gray), args.repeat),
        "eq_cv": median_ms(lambda: cv2.equalizeHist(gray_arr), args.repeat),
        "eq_rgb_cv": median_ms(lambda: [cv2.equalizeHist(p) for p in planes], args.repeat),
        "pad_pil": median_ms(pil_pad, args.repeat),
        "pad_cv": median_ms(lambda: cv2.copyMakeBorder(arr, 100, 100, 100, 100, cv2.BORDER_CONSTANT), args.repeat),
    }

    # The whole process, 12 MP JPEG file -> 256x256 PNG file, as separate
    # processes (start-up included on both sides), and Pillow with draft().
    jpg_path = data / "photo_12mp.jpg"
    tmp = (build / "bench" / "thumb").resolve()
    tmp.mkdir(exist_ok=True)
    cli = build / "cli" / "pixelcache"
    proc = {
        "ours": median_ms(lambda: subprocess.run([cli, "run", jpg_path, "-o", tmp / "a.png", "resize:256x256"],
                                               check=True), args.repeat),
        "vips": median_ms(lambda: subprocess.run(["vipsthumbnail", jpg_path, "-s", "256x256!", "-o",
                                                str(tmp / "b.png")], check=True), args.repeat),
    }

    def pil_thumb():
        with Image.open(jpg_path) as im:
            im.draft("RGB", (256, 256))
            im.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR).save(io.BytesIO(), "PNG")

    proc["pil"] = median_ms(pil_thumb, args.repeat)

    # Quality of the antialiased resize: mean abs difference to Pillow.
    subprocess.run([cli, "run", data / "photo_12mp.png", "-o", tmp / "r.png", "resize:256x256"], check=True)
    ours_small = np.asarray(Image.open(tmp / "r.png"), dtype=np.int16)
    pil_small = np.asarray(pil_img.resize((256, 256), Image.Resampling.BILINEAR), dtype=np.int16)
    resize_mad = float(np.abs(ours_small - pil_small).mean())

    rows = [
        ("digest of 12 MP RGB (first time)", ours["BM_Digest12MP"], "memcpy (C++)", ours["BM_Memcpy12MP"], "<= 1.0"),
        ("JPEG decode 12 MP", ours["BM_DecodeJpeg12MP"], "Pillow", peers["jpeg_pil"], ""),
        ("JPEG decode 12 MP", ours["BM_DecodeJpeg12MP"], "OpenCV imdecode", peers["jpeg_cv"], "<= 0.8 of faster"),
        ("PNG decode 12 MP", ours["BM_DecodePng12MP"], "Pillow", peers["png_pil"], ""),
        ("PNG decode 12 MP", ours["BM_DecodePng12MP"], "OpenCV imdecode", peers["png_cv"], "<= 0.8 of faster"),
        ("PNG encode 12 MP (level 6)", ours["BM_EncodePng12MP"], "Pillow", peers["pngenc_pil"], ""),
        ("PNG encode 12 MP (level 6)", ours["BM_EncodePng12MP"], "OpenCV imencode", peers["pngenc_cv"], ""),
        ("resize 12 MP -> 256x256 (antialiased)", ours["BM_Resize12MPTo256"], "Pillow BILINEAR", ops["resize_pil"],
         "<= 0.3"),
        ("resize 12 MP -> 256x256 (antialiased)", ours["BM_Resize12MPTo256"], "OpenCV INTER_AREA", ops["resize_cv"], ""),
        ("rotate 45 (expand)", ours["BM_Rotate45"], "Pillow", ops["rotate_pil"], ""),
        ("rotate 45 (expand)", ours["BM_Rotate45"], "OpenCV warpAffine", ops["rotate_cv"], "<= 1.0 of faster"),
        ("to_gray", ours["BM_ToGray"], "Pillow convert(L)", ops["gray_pil"], ""),
        ("to_gray", ours["BM_ToGray"], "OpenCV cvtColor", ops["gray_cv"], "<= 1.0 of faster"),
        ("equalize_hist (gray)", ours["BM_EqualizeHist"], "Pillow ImageOps.equalize", ops["eq_pil"], ""),
        ("equalize_hist (gray)", ours["BM_EqualizeHist"], "OpenCV equalizeHist", ops["eq_cv"], "<= 1.0 of faster"),
        ("equalize_hist (RGB, per channel)", ours["BM_EqualizeHistRgb"], "OpenCV equalizeHist x3 (planes)",
         ops["eq_rgb_cv"], "<= 0.5"),
        ("blend 0.3", ours["BM_Blend"], "Pillow Image.blend", ops["blend_pil"], ""),
        ("blend 0.3", ours["BM_Blend"], "OpenCV addWeighted", ops["blend_cv"], "<= 1.0 of faster"),
        ("mask2bbox (noisy mask, many regions)", ours["BM_Mask2Bbox"], "OpenCV components + list", ops["bbox_cv"],
         "<= 1.0"),
        ("make_image_grid, 8 cells + labels", ours["BM_Grid8"], "Pillow paste + ImageDraw", ops["grid_pil"], ""),
        ("center_pad +200 px", ours["BM_CenterPad"], "Pillow new+paste", ops["pad_pil"], ""),
        ("center_pad +200 px", ours["BM_CenterPad"], "OpenCV copyMakeBorder", ops["pad_cv"], "<= 1.0 of faster"),
        ("12 MP JPEG -> 256x256 PNG (processes)", proc["ours"], "vipsthumbnail", proc["vips"], "< 1.0"),
        ("12 MP JPEG -> 256x256 PNG (in process)", ours["BM_JpegToThumbnailPng"], "Pillow draft+resize",
         proc["pil"], "< 1.0"),
    ]
    out = [f"Pillow {Image.__version__}, OpenCV {cv2.__version__}; median of {args.repeat} runs (peers) / 5 "
           f"repetitions (pixelcache).", "",
           "| work | pixelcache ms | peer | peer ms | ratio | target |", "| --- | ---: | --- | ---: | ---: | --- |"]
    for work, mine, peer, theirs, target in rows:
        out.append(f"| {work} | {mine:.2f} | {peer} | {theirs:.2f} | **{mine / theirs:.2f}x** | {target} |")
    out += ["", f"Cached `digest()`: {ours['BM_DigestCached'] * 1e6:.1f} ns per call. Resize 12 MP -> 256x256: mean "
                f"absolute difference to Pillow `BILINEAR` {resize_mad:.3f} levels (target < 1)."]
    report.emit(args, "core", "bench/compare.py", "\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
