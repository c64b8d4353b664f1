// HEIC / HEIF (and AVIF where libheif has a decoder) through libheif.
// libheif applies the container's irot / imir transforms itself; the EXIF
// orientation of a HEIF is ignored, as the HEIF specification requires.
#include <libheif/heif.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "heif_boxes.hpp"
#include "heif_common.hpp"
#include "heif_grid.hpp"

namespace pixelcache::detail {

void heif_check(const DecodeInput& in, const char* name, const heif_error& err) {
  if (err.code == heif_error_Ok) return;
  if (err.subcode == heif_suberror_Security_limit_exceeded)
    throw LimitError(message_prefix(in, name) + escape_bytes(err.message) + " (libheif's limit; max_pixels is " +
                     std::to_string(in.options.max_pixels) + ")");
  decode_fail(in, name, err.message);
}

HeifContext new_heif_context(const DecodeInput& in, const char* name) {
  HeifContext ctx(heif_context_alloc(), &heif_context_free);
  if (!ctx) decode_fail(in, name, "cannot create a decoder");
  // libheif's own limit on the sides of ispe and grid / overlay canvases
  // (32768 by default): no side can be longer than max_pixels. (The AV1
  // plugin's dav1d frame_size_limit, 32768 * 32768, cannot be set through
  // libheif 1.15: check_coded_sizes() covers it.)
  heif_context_set_maximum_image_size_limit(ctx.get(),
                                            static_cast<int>(std::min<std::uint64_t>(in.options.max_pixels, 32768)));
  return ctx;
}

namespace {

using bmff::find_box;
using bmff::find_top_box;
using bmff::item_data;
using bmff::item_extents;
using bmff::item_properties;
using bmff::property_associations;
using bmff::read_be;

// Derived images ('grid', 'iden', 'iovl') name their inputs with 'dimg'
// references in meta/iref. libheif 1.15 follows them without a depth or
// cycle check: a grid listing itself as its tile recurses, one thread a
// level, until thread creation fails (a 1 KB file: 19 s, 900 MB). Real files
// derive at most two levels (iden -> grid -> tiles) with a few thousand
// tiles, so deeper or cyclic graphs, or more references, are refused before
// libheif decodes (tests/fuzz/regressions/fuzz_decode_heif).
constexpr int kMaxDerivationDepth = 4;
constexpr std::size_t kMaxDerivedInputs = 4096;

// Refuses a 'dimg' graph with a cycle, more than kMaxDerivationDepth levels
// or more than kMaxDerivedInputs references. `meta`: the top-level meta box.
void check_derivations(const DecodeInput& in, const char* name, std::optional<std::span<const std::uint8_t>> meta) {
  if (!meta || meta->size() < 4) return;
  const auto iref = find_box(meta->subspan(4), "iref");  // meta and iref are full boxes
  if (!iref || iref->size() < 4) return;
  const std::size_t id_bytes = (*iref)[0] == 0 ? 2 : 4;
  auto read_id = [&](std::span<const std::uint8_t> b, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < id_bytes; ++i) v = (v << 8) | b[at + i];
    return v;
  };
  std::map<std::uint32_t, std::vector<std::uint32_t>> inputs;  // derived item -> its inputs
  // Adds one reference body (from_item_ID, reference_count, to_item_IDs) to
  // `inputs`; `references` counts one reading of iref (there are two below).
  auto add = [&](std::span<const std::uint8_t> body, std::size_t& references) {
    if (body.size() < id_bytes + 2) return;
    const std::size_t count = (body[id_bytes] << 8) | body[id_bytes + 1];
    auto& list = inputs[read_id(body, 0)];
    for (std::size_t i = 0; i < count && id_bytes + 2 + (i + 1) * id_bytes <= body.size(); ++i)
      list.push_back(read_id(body, id_bytes + 2 + i * id_bytes));
    references += std::min(count, (body.size() - id_bytes - 2) / id_bytes);
    if (references > kMaxDerivedInputs)
      decode_fail(in, name, "more than " + std::to_string(kMaxDerivedInputs) + " derived-image inputs ('dimg')");
  };
  // The references as their box sizes delimit them ...
  std::size_t by_size = 0, in_sequence = 0;
  for (auto rest = iref->subspan(4); const auto dimg = find_box(rest, "dimg");) {
    add(*dimg, by_size);
    rest = rest.subspan(static_cast<std::size_t>(dimg->data() + dimg->size() - rest.data()));
  }
  // ... and as libheif 1.15 reads them: one after the other, each box's
  // size ignored (a 'dimg' whose size runs past iref is still followed
  // there: tests/fuzz/regressions/fuzz_decode_heif/heic-dimg-size-past-iref-*).
  for (auto rest = iref->subspan(4); rest.size() >= 8 + id_bytes + 2;) {
    const bool large = rest[0] == 0 && rest[1] == 0 && rest[2] == 0 && rest[3] == 1;
    const std::size_t header = large ? 16 : 8;
    if (rest.size() < header + id_bytes + 2) break;
    const bool is_dimg = std::memcmp(rest.data() + 4, "dimg", 4) == 0;
    const auto body = rest.subspan(header);
    const std::size_t count = (body[id_bytes] << 8) | body[id_bytes + 1];
    const std::size_t length = std::min(body.size(), id_bytes + 2 + count * id_bytes);
    if (is_dimg) add(body.first(length), in_sequence);
    rest = body.subspan(length);
  }
  // Depth of every derived item, by repeated relaxation: a chain deeper than
  // the limit, or a cycle (whose depth grows without end), is refused.
  std::map<std::uint32_t, int> depth;
  for (int pass = 0; pass <= kMaxDerivationDepth; ++pass) {
    bool changed = false;
    for (const auto& [item, list] : inputs) {
      int d = 1;
      for (std::uint32_t input : list) d = std::max(d, 1 + (depth.count(input) ? depth[input] : 0));
      if (d != depth[item]) depth[item] = d, changed = true;
      if (d > kMaxDerivationDepth)
        decode_fail(in, name,
                    "derived images ('dimg') nested more than " + std::to_string(kMaxDerivationDepth) +
                        " deep, or referring to themselves");
    }
    if (!changed) return;
  }
}

// The output size that every 'grid' and 'iovl' item declares must pass
// check_dimensions(): libheif 1.15 allocates the canvas from it without
// comparing it with the item's ispe (a 912-byte file whose 23x23 grid
// declares 26989x26994: 2.1 GB and a crash).
void check_derived_sizes(const DecodeInput& in, const char* name, std::optional<std::span<const std::uint8_t>> meta,
                         ByteSource& file) {
  if (!meta || meta->size() < 4) return;
  const auto children = meta->subspan(4);
  for (const auto& [id, type] : bmff::items(children)) {
    const bool grid = type == "grid", overlay = type == "iovl";
    if (!grid && !overlay) continue;
    // The description: version, flags, (rows, columns | fill colour), then
    // the output size, at most 18 bytes.
    const auto data = item_data(file, children, id, 64);
    if (!data || data->size() < 2) decode_fail(in, name, "a derived image without its description");
    const std::size_t field = ((*data)[1] & 1) ? 4 : 2;
    const std::size_t at = grid ? 4 : 10;  // after rows / columns, or after the canvas fill colour
    const auto w = read_be(*data, at, field), h = read_be(*data, at + field, field);
    if (!w || !h) decode_fail(in, name, "a truncated derived-image description");
    check_dimensions(in, name, *w, *h);
  }
}

// ---- Sizes the codecs allocate from -------------------------------------
// libheif 1.15 checks an item's ispe, but hands the coded data to the codec
// as it is, and the codec allocates its frames for the size in the
// bitstream: the AV1 sequence header's max_frame_width / height (dav1d
// allows up to 32768x32768 here: a 381-byte AVIF made it ask for 3 GB) or
// the HEVC SPS's pic_width / height_in_luma_samples (libde265: 16384x16384
// from 559 bytes, 44 s and 1.8 GB). So every coded item's ispe and every
// size its codec configuration and data declare must pass
// check_dimensions(), and a coded size must not be far above the item's
// ispe (tests/fuzz/regressions/fuzz_decode_heif/*-in-*-ispe).

// MSB-first bit reader; a read past the end sets failed() and returns 0.
class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> data) : data_(data) {}
  std::uint32_t bits(int n) {  // n <= 32
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= data_.size() * 8) {
        failed_ = true;
        return 0;
      }
      v = (v << 1) | ((data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
      ++pos_;
    }
    return v;
  }
  void skip(std::size_t n) {
    if (n > data_.size() * 8 - pos_) failed_ = true;
    pos_ = std::min(pos_ + n, data_.size() * 8);
  }
  // Leading zeros before a one bit (at most `limit`; more is a failure).
  int leading_zeros(int limit) {
    int zeros = 0;
    while (!failed_ && bits(1) == 0)
      if (++zeros > limit) failed_ = true;
    return zeros;
  }
  // HEVC ue(v).
  std::uint64_t ue() {
    const int zeros = leading_zeros(32);
    return failed_ ? 0 : (std::uint64_t{1} << zeros) - 1 + bits(zeros);
  }
  bool failed() const { return failed_; }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

