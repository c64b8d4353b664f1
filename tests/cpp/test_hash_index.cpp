// HashIndex (multi-index hashing) against a brute-force scan, over hash
// sizes, counts and radii; group_hashes' two groupings.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "pixelcache/hash_index.hpp"
#include "test_support.hpp"

namespace pixelcache {
namespace {

ImageHash random_hash(int side, std::mt19937_64& rng) {
  std::vector<std::uint8_t> bits(static_cast<std::size_t>(side) * side);
  for (auto& b : bits) b = rng() & 1;
  return ImageHash(side, side, bits);
}

// `h` with `flips` distinct random bits flipped (at most all of them).
ImageHash flipped(const ImageHash& h, int flips, std::mt19937_64& rng) {
  std::vector<std::uint8_t> bits = h.bits();
  std::vector<std::size_t> order(bits.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  const std::size_t n = std::min(order.size(), static_cast<std::size_t>(flips));
  for (std::size_t i = 0; i < n; ++i) bits[order[i]] ^= 1;
  return ImageHash(h.rows(), h.cols(), bits);
}

// Random hashes with planted near copies (distance 0..12).
std::vector<ImageHash> corpus(int side, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<ImageHash> out;
  while (out.size() < n) {
    out.push_back(random_hash(side, rng));
    if (rng() % 3 == 0 && out.size() < n) out.push_back(flipped(out.back(), static_cast<int>(rng() % 13), rng));
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

std::vector<HashPair> brute_pairs(const std::vector<ImageHash>& h, int r) {
  std::vector<HashPair> out;
  for (std::size_t a = 0; a < h.size(); ++a)
    for (std::size_t b = a + 1; b < h.size(); ++b)
      if (const int d = h[a].distance(h[b]); d <= r) out.push_back({a, b, d});
  return out;
}

TEST(HashIndex, PairsEqualBruteForce) {
  struct Case {
    int side;
    std::size_t n;
    int r;
  };
  for (const Case c : {Case{8, 3000, 0}, Case{8, 3000, 3}, Case{8, 3000, 8}, Case{8, 3000, 12}, Case{8, 40, 8},
                       Case{5, 1500, 4}, Case{16, 1500, 20}, Case{16, 1500, 60}, Case{3, 500, 2}}) {
    const auto hashes = corpus(c.side, c.n, static_cast<std::uint64_t>(c.side * 1000 + c.r));
    const HashIndex index(hashes, c.r);
    EXPECT_EQ(index.pairs(), brute_pairs(hashes, c.r))
        << c.side << "x" << c.side << " n=" << c.n << " r=" << c.r << " chunks=" << index.chunks();
  }
}

TEST(HashIndex, UsesChunksForSmallRadii) {
  const auto hashes = corpus(8, 20000, 7);
  EXPECT_GE(HashIndex(hashes, 8).chunks(), 2);   // sub-quadratic
  EXPECT_EQ(HashIndex(hashes, 30).chunks(), 0);  // no chunking beats a scan near half the bits
  EXPECT_EQ(HashIndex(std::vector<ImageHash>(hashes.begin(), hashes.begin() + 5), 8).chunks(), 0);
}

TEST(HashIndex, WithinEqualsBruteForce) {
  const auto hashes = corpus(8, 5000, 11);
  const HashIndex index(hashes, 10);
  std::mt19937_64 rng(5);
  for (int q = 0; q < 50; ++q) {
    const ImageHash query = q % 2 ? flipped(hashes[rng() % hashes.size()], q % 9, rng) : random_hash(8, rng);
    for (int d : {0, 4, 10}) {
      std::vector<Neighbour> expected;
      for (std::size_t i = 0; i < hashes.size(); ++i)
        if (const int e = query.distance(hashes[i]); e <= d) expected.push_back({i, e});
      EXPECT_EQ(index.within(query, d), expected);
    }
  }
  EXPECT_THROW((void)index.within(hashes[0], 11), InvalidArgument);
  EXPECT_THROW((void)index.within(ImageHash::from_hex("1000000"), 3), InvalidArgument);
}

TEST(HashIndex, Errors) {
  const std::vector<ImageHash> mixed{ImageHash::from_hex("d879f8f89b1bbf00"), ImageHash::from_hex("1000000")};
  EXPECT_THROW(HashIndex(mixed, 4), InvalidArgument);
  EXPECT_THROW(HashIndex({}, -1), InvalidArgument);
  EXPECT_TRUE(HashIndex({}, 4).pairs().empty());
}

// Hashes at chosen distances from a base: base ^ (the first k bits).
ImageHash at_distance(int k) {
  std::vector<std::uint8_t> bits(64, 0);
  for (int i = 0; i < k; ++i) bits[static_cast<std::size_t>(i)] = 1;
  return ImageHash(8, 8, bits);
}

TEST(GroupHashes, CentreKeepsEveryMemberWithinTheThreshold) {
  // A chain 0 - 6 - 12 - 18 bits: at threshold 6, connected components join
  // all four; the centre 6 takes 0 and 12 (the most neighbours, the lower
  // index), and 18, 12 bits from it, stays out.
  const std::vector<ImageHash> chain{at_distance(0), at_distance(6), at_distance(12), at_distance(18),
                                     ImageHash::from_hex("aaaaaaaaaaaaaaaa")};
  const auto centre = group_hashes(chain, 6, Grouping::Centre);
  ASSERT_EQ(centre.size(), 1u);
  EXPECT_EQ(centre[0].centre, 1u);
  EXPECT_EQ(centre[0].members, (std::vector<Neighbour>{{0, 6}, {1, 0}, {2, 6}}));
  const auto connected = group_hashes(chain, 6, Grouping::Connected);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].members.size(), 4u);
  EXPECT_EQ(connected[0].centre, 1u);               // the most neighbours (with 2), the lower index
  EXPECT_EQ(connected[0].members[3].distance, 12);  // 18 is 12 from the centre at 6
}

TEST(GroupHashes, CentreTakesTheBestConnectedFirst) {
  // 1 is within 4 of 0, 2 and 3; 0, 2, 3 are 8 apart from each other.
  std::vector<std::uint8_t> base(64, 0);
  auto with = [&](std::initializer_list<int> set) {
    auto b = base;
    for (int i : set) b[static_cast<std::size_t>(i)] = 1;
    return ImageHash(8, 8, b);
  };
  const std::vector<ImageHash> h{with({0, 1, 2, 3}), with({}), with({10, 11, 12, 13}), with({20, 21, 22, 23})};
  const auto groups = group_hashes(h, 4);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].centre, 1u);
  EXPECT_EQ(groups[0].members.size(), 4u);
  EXPECT_EQ(parse_grouping("center"), Grouping::Centre);
  EXPECT_THROW(parse_grouping("kmeans"), InvalidArgument);
}

TEST(GroupHashes, GroupsAreSortedAndDisjoint) {
  const auto hashes = corpus(8, 4000, 3);
  for (Grouping g : {Grouping::Centre, Grouping::Connected}) {
    const auto groups = group_hashes(hashes, 8, g);
    std::vector<int> seen(hashes.size(), 0);
    for (std::size_t i = 0; i < groups.size(); ++i) {
      ASSERT_GE(groups[i].members.size(), 2u);
      if (i > 0) {
        EXPECT_LT(groups[i - 1].members[0].index, groups[i].members[0].index);
      }
      for (std::size_t j = 1; j < groups[i].members.size(); ++j)
        EXPECT_LT(groups[i].members[j - 1].index, groups[i].members[j].index);
      for (const auto& m : groups[i].members) ++seen[m.index];
    }
    for (int s : seen) EXPECT_LE(s, 1);
  }
}

}  // namespace
}  // namespace pixelcache
