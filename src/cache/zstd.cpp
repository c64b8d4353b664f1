// zstd compression of entry bodies (entry_format.hpp).
#include <zstd.h>

#include <algorithm>
#include <memory>

#include "cache/entry_format.hpp"

namespace pixelcache::cache_detail {

namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

std::string zstd_error(std::size_t rc) { return ZSTD_getErrorName(rc); }

}  // namespace

std::vector<std::uint8_t> zstd_compress(std::span<const std::span<const std::uint8_t>> parts, int level) {
  std::size_t total = 0;
  for (auto p : parts) total += p.size();
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  if (!cctx) throw std::bad_alloc();
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setPledgedSrcSize(cctx.get(), total);
  std::vector<std::uint8_t> out(ZSTD_compressBound(total));
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    ZSTD_inBuffer ib{parts[i].data(), parts[i].size(), 0};
    for (;;) {
      const std::size_t rc = ZSTD_compressStream2(cctx.get(), &ob, &ib, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rc)) throw std::runtime_error("zstd compression failed: " + zstd_error(rc));
      if (last ? rc == 0 : ib.pos == ib.size) break;
    }
  }
  out.resize(ob.pos);
  return out;
}

std::vector<std::uint8_t> zstd_decompress(std::span<const std::uint8_t> frame, std::uint64_t size) {
  constexpr std::size_t kStep = std::size_t{1} << 20;
  ZstdReader r(frame);
  std::vector<std::uint8_t> out;
  while (out.size() < size) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(size - out.size(), std::max(kStep, out.size())));
    const std::size_t at = out.size();
    out.resize(at + n);
    r.read(std::span<std::uint8_t>(out.data() + at, n));
  }
  r.finish();
  return out;
}

struct ZstdReader::State {
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx{ZSTD_createDCtx()};
  ZSTD_inBuffer in{};
  bool frame_done = false;
};

ZstdReader::ZstdReader(std::span<const std::uint8_t> frame) : s_(new State) {
  if (!s_->dctx) {
    delete s_;
    throw std::bad_alloc();
  }
  s_->in = ZSTD_inBuffer{frame.data(), frame.size(), 0};
}

ZstdReader::~ZstdReader() { delete s_; }

void ZstdReader::read(std::span<std::uint8_t> dst) {
  ZSTD_outBuffer ob{dst.data(), dst.size(), 0};
  while (ob.pos < ob.size) {
    if (s_->frame_done) corrupt("compressed body ends early");
    const std::size_t before_in = s_->in.pos, before_out = ob.pos;
    const std::size_t rc = ZSTD_decompressStream(s_->dctx.get(), &ob, &s_->in);
    if (ZSTD_isError(rc)) corrupt("compressed body is malformed (" + zstd_error(rc) + ")");
    if (rc == 0) s_->frame_done = true;
    // No progress: the frame is truncated (zstd always progresses while it
    // has input and output space).
    if (s_->in.pos == before_in && ob.pos == before_out) corrupt("compressed body is truncated");
  }
}

void ZstdReader::finish() {
  if (!s_->frame_done) {
    // The output may be complete while the decoder still holds the frame's
    // epilogue (checksum, last block header): drain without output space.
    std::uint8_t extra;
    ZSTD_outBuffer ob{&extra, 1, 0};
    const std::size_t rc = ZSTD_decompressStream(s_->dctx.get(), &ob, &s_->in);
    if (ZSTD_isError(rc)) corrupt("compressed body is malformed (" + zstd_error(rc) + ")");
    if (ob.pos != 0) corrupt("compressed body is longer than announced");
    if (rc != 0) corrupt("compressed body is truncated");
  }
  if (s_->in.pos != s_->in.size) corrupt("bytes after the compressed body");
}

}  // namespace pixelcache::cache_detail
