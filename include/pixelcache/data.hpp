// pixelcache/data.hpp — the per-sample work of a training-data pipeline and
// a batch loader on C++ threads. The Python package's pixelcache.data
// (ImageDataset, ImageFolder, Loader) runs on it: its __getitem__ and its
// Loader's threads call the same SampleSource, so both give the same bits
// for the same (seed, epoch, index).
//
// One sample — SampleSource::sample(path, epoch, index):
//   1. Content digest. The file is stat()ed (size, st_mtim in nanoseconds,
//      inode, device). When the stat index (below) knows that stat, the
//      digest comes from it; otherwise the file is read and hashed
//      (XXH3-128 of its bytes, digest_bytes()) and the index updated.
//   2. Transformed image. Looked up in the cache under transform_key()
//      (namespace, "pixelcache.data.transform", data_cache_version(), the
//      file digest, Transform::digest()). On a miss Transform::run decodes
//      the file's bytes with the transform's shrink-on-load hint and applies
//      the steps (sizes and sampling positions those of a full decode); the
//      result is stored as an image entry tagged "pixelcache.data". Concurrent misses of one
//      key in a process decode once (Cache::get_or_compute). So a transform
//      runs at most once per (file content, steps, version) for every process
//      and machine sharing the cache. Without a cache: read, decode and
//      transform on every access, and no hashing.
//   3. Augment: the random steps (Augment), drawing from SampleRandom(seed,
//      epoch, index).
//   4. RGB: gray and binary images become RGB (torchvision's loader calls
//      convert("RGB") too), so every sample has 3 channels.
//   5. Output: write_sample() writes the pixels in the output layout (CHW or
//      HWC) and type: uint8, or float32 k / 255 then (x - mean) / std, the
//      operations and rounding of torchvision's ToTensor + Normalize.
//
// Stat index. Re-reading and hashing every file every epoch would cost more
// than a cached epoch, so a file is mapped to its content digest by its
// stat: file_index_key() (namespace, "pixelcache.data.file",
// data_cache_version(), the absolute path, size, mtime_ns, inode, device) ->
// the 16 digest bytes (a Bytes entry, high 64 bits then low, big-endian),
// stored in the same cache, and kept in the SampleSource for the process.
// A file whose size, mtime, inode or device changed is hashed again (a
// replaced file has a new inode; an edited one a new mtime). Known limit: a
// file rewritten in place with the same size within the same mtime tick
// (nanoseconds on ext4 / xfs / btrfs; whole seconds on some network file
// systems) keeps its old digest until its stat changes. A transformed image
// is also checked against the bytes it is decoded from: a file that changed
// between the stat and the read is hashed again, never stored under its old
// digest.
//
// Randomness. Every random number is a pure function of (seed, stream,
// epoch, index, n) — random_u64() — so results do not depend on threads,
// processes or order:
//   mix64(z):  z += 0x9e3779b97f4a7c15;
//              z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
//              z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
//              return z ^ (z >> 31)                    (splitmix64's output)
//   random_u64(seed, stream, epoch, index, n) =
//       mix64(mix64(mix64(mix64(mix64(seed) ^ stream) ^ epoch) ^ index) ^ n)
// all in uint64 arithmetic modulo 2^64. Augments use stream 0 and the
// sample's dataset index; a sample's draws are numbered n = 0, 1, 2, ... in
// the order the steps make them (SampleRandom). uniform() is
// (u >> 11) * 2^-53 in [0, 1); below(k) is floor(u * k / 2^64) in [0, k);
// each takes one draw. Shuffles use stream 1 (shuffled_order()).
//
// Thread safety: Augment, OutputFormat and the free functions are values /
// pure functions, safe from any number of threads. SampleSource and Loader
// are safe to use from any number of threads at once (a Loader's epochs are
// run one at a time by each EpochRun, which is not itself shared). A custom
// augment step's function is called from the threads that make samples,
// concurrently.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pixelcache/cache.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/pipeline.hpp"