struct CodedSize {
  std::uint64_t width, height;
};

// What the frame headers of an AV1 sequence need from its sequence header
// (AV1 specification 5.5, as dav1d 1.0 reads it).
struct Av1Sequence {
  CodedSize max;  // max_frame_width / height
  int width_bits = 0, height_bits = 0;
  bool reduced = false;
  bool decoder_model_info = false, equal_picture_interval = false;
  int presentation_time_bits = 0, removal_time_bits = 0;
  std::vector<std::pair<std::uint32_t, bool>> operating_points;  // idc, decoder model present
  int frame_id_bits = 0, delta_frame_id_bits = 0;                // 0: no frame ids
  int order_hint_bits = 0;                                       // 0: no order hints
  int screen_content_tools = 2, integer_mv = 2;                  // 2: chosen per frame
};

// An AV1 sequence header OBU's payload; nullopt when it is truncated or
// malformed before the fields needed (the decoder refuses it too).
std::optional<Av1Sequence> av1_sequence(std::span<const std::uint8_t> payload) {
  BitReader r(payload);
  Av1Sequence q;
  r.skip(4);  // seq_profile, still_picture
  q.reduced = r.bits(1);
  if (q.reduced) {
    r.skip(5);  // seq_level_idx[0]
  } else {
    int buffer_delay_bits = 0;
    if (r.bits(1)) {  // timing_info_present_flag
      r.skip(64);     // num_units_in_display_tick, time_scale
      q.equal_picture_interval = r.bits(1);
      if (q.equal_picture_interval) {  // num_ticks_per_picture_minus_1, uvlc()
        const int zeros = r.leading_zeros(31);
        r.skip(static_cast<std::size_t>(zeros));
      }
      q.decoder_model_info = r.bits(1);
      if (q.decoder_model_info) {
        buffer_delay_bits = static_cast<int>(r.bits(5)) + 1;
        r.skip(32);  // num_units_in_decoding_tick
        q.removal_time_bits = static_cast<int>(r.bits(5)) + 1;
        q.presentation_time_bits = static_cast<int>(r.bits(5)) + 1;
      }
    }
    const bool initial_display_delay = r.bits(1);
    const int operating_points = static_cast<int>(r.bits(5)) + 1;
    for (int i = 0; i < operating_points && !r.failed(); ++i) {
      const std::uint32_t idc = r.bits(12);
      if (r.bits(5) > 7) r.skip(1);  // seq_level_idx, seq_tier
      const bool decoder_model = q.decoder_model_info && r.bits(1);
      if (decoder_model) r.skip(2 * static_cast<std::size_t>(buffer_delay_bits) + 1);
      if (initial_display_delay && r.bits(1)) r.skip(4);
      q.operating_points.emplace_back(idc, decoder_model);
    }
  }
  q.width_bits = static_cast<int>(r.bits(4)) + 1, q.height_bits = static_cast<int>(r.bits(4)) + 1;
  q.max.width = std::uint64_t{r.bits(q.width_bits)} + 1;
  q.max.height = std::uint64_t{r.bits(q.height_bits)} + 1;
  if (!q.reduced) {
    if (r.bits(1)) {  // frame_id_numbers_present_flag
      q.delta_frame_id_bits = static_cast<int>(r.bits(4)) + 2;
      q.frame_id_bits = static_cast<int>(r.bits(3)) + 1 + q.delta_frame_id_bits;
    }
    r.skip(3 + 4);  // 128x128 superblocks, filter intra, intra edge; interintra, masked, warped, dual filter
    const bool order_hint = r.bits(1);
    if (order_hint) r.skip(2);  // jnt_comp, ref_frame_mvs
    q.screen_content_tools = r.bits(1) ? 2 : static_cast<int>(r.bits(1));
    if (q.screen_content_tools > 0) q.integer_mv = r.bits(1) ? 2 : static_cast<int>(r.bits(1));
    if (order_hint) q.order_hint_bits = static_cast<int>(r.bits(3)) + 1;
  }
  if (r.failed()) return std::nullopt;
  return q;
}

