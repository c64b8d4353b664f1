// pixelcache/dups.hpp — exact and near duplicate images among files: what
// `pixelcache dups` and Python's pixelcache.find_duplicates run.
//
// find_duplicates(paths, options) reads every file (or http(s) URL), hashes
// it (phash.hpp; JPEGs decoded at reduced scale, hash_load_options()) on
// `workers` threads, and reports
//   * exact groups: files whose decoded pixels are identical — the same
//     content digest (digest.hpp: what `pixelcache hash` prints), whatever
//     the format, the metadata or the EXIF orientation (pixels are compared
//     upright);
//   * near groups: distinct images whose hashes are within `threshold` bits
//     (Hamming distance <= threshold), grouped as hash_index.hpp describes:
//     by default around centres, each member within the threshold of its
//     group's centre (Grouping::Centre), or as connected components.
// A near group lists every file of its images (exact copies of one image
// share its distance), sorted by path, each with its distance to the
// centre's hash; a group holds at least two distinct images. Exact groups
// list their files sorted by path. Groups are sorted by their first path.
//
// Exact duplicates without full decodes: the pixel digest is of the full
// decode, which a hash computed at reduced scale does not give. Files that
// decode at full size anyway (every format but JPEG, and small JPEGs) get it
// for free. A JPEG decoded at reduced scale is decoded again at full size
// only when its hash is within max(threshold, bits / 8) bits of another
// file's (identical pixels give hashes a few bits apart at most,
// doc/near-duplicates.md), or when another file has the same bytes; a JPEG near
// no other file cannot be an exact duplicate of one.
//
// Cache: with `options.cache`, every file's hash is kept under the key
// CacheKey(namespace, "pixelcache.image_hash", kDuplicateVersion) with the
// arguments (the digest of the file's bytes, the hash name, hash_size,
// highfreq_factor), as a Value HashableList{ImageHash::value(), the pixel
// digest's hex or null}; and every full decode's pixel digest under
// CacheKey(namespace, "pixelcache.pixel_digest", kDuplicateVersion) with the
// bytes digest, as a Value string (hex). So a second run over the same files
// reads and digests their bytes but decodes nothing (stats: decoded == 0);
// a changed file is a new key. Without a cache, files with identical bytes
// are still hashed once per run.
//
// Errors: a file that cannot be read (missing, a directory, unreadable) or
// decoded (truncated, not an image, over the limits) is reported in its
// FileReport (ok false, error set: "<path>: <what>") and left out; the others
// go on. find_duplicates itself throws InvalidArgument only for bad options.
//
// Thread safety: find_duplicates is reentrant; it runs its own worker
// threads and calls on_progress from them (see DuplicateOptions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pixelcache/cache.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/hash_index.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/phash.hpp"

