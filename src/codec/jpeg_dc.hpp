// Internal: the luma of a baseline JPEG at 1/8 scale from its DC
// coefficients alone, with the entropy-coded data split over threads — the
// perceptual hashes' decode (phash.cpp through decode_jpeg_luma()), where
// libjpeg-turbo spends two thirds of the time in Huffman decoding on one
// core.
//
// The pixels are libjpeg-turbo's (TurboJPEG, TJPF_GRAY, scaling 1/8): its
// 1x1 inverse DCT of each 8 x 8 block of the first component,
// range_limit[DESCALE(DC * q0, 3) & 1023]. Huffman decoding is sequential
// by nature; each thread but the first starts at a byte in the middle of the
// data as if an MCU began there, and records where it believes each MCU
// starts. Decoding is deterministic, so once the thread before it (or the
// stitching that follows it) reaches an MCU start that thread recorded, the
// two agree from there on: speculative parallel Huffman decoding (as in
// Klein and Wiseman's "Parallel Huffman decoding with applications to
// JPEG files", 2003). With restart markers the threads start at restart
// intervals instead, where nothing needs guessing. A thread that never
// synchronises costs time, never correctness: the stitching then decodes
// its part itself.
//
// Thread safety: a pure function of its input; it runs its own threads and
// returns after they end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "pixelcache/image.hpp"

namespace pixelcache::detail {

/// The 1/8-scale luma of `data` (a whole JPEG file: ceil(width / 8) x
/// ceil(height / 8), 8-bit gray, stored orientation), decoded on up to
/// `threads` threads (0: the usable cores), each given at least
/// `min_segment` bytes of entropy-coded data (0: 128 KiB; tests lower it to
/// split small files), or nullopt for anything but a
/// clean baseline / extended-sequential Huffman file of one interleaved scan
/// (or a gray one) followed by EOI, 8-bit, whose first component is the
/// largest: progressive, arithmetic-coded, multi-scan, 12-bit, damaged or
/// truncated data (whatever libjpeg-turbo would warn about) are left to it.
/// The caller checks the colour space (gray or YCbCr: the first component
/// is the luma), that TurboJPEG would scale by 1/8 (a side above 4) and the
/// limits first. Never throws; nullopt also when memory runs out.
std::optional<Image> jpeg_dc_luma(std::span<const std::uint8_t> data, unsigned threads = 0,
                                  std::size_t min_segment = 0);

}  // namespace pixelcache::detail