// The frame size a frame header OBU (frame, frame header, redundant frame
// header) of sequence `q` declares, read as dav1d 1.0 reads it: the
// sequence's maximum unless frame_size_override_flag is set, and then the
// size in the header, which dav1d does not compare with the maximum (an
// inter frame may take a reference frame's size instead: one checked
// before). `temporal_id` and `spatial_id` are the OBU extension's.
// A header too short to hold its size gives what its bits could hold.
CodedSize av1_frame_size(const Av1Sequence& q, std::span<const std::uint8_t> payload, int temporal_id, int spatial_id) {
  if (q.reduced) return q.max;
  BitReader r(payload);
  if (r.bits(1)) return q.max;  // show_existing_frame: no new frame
  const int frame_type = static_cast<int>(r.bits(2));
  const bool intra = frame_type == 0 || frame_type == 2, switch_frame = frame_type == 3;
  const bool show_frame = r.bits(1);
  if (show_frame && q.decoder_model_info && !q.equal_picture_interval)
    r.skip(static_cast<std::size_t>(q.presentation_time_bits));  // temporal_point_info
  if (!show_frame) r.skip(1);                                    // showable_frame
  const bool shown_key = frame_type == 0 && show_frame;
  const bool error_resilient = shown_key || switch_frame || r.bits(1);
  r.skip(1);  // disable_cdf_update
  const bool screen_content_tools = q.screen_content_tools == 2 ? r.bits(1) : q.screen_content_tools;
  if (screen_content_tools && q.integer_mv == 2) r.skip(1);  // force_integer_mv
  r.skip(static_cast<std::size_t>(q.frame_id_bits));         // current_frame_id
  const bool override = switch_frame || r.bits(1);
  if (!override) return q.max;
  r.skip(static_cast<std::size_t>(q.order_hint_bits));
  if (!error_resilient && !intra) r.skip(3);  // primary_ref_frame
  if (q.decoder_model_info && r.bits(1)) {    // buffer_removal_time_present_flag
    for (const auto& [idc, decoder_model] : q.operating_points) {
      const bool in_layers = ((idc >> temporal_id) & 1) && ((idc >> (spatial_id + 8)) & 1);
      if (decoder_model && (idc == 0 || in_layers)) r.skip(static_cast<std::size_t>(q.removal_time_bits));
    }
  }
  const std::uint32_t refresh = shown_key || switch_frame ? 0xff : r.bits(8);
  if ((!intra || refresh != 0xff) && error_resilient) r.skip(8 * static_cast<std::size_t>(q.order_hint_bits));
  if (!intra) {
    const bool short_signaling = q.order_hint_bits > 0 && r.bits(1);
    if (short_signaling) r.skip(6);  // last_frame_idx, gold_frame_idx
    for (int i = 0; i < 7; ++i) r.skip((short_signaling ? 0 : 3) + static_cast<std::size_t>(q.delta_frame_id_bits));
    if (!error_resilient)
      for (int i = 0; i < 7; ++i)
        if (r.bits(1)) return q.max;  // found_ref: a reference frame's size
  }
  const std::uint64_t width = std::uint64_t{r.bits(q.width_bits)} + 1,
                      height = std::uint64_t{r.bits(q.height_bits)} + 1;
  if (r.failed()) return {std::uint64_t{1} << q.width_bits, std::uint64_t{1} << q.height_bits};
  return {width, height};
}

