// Multi-index hashing over ImageHash bits (hash_index.hpp): chunk tables, the
// cost model choosing the number of chunks, searches and the all-pairs join.
#include "pixelcache/hash_index.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "pixelcache/error.hpp"

namespace pixelcache {

namespace {

// Chunks of up to this many bits get a table indexed by value; wider ones
// are searched in their sorted keys.
constexpr int kDirectBits = 20;
constexpr int kMaxChunkBits = 32;
constexpr std::uint32_t kUnseen = std::numeric_limits<std::uint32_t>::max();

// bits [first, first + b) of the row-major bit string, first bit most
// significant (1 <= b <= 32).
std::uint64_t extract(const std::uint64_t* w, int first, int b) {
  const int wi = first / 64, off = first % 64;
  std::uint64_t v = w[wi] << off;
  if (off + b > 64) v |= w[wi + 1] >> (64 - off);
  return v >> (64 - b);
}

double binomial_sum(int n, int s) {  // sum_{k <= s} C(n, k)
  double total = 0, term = 1;
  for (int k = 0; k <= s && k <= n; ++k) {
    total += term;
    term = term * (n - k) / (k + 1);
  }
  return total;
}

// The number of chunks for `n` hashes of `bits` bits searched within `r`:
// the m minimising (lookups + candidates checked) per query, 0 when a
// linear scan is cheaper. Relative costs: a bucket lookup 2 (a binary
// search log2(n) / 2 more), a candidate check 1 (+ 1 per extra word).
int choose_chunks(std::size_t n, int bits, int r) {
  const double nd = static_cast<double>(n);
  const double check = 1.0 + static_cast<double>((bits - 1) / 64);
  double best = nd * check;  // the linear scan
  int best_m = 0;
  for (int m = 1; m <= std::min(bits, r + 1); ++m) {
    const int widest = (bits + m - 1) / m;
    if (widest > kMaxChunkBits) continue;
    const int s = r / m;
    const double width = static_cast<double>(bits) / m;
    const double probes = m * binomial_sum(widest, s);
    const double lookup = widest <= kDirectBits ? 2.0 : 2.0 + std::log2(nd + 1) / 2;
    const double cost = probes * lookup + probes * nd / std::exp2(width) * check;
    if (cost < best) best = cost, best_m = m;
  }
  return best_m;
}

// Bits set in x. Not std::popcount: without -mpopcnt (the baseline x86-64
// target) that is a call into libgcc per word, which made the all-pairs join
// spend a third of its time in calls; this inlines to a dozen operations.
inline int popcount64(std::uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}

// The Hamming distance of two hashes of `n` words (inline: a call to an exported
// function of the library goes through the PLT).
inline int word_distance(const std::uint64_t* a, const std::uint64_t* b, std::size_t n) {
  int d = 0;
  for (std::size_t i = 0; i < n; ++i) d += popcount64(a[i] ^ b[i]);
  return d;
}

// Calls f(v) for every value within `left` bits of v among its low b bits,
// each once.
template <class F>
void flips(std::uint64_t v, int from, int left, int b, F& f) {
  f(v);
  if (left == 0) return;
  for (int j = from; j < b; ++j) flips(v ^ (std::uint64_t{1} << j), j + 1, left - 1, b, f);
}

}  // namespace

HashIndex::HashIndex(std::span<const ImageHash> hashes, int max_distance) : max_distance_(max_distance) {
  if (max_distance < 0)
    throw InvalidArgument("HashIndex: max_distance must be >= 0, got " + std::to_string(max_distance));
  if (hashes.size() >= kUnseen) throw InvalidArgument("HashIndex: at most 2^32 - 2 hashes");
  count_ = hashes.size();
  if (count_ == 0) return;
  rows_ = hashes[0].rows(), cols_ = hashes[0].cols();
  bits_ = static_cast<int>(hashes[0].size());
  if (bits_ == 0) throw InvalidArgument("HashIndex: empty hash");
  words_per_hash_ = hashes[0].words().size();
  words_.reserve(count_ * words_per_hash_);
  for (const auto& h : hashes) {
    if (static_cast<int>(h.size()) != bits_)
      throw InvalidArgument("HashIndex: the hashes must be of one size, got " + std::to_string(bits_) + " and " +
                            std::to_string(h.size()) + " bits");
    words_.insert(words_.end(), h.words().begin(), h.words().end());
  }
  const int m = choose_chunks(count_, bits_, max_distance_);
  for (int c = 0, first = 0; c < m; ++c) {
    Chunk k;
    k.first_bit = first;
    k.bits = bits_ / m + (c < bits_ % m ? 1 : 0);
    first += k.bits;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> entries(count_);
    for (std::size_t i = 0; i < count_; ++i) entries[i] = {chunk_value(i, k), static_cast<std::uint32_t>(i)};
    std::sort(entries.begin(), entries.end());
    k.keys.resize(count_);
    k.ids.resize(count_);
    for (std::size_t i = 0; i < count_; ++i) k.keys[i] = entries[i].first, k.ids[i] = entries[i].second;
    if (words_per_hash_ == 1) {
      k.words.resize(count_);
      for (std::size_t i = 0; i < count_; ++i) k.words[i] = words_[k.ids[i]];
      k.mask = (~std::uint64_t{0} >> (64 - k.bits)) << (64 - k.first_bit - k.bits);
    }
    if (k.bits <= kDirectBits) {
      const std::size_t values = std::size_t{1} << k.bits;
      k.start.assign(values + 1, 0);
      for (std::uint64_t key : k.keys) ++k.start[key + 1];
      std::partial_sum(k.start.begin(), k.start.end(), k.start.begin());
      k.keys.clear();
      k.keys.shrink_to_fit();
    }
    chunks_.push_back(std::move(k));
  }
}

std::uint64_t HashIndex::chunk_value(std::size_t id, const Chunk& c) const {
  return extract(&words_[id * words_per_hash_], c.first_bit, c.bits);
}

std::uint64_t HashIndex::chunk_value(std::span<const std::uint64_t> words, const Chunk& c) const {
  return extract(words.data(), c.first_bit, c.bits);
}

std::pair<std::size_t, std::size_t> HashIndex::Chunk::bucket(std::uint64_t key) const {
  if (!start.empty()) return {start[key], start[key + 1]};  // a direct table of the chunk's values
  const auto [b, e] = std::equal_range(keys.begin(), keys.end(), key);
  return {static_cast<std::size_t>(b - keys.begin()), static_cast<std::size_t>(e - keys.begin())};
}

template <class F>
void HashIndex::candidates(std::span<const std::uint64_t> words, int distance, std::vector<std::uint32_t>& stamp,
                           std::uint32_t mark, F&& visit) const {
  const int s = distance / static_cast<int>(chunks_.size());
  for (const Chunk& c : chunks_) {
    auto bucket = [&](std::uint64_t key) {
      const auto [lo, hi] = c.bucket(key);
      for (std::size_t p = lo; p < hi; ++p) {
        const std::uint32_t id = c.ids[p];
        if (stamp[id] == mark) continue;
        stamp[id] = mark;
        visit(id);
      }
    };
    flips(chunk_value(words, c), 0, s, c.bits, bucket);
  }
}

std::vector<Neighbour> HashIndex::within(const ImageHash& query, int distance) const {
  if (distance < 0 || distance > max_distance_)
    throw InvalidArgument("HashIndex::within: distance " + std::to_string(distance) + " outside 0.." +
                          std::to_string(max_distance_));
  std::vector<Neighbour> out;
  if (count_ == 0) return out;
  if (static_cast<int>(query.size()) != bits_)
    throw InvalidArgument("HashIndex::within: a " + std::to_string(query.size()) + "-bit query for " +
                          std::to_string(bits_) + "-bit hashes");
  const auto words = query.words();
  auto check = [&](std::size_t id) {
    const int d = word_distance(&words_[id * words_per_hash_], words.data(), words_per_hash_);
    if (d <= distance) out.push_back({id, d});
  };
  if (chunks_.empty()) {
    for (std::size_t id = 0; id < count_; ++id) check(id);
  } else {
    std::vector<std::uint32_t> stamp(count_, kUnseen);
    candidates(words, distance, stamp, 0, check);
    std::sort(out.begin(), out.end(), [](const Neighbour& a, const Neighbour& b) { return a.index < b.index; });
  }
  return out;
}

std::vector<HashPair> HashIndex::pairs() const {
  std::vector<HashPair> out;
  if (chunks_.empty()) {
    for (std::size_t a = 0; a < count_; ++a) {
      const std::span<const std::uint64_t> wa(&words_[a * words_per_hash_], words_per_hash_);
      for (std::size_t b = a + 1; b < count_; ++b)
        if (const int d = word_distance(&words_[b * words_per_hash_], wa.data(), words_per_hash_); d <= max_distance_)
          out.push_back({a, b, d});
    }
    return out;
  }
  if (words_per_hash_ == 1) return pairs_one_word();
  std::vector<std::uint32_t> stamp(count_, kUnseen);
  std::vector<HashPair> found;
  for (std::size_t a = 0; a < count_; ++a) {
    const std::span<const std::uint64_t> wa(&words_[a * words_per_hash_], words_per_hash_);
    found.clear();
    candidates(wa, max_distance_, stamp, static_cast<std::uint32_t>(a), [&](std::size_t b) {
      if (b <= a) return;
      if (const int d = word_distance(&words_[b * words_per_hash_], wa.data(), words_per_hash_); d <= max_distance_)
        found.push_back({a, b, d});
    });
    std::sort(found.begin(), found.end(), [](const HashPair& x, const HashPair& y) { return x.b < y.b; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::vector<HashPair> HashIndex::pairs_one_word() const {
  const int s = max_distance_ / static_cast<int>(chunks_.size());
  std::vector<HashPair> out;
  for (std::size_t ci = 0; ci < chunks_.size(); ++ci) {
    const Chunk& c = chunks_[ci];
    // The queries in this chunk's order: consecutive ones share a bucket and
    // probe the same buckets, which stay in cache.
    for (std::size_t q = 0; q < count_; ++q) {
      const std::uint32_t a = c.ids[q];
      const std::uint64_t wa = c.words[q];
      auto bucket = [&](std::uint64_t key) {
        const auto [lo, hi] = c.bucket(key);
        // Each pair once, from its lower index: a bucket's ids ascend (the
        // entries are sorted by key, then id), so read it from the end.
        for (std::size_t p = hi; p-- > lo;) {
          const std::uint32_t b = c.ids[p];
          if (b <= a) break;
          const std::uint64_t x = c.words[p] ^ wa;
          const int d = popcount64(x);
          if (d > max_distance_) continue;
          // Taken in the first chunk within s bits: an earlier one found it already.
          bool earlier = false;
          for (std::size_t cj = 0; cj < ci && !earlier; ++cj) earlier = popcount64(x & chunks_[cj].mask) <= s;
          if (!earlier) out.push_back({a, b, d});
        }
      };
      flips(extract(&wa, c.first_bit, c.bits), 0, s, c.bits, bucket);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const HashPair& x, const HashPair& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
  return out;
}

}  // namespace pixelcache