namespace pixelcache {

/// Part of the cache keys of find_duplicates: bumped with the pixelcache
/// version, so hashes stored by another release (whose decoders may
/// differ) are not used. "2/" + version() (2: the hash of a JPEG file
/// starts from its luma, phash.hpp).
std::string duplicate_cache_version();

/// The two parallel passes of find_duplicates.
enum class DuplicatePhase : std::uint8_t {
  Hash,    ///< reading and hashing every file
  Verify,  ///< full decodes of the JPEGs that may be exact duplicates
};

/// One finished file of a phase, as on_progress receives it.
struct DuplicateProgress {
  DuplicatePhase phase = DuplicatePhase::Hash;
  std::size_t file = 0;                ///< index into the paths
  bool ok = true;                      ///< false: the file failed (its error is in the report)
  bool from_cache = false;             ///< the result came from the cache (nothing decoded)
  const std::string* error = nullptr;  ///< the message when !ok (valid during the call)
};

/// How find_duplicates runs.
struct DuplicateOptions {
  HashSpec hash;  ///< which hash (default phash 8 x 8)
  /// Near when distance <= threshold; -1: default_threshold(hash). At most
  /// hash.bits().
  int threshold = -1;
  Grouping grouping = Grouping::Centre;
  /// Threads; 0: the cores this process may run on.
  unsigned workers = 0;
  /// Keeps hashes and digests between runs (see the file comment); nullptr:
  /// none kept. Must outlive the call.
  Cache* cache = nullptr;
  /// Limits for decoding (max_pixels, max_expansion, URL fetching); the
  /// shrink hints are set by find_duplicates.
  LoadOptions load;
  /// Before each phase, on the calling thread: the phase and how many files
  /// it will process.
  std::function<void(DuplicatePhase, std::size_t)> on_phase;
  /// After each file of a phase, from the worker threads, concurrently.
  std::function<void(const DuplicateProgress&)> on_progress;
  /// About every 100 ms on the calling thread while workers run (draw a
  /// progress bar, check for Ctrl-C).
  std::function<void()> heartbeat;
  /// Checked before each file is started: true starts no more (the files
  /// not started fail with "not done: stopped", and the report says
  /// stopped).
  std::function<bool()> stop;
};

/// What happened to one file.
struct FileReport {
  std::string path;
  bool ok = false;
  std::string error;                   ///< when !ok: "<path>: <what was wrong>"
  Digest bytes_digest;                 ///< XXH3-128 of the file's bytes
  ImageHash hash;                      ///< when ok
  std::optional<Digest> pixel_digest;  ///< of the full decode, when computed or cached
  bool hash_from_cache = false;        ///< the hash came from the cache
};

/// Files with identical decoded pixels.
struct ExactGroup {
  Digest digest;                   ///< their pixel digest
  std::vector<std::size_t> files;  ///< indices into DuplicateReport::files, sorted by path
};

/// A file of a near group and its distance to the group's centre.
struct NearMember {
  std::size_t file = 0;  ///< index into DuplicateReport::files
  int distance = 0;      ///< bits between its image's hash and the centre's
};

/// Distinct images within the threshold (see the file comment).
struct NearGroup {
  std::size_t centre = 0;           ///< the centre image's first file
  std::vector<NearMember> members;  ///< every file, the centre's included, sorted by path
};

/// Counters of a run.
struct DuplicateStats {
  std::size_t files = 0;               ///< inputs (one file named twice counted once)
  std::size_t failed = 0;              ///< files that could not be read or decoded
  std::size_t hashes_computed = 0;     ///< hashes computed (a decode each)
  std::size_t hashes_from_cache = 0;   ///< hashes the cache held
  std::size_t full_decodes = 0;        ///< full decodes for the exact check
  std::size_t digests_from_cache = 0;  ///< pixel digests of the exact check the cache held
  /// Every decode of this run: hashes_computed + full_decodes.
  std::size_t decoded() const noexcept { return hashes_computed + full_decodes; }
};

/// The result of find_duplicates.
struct DuplicateReport {
  HashSpec hash;
  int threshold = 0;
  Grouping grouping = Grouping::Centre;
  std::vector<FileReport> files;  ///< in input order, each file once (its first spelling)
  std::vector<ExactGroup> exact;
  std::vector<NearGroup> near;
  DuplicateStats stats;
  bool stopped = false;  ///< options.stop ended the run early
};

/// Finds exact and near duplicates among `paths` (files or http(s) URLs;
/// folders are not walked: a folder fails as "is a directory"). One file
/// named twice is one input, under its first spelling: `a.png`, `./a.png`,
/// `d/../a.png`, a symbolic or hard link to it (same device and inode, as
/// fdupes and jdupes count them; a missing path by its lexically normal
/// form, a URL by its text). Throws
/// InvalidArgument for a bad hash spec, threshold or grouping; everything
/// about a file is reported in its FileReport.
DuplicateReport find_duplicates(const std::vector<std::string>& paths, const DuplicateOptions& options = {});

}  // namespace pixelcache