// Calls f(type, temporal_id, spatial_id, payload) for every OBU of an AV1
// OBU stream (the low-overhead format of av1C's configOBUs and of av01 item
// data). A truncated last OBU is passed as far as it goes.
template <typename F>
void for_each_av1_obu(std::span<const std::uint8_t> s, F&& f) {
  while (!s.empty()) {
    const std::uint8_t header = s[0];
    const bool extension = header & 4;
    std::size_t at = extension ? 2 : 1;
    if (at > s.size()) return;
    const int temporal_id = extension ? s[1] >> 5 : 0, spatial_id = extension ? (s[1] >> 3) & 3 : 0;
    std::uint64_t size = s.size() - at;
    if (header & 2) {  // obu_has_size_field: leb128()
      size = 0;
      for (int i = 0;; ++i) {
        if (i == 8 || at >= s.size()) return;
        const std::uint8_t byte = s[at++];
        size |= std::uint64_t{byte & 0x7fu} << (7 * i);
        if (!(byte & 0x80)) break;
      }
    }
    const std::size_t available = s.size() - at;
    f((header >> 3) & 15, temporal_id, spatial_id,
      s.subspan(at, static_cast<std::size_t>(std::min<std::uint64_t>(size, available))));
    if (size >= available) return;
    s = s.subspan(at + static_cast<std::size_t>(size));
  }
}