namespace pixelcache::data {

// ---------------------------------------------------------------- randomness

/// splitmix64's output function (see the file comment): a bijection of
/// uint64 that mixes every input bit into every output bit.
std::uint64_t mix64(std::uint64_t z) noexcept;

/// The random stream of augments and of shuffles (random_u64's `stream`).
inline constexpr std::uint64_t kAugmentStream = 0;
inline constexpr std::uint64_t kShuffleStream = 1;

/// Draw number `n` of (seed, stream, epoch, index): the formula of the file
/// comment. Pure: same arguments, same number.
std::uint64_t random_u64(std::uint64_t seed, std::uint64_t stream, std::uint64_t epoch, std::uint64_t index,
                         std::uint64_t n) noexcept;

/// The draws of one sample: random_u64(seed, kAugmentStream, epoch, index,
/// n) for n = 0, 1, 2, ... in order. A value; not shared between threads.
class SampleRandom {
 public:
  SampleRandom(std::uint64_t seed, std::uint64_t epoch, std::uint64_t index) noexcept
      : seed_(seed), epoch_(epoch), index_(index) {}
  /// The next draw.
  std::uint64_t next() noexcept { return random_u64(seed_, kAugmentStream, epoch_, index_, n_++); }
  /// A double in [0, 1): (next() >> 11) * 2^-53.
  double uniform() noexcept;
  /// lo + (hi - lo) * uniform(), in [lo, hi).
  double uniform(double lo, double hi) noexcept;
  /// An integer in [0, k) (k >= 1): floor(next() * k / 2^64). 0 for k <= 1.
  std::uint64_t below(std::uint64_t k) noexcept;
  /// Draws made so far.
  std::uint64_t draws() const noexcept { return n_; }

 private:
  std::uint64_t seed_, epoch_, index_, n_ = 0;
};

/// A permutation of 0 .. n-1, the same for the same (n, seed, epoch): a
/// Fisher-Yates shuffle from the back, swapping position i (n-1 down to 1)
/// with position floor(random_u64(seed, kShuffleStream, epoch, i, 0) *
/// (i + 1) / 2^64).
std::vector<std::size_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch);

// ---------------------------------------------------------------- augment

/// A pixel region: rows [top, top + height), columns [left, left + width);
/// it may reach outside the image (random_crop's padding), where it is black.
struct CropBox {
  int top = 0;
  int left = 0;
  int height = 0;
  int width = 0;
  bool operator==(const CropBox&) const = default;
};

/// torchvision's RandomResizedCrop.get_params on an image of `size`
/// (scale: bounds of the crop's area as a fraction of the image's; ratio:
/// bounds of its width / height): up to 10 attempts, each drawing
/// uniform(scale) and exp(uniform(log ratio)) (2 draws), w = round(sqrt(area *
/// ratio)), h = round(sqrt(area / ratio)) (ties to even, as Python's round);
/// the first that fits draws top = below(H - h + 1), left = below(W - w + 1)
/// (2 more draws). When none fits, the central crop of the ratio clamped to
/// its bounds (no draw).
CropBox random_resized_crop_box(ImageSize size, std::array<double, 2> scale, std::array<double, 2> ratio,
                                SampleRandom& random);

/// The pixels of `box` (any mode and sample type); parts outside the image
/// are 0 (black). Throws InvalidArgument for an empty box.
Image crop_box(const Image& img, const CropBox& box);

/// One augment step. Parsed from text:
///   random_flip[:p]                 mirror left-right with probability p
///                                   (default 0.5): 1 draw, flips when
///                                   uniform() < p (torchvision's
///                                   RandomHorizontalFlip).
///   random_crop:SIZE[,padding=P]    pad every side with P black pixels
///                                   (default 0), then the SIZE region at
///                                   top = below(H' - h + 1), left =
///                                   below(W' - w + 1) (2 draws; torchvision's
///                                   RandomCrop with fill 0). InvalidArgument
///                                   when the padded image is smaller.
///   random_resized_crop:SIZE[,scale=A:B,ratio=A:B]
///                                   random_resized_crop_box() (defaults
///                                   scale 0.08:1, ratio 3/4:4/3), then
///                                   resized to SIZE, bilinear, antialiased
///                                   (Pillow's filter, as torchvision on PIL
///                                   images).
/// SIZE is N (square) or WIDTHxHEIGHT, as in steps. Or a Custom step, a
/// function of (image, seed) made by Augment::custom: 1 draw, its seed.
struct AugmentStep {
  enum class Kind : std::uint8_t { Flip, Crop, ResizedCrop, Custom };
  Kind kind = Kind::Flip;
  double p = 0.5;                                     ///< Flip: probability
  ImageSize size{0, 0};                               ///< Crop, ResizedCrop: output size
  int padding = 0;                                    ///< Crop: black pixels added on every side
  std::array<double, 2> scale{0.08, 1.0};             ///< ResizedCrop: area fraction bounds
  std::array<double, 2> ratio{3.0 / 4.0, 4.0 / 3.0};  ///< ResizedCrop: width / height bounds
  /// Custom: the function, called with the image and the step's draw.
  std::function<Image(const Image&, std::uint64_t seed)> custom;
  /// The canonical text ("random_crop:224x224,padding=4"; a custom step's
  /// name).
  std::string key;
};

