// pixelcache/hash_index.hpp — finding perceptual hashes (phash.hpp) within a
// Hamming distance of each other in less than quadratic time, and grouping
// them.
//
// The structure is multi-index hashing (Norouzi, Punjani, Fleet: "Fast
// Search in Hamming Space with Multi-Index Hashing", CVPR 2012), not a
// BK-tree. Two hashes within distance r, cut into m chunks, agree within
// floor(r / m) bits on at least one chunk (pigeonhole). So each chunk gets
// a table from its value to the hashes holding it; a search looks up, in
// every chunk, each value within floor(r / m) bits of the query's, and
// checks the full distance of every hash found (once). m comes from a cost
// model of the bit count, the number of hashes and r (64-bit hashes, r = 8,
// 100,000 hashes: 5 chunks of 12-13 bits, radius 1: 70 lookups and ~850
// candidates a query). Why not a BK-tree: its pruning (|d(q, node) - d| <=
// r) barely prunes when distances concentrate, as they do for hashes of
// unrelated images (64-bit: mean 32, sd 4); at r = 8 a query still visits
// most of the tree (17 of the ~30 distance branches at every node), so
// grouping 100,000 hashes costs billions of distance computations, while
// multi-index hashing stays at about a thousand per query
// (bench/dups_compare.py times it: doc/benchmarks.md, "Near duplicates"). When no
// number of chunks beats a linear scan (r near half the bits, or few
// hashes) the index scans, which is the quadratic floor.
//
// Groups (group_hashes): the pairs within the threshold form a graph;
// Grouping::Centre picks centres greedily — the hash within the threshold
// of the most hashes not yet grouped (ties: the lower index) becomes a
// centre, and those hashes its members; repeated while any hash has an
// ungrouped neighbour — so every member is within the threshold of its
// centre, and of every other member within twice the threshold.
// Grouping::Connected takes connected components instead: chains join
// (a ~ b ~ c with a and c far apart is one group), which finds every
// transitive relation but can merge unrelated images through a path of
// small steps; its centre is the member with the most neighbours.
//
// Thread safety: a HashIndex is immutable once built; its const functions
// may run concurrently. group_hashes() is reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "pixelcache/phash.hpp"

namespace pixelcache {

/// A hash found near a query: its index and its distance.
struct Neighbour {
  std::size_t index = 0;
  int distance = 0;
  bool operator==(const Neighbour&) const = default;
};

/// Two indexed hashes within the index's distance: a < b.
struct HashPair {
  std::size_t a = 0, b = 0;
  int distance = 0;
  bool operator==(const HashPair&) const = default;
};

/// An index over hashes of one size for searches within a Hamming distance
/// (see the file comment).
class HashIndex {
 public:
  /// Indexes copies of `hashes` for searches up to `max_distance` bits.
  /// Throws InvalidArgument when the hashes differ in size, for an empty
  /// hash, a negative max_distance, or more than 2^32 - 1 hashes.
  HashIndex(std::span<const ImageHash> hashes, int max_distance);

  /// Number of hashes indexed.
  std::size_t size() const noexcept { return count_; }
  int max_distance() const noexcept { return max_distance_; }
  /// Number of chunks the bits are cut into; 0 when the index scans.
  int chunks() const noexcept { return static_cast<int>(chunks_.size()); }

  /// The indexed hashes within `distance` (<= max_distance()) bits of
  /// `query`, sorted by index. Throws InvalidArgument for a query of another
  /// size or a distance outside 0..max_distance().
  std::vector<Neighbour> within(const ImageHash& query, int distance) const;
  /// Every pair of indexed hashes within max_distance(), sorted by (a, b).
  std::vector<HashPair> pairs() const;

 private:
  struct Chunk {
    int first_bit = 0, bits = 0;
    std::vector<std::uint64_t> keys;   // sorted chunk values
    std::vector<std::uint32_t> ids;    // the hash of each key
    std::vector<std::uint32_t> start;  // bits <= kDirectBits: first position of each value, 2^bits + 1
    std::vector<std::uint64_t> words;  // hashes of one word: the hash of each key (read in order)
    std::uint64_t mask = 0;            // hashes of one word: the chunk's bits
    // The positions [first, last) of the entries whose chunk value is `key`.
    std::pair<std::size_t, std::size_t> bucket(std::uint64_t key) const;
  };
  // pairs() for hashes of one word: no seen-marks (a pair is taken in the
  // first chunk that finds it) and the bucket's hashes read in order.
  std::vector<HashPair> pairs_one_word() const;
  std::uint64_t chunk_value(std::size_t id, const Chunk& c) const;
  std::uint64_t chunk_value(std::span<const std::uint64_t> words, const Chunk& c) const;
  // Calls visit(id) once for every hash sharing a chunk value within
  // distance / m bits with `words`; `stamp` marks ids seen (sized size()).
  template <class F>
  void candidates(std::span<const std::uint64_t> words, int distance, std::vector<std::uint32_t>& stamp,
                  std::uint32_t mark, F&& visit) const;

  std::size_t count_ = 0, words_per_hash_ = 0;
  int bits_ = 0, rows_ = 0, cols_ = 0, max_distance_ = 0;
  std::vector<std::uint64_t> words_;  // count_ x words_per_hash_
  std::vector<Chunk> chunks_;
};

/// How near hashes are grouped (see the file comment).
enum class Grouping : std::uint8_t {
  Centre,     ///< every member within the threshold of its group's centre (default)
  Connected,  ///< connected components of the "within the threshold" graph
};
/// "centre" or "connected".
const char* grouping_name(Grouping g) noexcept;
/// Parses "centre" (also "center") or "connected". Throws InvalidArgument.
Grouping parse_grouping(std::string_view name);

/// One group: its centre and its members (the centre included, with
/// distance 0), sorted by index, each with its distance to the centre.
struct HashGroup {
  std::size_t centre = 0;
  std::vector<Neighbour> members;
};

/// Groups of at least two hashes within `threshold` bits (see the file
/// comment), sorted by their first member; hashes near no other are in no
/// group. Throws what HashIndex throws.
std::vector<HashGroup> group_hashes(std::span<const ImageHash> hashes, int threshold,
                                    Grouping grouping = Grouping::Centre);
/// The same from pairs already found among `count` items (pairs of a
/// HashIndex, or any graph): `distance(a, b)` gives the distance of two
/// items not joined by a pair (Grouping::Connected reports every member's
/// distance to the centre). Throws InvalidArgument for a pair index >= count.
std::vector<HashGroup> group_pairs(std::size_t count, std::span<const HashPair> pairs, Grouping grouping,
                                   const std::function<int(std::size_t, std::size_t)>& distance);

}  // namespace pixelcache