// pic_width / height_in_luma_samples of an HEVC SPS NAL unit (two header
// bytes, then the RBSP with emulation prevention bytes; H.265 7.3.2.2);
// nullopt for other NAL units or when truncated.
std::optional<CodedSize> hevc_sps_size(std::span<const std::uint8_t> nal) {
  if (nal.size() < 3 || ((nal[0] >> 1) & 63) != 33) return std::nullopt;
  std::vector<std::uint8_t> rbsp;  // the fields needed lie within the first few hundred bytes
  int zeros = 0;
  for (std::size_t i = 2; i < nal.size() && rbsp.size() < 1024; ++i) {
    if (zeros >= 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? zeros + 1 : 0;
    rbsp.push_back(nal[i]);
  }
  BitReader r(rbsp);
  r.skip(4);                                           // sps_video_parameter_set_id
  const int sub_layers = static_cast<int>(r.bits(3));  // sps_max_sub_layers_minus1
  r.skip(1 + 88 + 8);                                  // sps_temporal_id_nesting_flag, general profile and level
  bool profile[8] = {}, level[8] = {};
  for (int i = 0; i < sub_layers; ++i) profile[i] = r.bits(1), level[i] = r.bits(1);
  if (sub_layers > 0) r.skip(2 * static_cast<std::size_t>(8 - sub_layers));
  for (int i = 0; i < sub_layers; ++i) r.skip((profile[i] ? 88 : 0) + (level[i] ? 8 : 0));
  r.ue();                      // sps_seq_parameter_set_id
  if (r.ue() == 3) r.skip(1);  // chroma_format_idc, separate_colour_plane_flag
  const std::uint64_t width = r.ue(), height = r.ue();
  if (r.failed()) return std::nullopt;
  return CodedSize{width, height};
}

// Calls f(nal) for every NAL unit of hvcC's parameter set arrays.
template <typename F>
void for_each_hvcc_nal(std::span<const std::uint8_t> hvcc, F&& f) {
  if (hvcc.size() < 23) return;
  std::size_t at = 23;
  for (int array = 0; array < hvcc[22]; ++array) {
    const auto count = read_be(hvcc, at + 1, 2);
    if (!count) return;
    at += 3;
    for (std::uint64_t i = 0; i < *count; ++i) {
      const auto length = read_be(hvcc, at, 2);
      if (!length || *length > hvcc.size() - at - 2) return;
      f(hvcc.subspan(at + 2, static_cast<std::size_t>(*length)));
      at += 2 + static_cast<std::size_t>(*length);
    }
  }
}

// Calls f(nal) for every NAL unit of hvc1 item data, which libheif 1.15
// passes to libde265 with 4-byte lengths whatever hvcC says.
template <typename F>
void for_each_hevc_nal(std::span<const std::uint8_t> data, F&& f) {
  for (std::size_t at = 0; data.size() - at >= 4;) {
    const std::uint64_t length = *read_be(data, at, 4);
    at += 4;
    f(data.subspan(at, static_cast<std::size_t>(std::min<std::uint64_t>(length, data.size() - at))));
    if (length >= data.size() - at) return;
    at += static_cast<std::size_t>(length);
  }
}

// check_dimensions() for a size that item `id` declares, `what` saying where.
void check_item_size(const DecodeInput& in, const char* name, std::uint32_t id, const std::string& what,
                     CodedSize size) {
  try {
    check_dimensions(in, name, size.width, size.height);
  } catch (const LimitError& e) {
    throw LimitError(std::string(e.what()) + " (item " + std::to_string(id) + ", " + what + ")");
  }
}

// A coded size this far above the item's ispe (per side: twice it plus 128,
// while encoders pad at most to their block size) is refused: the codec
// would allocate and decode the larger frame, libheif then fails on it.
bool far_above(CodedSize coded, CodedSize ispe) {
  return coded.width > 2 * ispe.width + 128 || coded.height > 2 * ispe.height + 128;
}

// Every coded image item (av01, hvc1; the primary image, grid tiles,
// alpha planes, thumbnails): its ispe and the frame sizes of its codec
// configuration and (with `coded_data`) data must pass check_dimensions()
// and not be far above the ispe. Without `coded_data` (the prober) the
// items' data is not read: the frame sizes inside it guard the codecs,
// which only decoding runs.
void check_coded_sizes(const DecodeInput& in, const char* name, std::optional<std::span<const std::uint8_t>> meta,
                       ByteSource& file, bool coded_data) {
  if (!meta || meta->size() < 4) return;
  const auto children = meta->subspan(4);
  const auto properties = item_properties(children);
  const auto associations = property_associations(children);
  for (const bmff::Item& item : bmff::items(children)) {
    const std::uint32_t id = item.id;  // a variable, not a binding: the lambdas below capture it
    const bool av1 = item.type == "av01", hevc = item.type == "hvc1";
    if (!av1 && !hevc) continue;
    std::optional<CodedSize> ispe;
    std::vector<std::span<const std::uint8_t>> configs;
    if (const auto found = associations.find(id); found != associations.end()) {
      for (std::size_t index : found->second) {
        if (index == 0 || index > properties.size()) continue;
        const auto& [kind, body] = properties[index - 1];
        if (kind == "ispe" && body.size() >= 12) {
          ispe = CodedSize{*read_be(body, 4, 4), *read_be(body, 8, 4)};
          check_item_size(in, name, id, "its ispe", *ispe);
        } else if (kind == (av1 ? "av1C" : "hvcC")) {
          configs.push_back(body);
        }
      }
    }
    const std::string ispe_text = ispe ? "; its ispe is " + header_size(ispe->width, ispe->height) : "";
    // `source` declares frames of `size` (at most).
    auto check_coded = [&](std::optional<CodedSize> size, const std::string& source) {
      if (!size) return;
      check_item_size(in, name, id, "the frame size its " + source + " declares" + ispe_text, *size);
      if (ispe && far_above(*size, *ispe))
        throw LimitError(message_prefix(in, name) + "item " + std::to_string(id) + ": its " + source + " declares " +
                         header_size(size->width, size->height) + " frames for a " +
                         header_size(ispe->width, ispe->height) + " image (ispe)");
    };
    std::vector<std::uint8_t> data;  // the item's extents, as libheif joins them
    if (coded_data)
      for (const auto extent : item_extents(file, children, id)) data.insert(data.end(), extent.begin(), extent.end());
    if (av1) {
      // As dav1d: each frame header belongs to the last sequence header.
      std::optional<Av1Sequence> sequence;
      auto each = [&](int type, int temporal_id, int spatial_id, std::span<const std::uint8_t> obu) {
        if (type == 1) {
          sequence = av1_sequence(obu);
          if (sequence) check_coded(sequence->max, "AV1 sequence header");
        } else if ((type == 3 || type == 6 || type == 7) && sequence) {
          check_coded(av1_frame_size(*sequence, obu, temporal_id, spatial_id), "AV1 frame header");
        }
      };
      for (const auto config : configs)
        if (config.size() > 4) for_each_av1_obu(config.subspan(4), each);
      for_each_av1_obu(data, each);
    } else {
      auto each = [&](std::span<const std::uint8_t> nal) { check_coded(hevc_sps_size(nal), "HEVC SPS"); };
      for (const auto config : configs) for_each_hvcc_nal(config, each);
      for_each_hevc_nal(data, each);
    }
  }
}

}  // namespace