/// The random part of a pipeline: steps applied in order after the cache, on
/// every access. A default-made Augment has no step (the identity).
class Augment {
 public:
  Augment() = default;
  /// The steps of `texts`, each one step or several separated by
  /// whitespace. Throws InvalidArgument naming an unknown step (listing the
  /// steps) or a bad argument (SIZE not positive, p outside [0, 1], padding
  /// negative, scale / ratio not 0 < A <= B, unknown names).
  static Augment parse(const std::vector<std::string>& texts);
  /// parse({text}).
  static Augment parse(std::string_view text);
  /// A step calling `fn(image, seed)` (seed = the step's draw); `name` is
  /// its key. fn must be safe to call from several threads at once.
  static AugmentStep custom(std::string name, std::function<Image(const Image&, std::uint64_t)> fn);
  explicit Augment(std::vector<AugmentStep> steps);

  const std::vector<AugmentStep>& steps() const noexcept { return steps_; }
  bool empty() const noexcept { return steps_.empty(); }
  /// The steps applied in order, drawing from `random`. Throws what the
  /// steps throw (InvalidArgument for a crop larger than the image).
  Image apply(Image img, SampleRandom& random) const;
  /// The steps' keys, in order.
  std::vector<std::string> keys() const;

 private:
  std::vector<AugmentStep> steps_;
};

/// Help text of the augment steps, one line each.
std::string augment_help();

// ---------------------------------------------------------------- output

/// Sample layout: channel planes (torch) or interleaved (NumPy, PIL).
enum class OutputLayout : std::uint8_t { CHW, HWC };
/// Sample type: uint8 levels, or float32 (k / 255, then normalised).
enum class OutputType : std::uint8_t { U8, F32 };

/// How a sample is written (write_sample).
struct OutputFormat {
  OutputLayout layout = OutputLayout::CHW;
  OutputType type = OutputType::F32;
  /// Per-channel mean and standard deviation, in the [0, 1] scale, applied
  /// to float32 output as (x - mean) / std; each empty (0 and 1), 1 value
  /// (every channel) or 3 (R, G, B).
  std::vector<float> mean, std;
  /// Throws InvalidArgument for a mean / std of another length, a std that is
  /// 0 or not finite, a mean that is not finite, or a mean / std with uint8
  /// output (it cannot be normalised).
  void validate() const;
  /// Bytes of one sample of `size` (3 channels).
  std::size_t sample_bytes(ImageSize size) const noexcept;
  /// The shape of one sample of `size`: {3, h, w} (CHW) or {h, w, 3}.
  std::array<std::int64_t, 3> shape(ImageSize size) const noexcept;
};

/// Writes `img` (RGB; uint8 or float32 storage) into `out`, which must hold
/// exactly format.sample_bytes(img.size()) bytes, aligned for float32 when
/// the type is F32. float32: v = float(k) / 255 (k the uint8 level; float
/// storage is used as it is), then (v - mean) / std in float32, one channel
/// plane after the other for CHW — the same operations as torchvision's
/// ToTensor and Normalize, so the same bits for the same pixels. Throws
/// InvalidArgument for another mode, a wrong `out` size or alignment.
void write_sample(const Image& img, const OutputFormat& format, std::span<std::byte> out);