namespace {

// The rotation of the primary item (its irot property: quarter turns), 0
// when it has none.
int primary_rotation(std::optional<std::span<const std::uint8_t>> meta) {
  if (!meta || meta->size() < 4) return 0;
  const auto children = meta->subspan(4);
  const auto id = bmff::primary_item(children);
  if (!id) return 0;
  const auto associations = property_associations(children);
  const auto found = associations.find(*id);
  if (found == associations.end()) return 0;
  const auto properties = item_properties(children);
  for (const std::size_t index : found->second)
    if (index >= 1 && index <= properties.size() && properties[index - 1].first == "irot" &&
        !properties[index - 1].second.empty())
      return properties[index - 1].second[0] & 3;
  return 0;
}

// The checks of the boxes before libheif decodes anything (the derivation
// graph, derived canvases, coded items' sizes), then the primary image's
// handle, its size checked against the limits.
HeifHandle primary_image(const DecodeInput& in, const char* name, heif_context* ctx, ByteSource& file,
                         std::optional<std::span<const std::uint8_t>> meta, bool coded_data) {
  check_derivations(in, name, meta);
  check_derived_sizes(in, name, meta, file);
  check_coded_sizes(in, name, meta, file, coded_data);
  heif_image_handle* raw_handle = nullptr;
  heif_check(in, name, heif_context_get_primary_image_handle(ctx, &raw_handle));
  HeifHandle handle(raw_handle, &heif_image_handle_release);
  check_dimensions(in, name, static_cast<std::uint64_t>(std::max(0, heif_image_handle_get_width(handle.get()))),
                   static_cast<std::uint64_t>(std::max(0, heif_image_handle_get_height(handle.get()))));
  return handle;
}

// A libheif reader over a ByteSource: libheif reads the boxes it parses
// (ftyp, meta) and seeks past the others (mdat), as from memory.
struct SourceReader {
  ByteSource& bytes;
  std::int64_t pos = 0;