// ---------------------------------------------------------------- files and keys

/// The facts of a file that the stat index keys on.
struct FileStat {
  std::uint64_t size = 0;     ///< bytes
  std::int64_t mtime_ns = 0;  ///< modification time, nanoseconds since the epoch
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  bool operator==(const FileStat&) const = default;
};

/// stat() of `path` (following links). Throws IoError naming the path when
/// it is missing or unreadable, or a directory; InvalidArgument for a NUL
/// byte in it.
FileStat stat_file(const std::string& path);

/// A file's bytes and the stat of the open file before reading.
struct FileBytes {
  std::vector<std::uint8_t> bytes;
  FileStat stat;
  /// False when the file's stat changed while it was read (it is being
  /// written): the bytes may mix two versions; the stat index skips it.
  bool stable = true;
};
/// Reads a whole file (one open, fstat before and after). Throws IoError
/// naming the path; InvalidArgument for a NUL byte in it.
FileBytes read_file_stat(const std::string& path);

/// The version part of every pixelcache.data cache key: "pixelcache-data 1,
/// pipeline 1, pixelcache " + version(). A new pixelcache version (whose
/// decoders or steps may give other pixels) reads none of an older one's
/// transformed images.
std::string data_cache_version();

/// The stat index key of a file: CacheKey(namespace, "pixelcache.data.file",
/// data_cache_version()) with the arguments absolute path (string), size,
/// mtime_ns, inode, device (integers).
Digest file_index_key(std::string_view key_namespace, std::string_view absolute_path, const FileStat& stat);

/// The key of a transformed image: CacheKey(namespace,
/// "pixelcache.data.transform", data_cache_version()) with the arguments
/// (the file's content digest, Transform::digest()) as digests.
Digest transform_key(std::string_view key_namespace, const Digest& file_digest, const Digest& transform_digest);

/// The tag of transformed-image entries.
inline constexpr std::string_view kTransformTag = "pixelcache.data";

// ---------------------------------------------------------------- samples

/// What a SampleSource does (see the file comment).
struct SourceOptions {
  /// The deterministic steps, cached.
  Transform transform;
  /// The random steps, after the cache.
  Augment augment;
  /// Where transformed images and the stat index are kept; null: no cache.
  std::shared_ptr<Cache> cache;
  /// How samples are written (write_sample).
  OutputFormat output;
  /// The augment seed (SampleRandom).
  std::uint64_t seed = 0;
  /// Decode options (limits); the transform adds its shrink-on-load hint.
  LoadOptions load;
};

/// Counters of a SampleSource since it was made.
struct SourceStats {
  std::uint64_t samples = 0;              ///< sample() calls that returned an image
  std::uint64_t index_hits = 0;           ///< digests known from this process's stat index
  std::uint64_t index_cache_hits = 0;     ///< digests read from the cache's stat index
  std::uint64_t files_hashed = 0;         ///< files read and hashed for their digest
  std::uint64_t transform_hits = 0;       ///< transformed images served by the cache
  std::uint64_t transforms_computed = 0;  ///< files decoded and transformed (with or without a cache)
};

/// The per-sample pipeline (file comment). Thread-safe.
class SampleSource {
 public:
  /// Throws InvalidArgument when options.output is invalid.
  explicit SampleSource(SourceOptions options);
  SampleSource(const SampleSource&) = delete;
  SampleSource& operator=(const SampleSource&) = delete;

  const SourceOptions& options() const noexcept { return options_; }
  /// The file's content digest (XXH3-128 of its bytes), through the stat
  /// index. Throws IoError naming the path.
  Digest file_digest(const std::string& path);
  /// Steps 1-2: the transformed image of the file. Throws IoError,
  /// DecodeError, LimitError, InvalidArgument (a step that does not apply),
  /// each naming `path`.
  Image transformed(const std::string& path);
  /// Steps 1-4: the transformed, augmented RGB image of sample `index` in
  /// `epoch`. Throws as transformed(), and what the augment throws, naming
  /// `path`.
  Image sample(const std::string& path, std::uint64_t epoch, std::uint64_t index);
  /// Counters so far.
  SourceStats stats() const noexcept;

 private:
  struct Known {
    std::string absolute;
    FileStat stat;
    Digest digest;
    bool valid = false;
  };
  // The digest through the stat index; `bytes` receives the file when it
  // was read for it.
  Digest resolve(const std::string& path, std::optional<FileBytes>& bytes, bool& from_index);
  void forget(const std::string& path);
  Image transformed_once(const std::string& path, bool& retry);

  SourceOptions options_;
  Digest transform_digest_;
  std::string key_namespace_;
  mutable std::mutex mu_;  // guards index_
  std::unordered_map<std::string, Known> index_;
  struct Counters {
    std::atomic<std::uint64_t> samples{0}, index_hits{0}, index_cache_hits{0}, files_hashed{0}, transform_hits{0},
        transforms_computed{0};
  };
  Counters counters_;
};

// ---------------------------------------------------------------- batches

/// What to do with a sample whose file cannot be read or decoded.
enum class OnError : std::uint8_t {
  Raise,  ///< the batch fails with that error (EpochRun::wait throws it)
  Skip,   ///< the sample is left out of its batch (which is then shorter), counted and reported
};

/// How a Loader makes batches.
struct LoaderOptions {
  /// Samples per batch, >= 1.
  std::size_t batch_size = 1;
  /// A new seeded permutation of the samples every epoch (shuffled_order),
  /// else the samples in order.
  bool shuffle = false;
  /// Leave out the last batch when it is shorter than batch_size.
  bool drop_last = false;
  /// The shuffle seed.
  std::uint64_t seed = 0;
  /// Threads making samples; 0: std::thread::hardware_concurrency().
  unsigned workers = 0;
  OnError on_error = OnError::Raise;
};

/// A sample left out of a batch (OnError::Skip).
struct SkippedSample {
  std::size_t index = 0;  ///< its index in the Loader's samples
  std::string path;
  std::string error;  ///< the error's message
};

/// A finished batch (EpochRun::wait).
struct BatchInfo {
  /// Samples written: rows 0 .. count-1 of the batch buffers, in order (the
  /// rows of skipped samples are closed up).
  std::size_t count = 0;
  std::vector<SkippedSample> skipped;
};

class EpochRun;

/// Batches of samples made by C++ threads (see the file comment for one
/// sample). A batch is written into buffers the caller provides — x:
/// `rows` samples in the source's output format, one after the other
/// (batch, then the sample's shape); y: `rows` int64 targets — so the
/// Python front hands over torch tensors and nothing is copied again.
/// Every sample of a batch must have the same size (InvalidArgument naming
/// the two files otherwise). Thread-safe; each epoch is an EpochRun.
class Loader {
 public:
  /// `paths` are the samples; `targets` one int64 per path, or empty (y is
  /// then not written). Throws InvalidArgument for batch_size 0, targets of
  /// another length.
  Loader(std::shared_ptr<SampleSource> source, std::vector<std::string> paths, std::vector<std::int64_t> targets,
         LoaderOptions options);

  const LoaderOptions& options() const noexcept { return plan_->options; }
  const std::shared_ptr<SampleSource>& source() const noexcept { return plan_->source; }
  /// Number of samples.
  std::size_t samples() const noexcept { return plan_->paths.size(); }
  /// Batches per epoch.
  std::size_t batches() const noexcept { return plan_->batches(); }
  /// Rows of batch `b` (batch_size, or fewer for the last).
  std::size_t batch_rows(std::size_t b) const noexcept { return plan_->batch_rows(b); }
  /// The sample order of `epoch`: shuffled_order(samples(), seed, epoch), or
  /// 0 .. n-1 without shuffle.
  std::vector<std::size_t> order(std::uint64_t epoch) const;
  /// Starts `epoch` on `workers()` new threads. It first makes the first
  /// sample of the epoch that succeeds to learn the sample shape (the other
  /// samples must match it), with the calling thread; throws its error
  /// when no sample succeeds (or, with OnError::Raise, when the first
  /// fails).
  std::unique_ptr<EpochRun> start(std::uint64_t epoch) const;
  /// Threads per EpochRun.
  unsigned workers() const noexcept;