  static std::int64_t position(void* self) { return static_cast<SourceReader*>(self)->pos; }
  static int read(void* data, std::size_t size, void* self) {
    auto* r = static_cast<SourceReader*>(self);
    const auto got = r->bytes.at(static_cast<std::uint64_t>(r->pos), size);
    if (got.size() < size) return 1;
    if (size) std::memcpy(data, got.data(), size);
    r->pos += static_cast<std::int64_t>(size);
    return 0;
  }
  static int seek(std::int64_t position, void* self) {
    auto* r = static_cast<SourceReader*>(self);
    if (position < 0 || static_cast<std::uint64_t>(position) > r->bytes.size()) return 1;
    r->pos = position;
    return 0;
  }
  static heif_reader_grow_status wait_for_file_size(std::int64_t target, void* self) {
    const auto* r = static_cast<SourceReader*>(self);
    return target < 0 || static_cast<std::uint64_t>(target) > r->bytes.size() ? heif_reader_grow_status_size_beyond_eof
                                                                              : heif_reader_grow_status_size_reached;
  }
};

}  // namespace

Decoded decode_heif(const DecodeInput& in, Format format) {
  const char* name = format == Format::AVIF ? "AVIF" : "HEIF";
  const HeifContext ctx = new_heif_context(in, name);
  heif_check(in, name, heif_context_read_from_memory_without_copy(ctx.get(), in.data.data(), in.data.size(), nullptr));
  ByteSource file(in.data);
  const auto meta = find_top_box(file, "meta");
  const HeifHandle handle = primary_image(in, name, ctx.get(), file, meta, true);
  // A grid libheif would decode as we do, tile by tile: streamed with a sink.
  if (meta && meta->size() >= 4)
    if (const auto grid = plan_grid(meta->subspan(4), file))
      if (grid->width == heif_image_handle_get_width(handle.get()) &&
          grid->height == heif_image_handle_get_height(handle.get()))
        return decode_grid(in, name, format, *grid, meta->subspan(4), file);
  heif_image* raw_img = nullptr;
  heif_check(in, name,
             heif_decode_image(handle.get(), &raw_img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr));
  std::unique_ptr<heif_image, decltype(&heif_image_release)> img(raw_img, &heif_image_release);
  const int w = heif_image_get_width(img.get(), heif_channel_interleaved);
  const int h = heif_image_get_height(img.get(), heif_channel_interleaved);
  int stride = 0;
  const std::uint8_t* plane = heif_image_get_plane_readonly(img.get(), heif_channel_interleaved, &stride);
  if (!plane || w <= 0 || h <= 0) decode_fail(in, name, "decoder returned no pixels");
  check_dimensions(in, name, static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h));
  // The image must have the size its container declares (the primary
  // handle's: ispe, clap and rotation), which is what probe() reports.
  // libheif 1.15 does not compare them: a grid canvas or a coded frame of
  // another size than the ispe came out at that size.
  const int declared_w = heif_image_handle_get_width(handle.get()),
            declared_h = heif_image_handle_get_height(handle.get());
  if (w != declared_w || h != declared_h)
    decode_fail(in, name,
                "the decoded image is " + ImageSize{h, w}.to_string() + ", its container declares " +
                    header_size(static_cast<std::uint64_t>(std::max(declared_w, 0)),
                                static_cast<std::uint64_t>(std::max(declared_h, 0))));
  Decoded out;
  out.format = format;
  out.image = Image::generate({h, w}, Mode::RGB, PixelType::U8, [&](std::span<std::byte> b) {
    const std::size_t row = static_cast<std::size_t>(w) * 3;
    for (int y = 0; y < h; ++y) std::memcpy(b.data() + y * row, plane + static_cast<std::size_t>(y) * stride, row);
  });
  return out;
}