  /// Runs a whole epoch with `prefetch` + 1 buffers of its own, calling
  /// `consume(x, y, info)` for each batch in order (x: info.count samples;
  /// y: info.count targets, empty without targets). Rethrows a batch's error
  /// or consume's, after stopping the threads. For C++ callers and tests.
  void run_epoch(std::uint64_t epoch, std::size_t prefetch,
                 const std::function<void(std::span<const std::byte> x, std::span<const std::int64_t> y,
                                          const BatchInfo& info)>& consume) const;

  /// What a Loader and its runs share (immutable).
  struct Plan {
    std::shared_ptr<SampleSource> source;
    std::vector<std::string> paths;
    std::vector<std::int64_t> targets;
    LoaderOptions options;
    std::size_t batches() const noexcept;
    std::size_t batch_rows(std::size_t b) const noexcept;
    std::vector<std::size_t> order(std::uint64_t epoch) const;
  };

 private:
  std::shared_ptr<const Plan> plan_;
};

/// One epoch of a Loader in progress (it keeps what it needs of the Loader,
/// which may go first): worker threads fill the batches
/// submitted to them, in submission order. The caller bounds the work in
/// flight by how many batches it submits before waiting (the Python Loader:
/// `prefetch`). Destroying it (or cancel()) stops the threads cleanly: work
/// not started is dropped, running samples finish, threads are joined —
/// only then may the caller free the buffers it submitted.
class EpochRun {
 public:
  ~EpochRun();
  EpochRun(const EpochRun&) = delete;
  EpochRun& operator=(const EpochRun&) = delete;

  std::uint64_t epoch() const noexcept { return epoch_; }
  /// The sample order of this epoch.
  const std::vector<std::size_t>& order() const noexcept { return order_; }
  /// The shape of every sample (OutputFormat::shape) and its bytes.
  std::array<std::int64_t, 3> sample_shape() const noexcept { return shape_; }
  std::size_t sample_bytes() const noexcept { return sample_bytes_; }
  /// The file whose sample set the shape.
  const std::string& shape_source() const noexcept { return shape_source_; }
  /// Batches of this epoch and rows of batch `b` (Loader::batch_rows).
  std::size_t batches() const noexcept { return plan_->batches(); }
  std::size_t batch_rows(std::size_t b) const noexcept { return plan_->batch_rows(b); }

  /// Queues batch `b` (each batch once) to be written into `x` (exactly
  /// batch_rows(b) * sample_bytes() bytes, aligned for float32) and `y`
  /// (batch_rows(b) int64, or null when the loader has no targets). The
  /// buffers must stay valid until wait(b) returned, cancel() returned or
  /// the run is destroyed. Throws InvalidArgument for a bad batch number, a
  /// batch already submitted, a wrong size, a missing y; never blocks.
  void submit(std::size_t b, std::span<std::byte> x, std::int64_t* y);
  /// Waits for batch `b` (submitted) to finish. Rethrows the error of its
  /// first failing sample (OnError::Raise: IoError, DecodeError ... naming
  /// the file; InvalidArgument naming both files for a size mismatch).
  BatchInfo wait(std::size_t b);
  /// wait(b) for at most `timeout`; nullopt when it has not finished (so a
  /// caller can check for interrupts between waits).
  std::optional<BatchInfo> wait_for(std::size_t b, std::chrono::milliseconds timeout);
  /// Drops the batches not started, waits for the running samples, joins the
  /// threads. Idempotent; wait() of a dropped batch then throws
  /// InvalidArgument ("cancelled").
  void cancel() noexcept;
  /// Samples skipped so far (OnError::Skip).
  std::size_t skipped() const noexcept;

 private:
  friend class Loader;
  struct State;
  EpochRun(std::shared_ptr<const Loader::Plan> plan, std::uint64_t epoch);
  void work();                 // a worker thread's loop
  void finish(std::size_t b);  // closes up batch b once its samples are done
  std::shared_ptr<const Loader::Plan> plan_;
  std::uint64_t epoch_;
  std::vector<std::size_t> order_;
  std::array<std::int64_t, 3> shape_{};
  std::size_t sample_bytes_ = 0;
  std::string shape_source_;
  std::unique_ptr<State> state_;
};

}  // namespace pixelcache::data