ImageInfo probe_heif(const ProbeInput& in, Format format) {
  const char* name = format == Format::AVIF ? "AVIF" : "HEIF";
  const DecodeInput din = in.decode_input();
  SourceReader reader{in.bytes};  // outlives the context, which may read through it
  const HeifContext ctx = new_heif_context(din, name);
  // From memory as decode_heif() reads it; a file held in part through a
  // reader, so that only the boxes libheif parses are read (not the coded
  // data in mdat).
  // The meta box first, in one read: libheif then reads its boxes from it.
  const auto meta = find_top_box(in.bytes, "meta");
  const auto held = in.bytes.prefix(0);
  if (held.size() == in.bytes.size()) {
    heif_check(din, name, heif_context_read_from_memory_without_copy(ctx.get(), held.data(), held.size(), nullptr));
  } else {
    static const heif_reader kReader{1, &SourceReader::position, &SourceReader::read, &SourceReader::seek,
                                     &SourceReader::wait_for_file_size};
    heif_check(din, name, heif_context_read_from_reader(ctx.get(), &kReader, &reader, nullptr));
  }
  const HeifHandle handle = primary_image(din, name, ctx.get(), in.bytes, meta, false);
  ImageInfo info;
  // The handle's size is the decoded image's: libheif applies clap and the
  // rotation to it, as it does to the pixels. (Not always through the
  // ispe: libheif 1.15 writes the ispe of a rotated image already turned,
  // before the irot, and then does not turn it again.) Before the rotation
  // the sides are swapped for a quarter turn.
  info.size = {heif_image_handle_get_height(handle.get()), heif_image_handle_get_width(handle.get())};
  const bool quarter_turn = primary_rotation(meta) % 2 == 1;
  info.stored_size = quarter_turn ? ImageSize{info.size.width, info.size.height} : info.size;
  info.mode = Mode::RGB;
  info.frames = std::max(1, heif_context_get_number_of_top_level_images(ctx.get()));
  return info;
}

}  // namespace pixelcache::detail
