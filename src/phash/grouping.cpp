// Groups of near hashes from the pairs within a threshold (hash_index.hpp):
// greedy centres, or connected components.
#include <algorithm>
#include <numeric>
#include <queue>

#include "pixelcache/error.hpp"
#include "pixelcache/hash_index.hpp"

namespace pixelcache {

namespace {

// Neighbours of each item with distances, from the pairs (compressed rows).
struct Graph {
  std::vector<std::size_t> start;
  std::vector<Neighbour> edges;
  std::size_t degree(std::size_t u) const { return start[u + 1] - start[u]; }
  std::span<const Neighbour> of(std::size_t u) const { return {&edges[start[u]], degree(u)}; }
};

Graph make_graph(std::size_t count, std::span<const HashPair> pairs) {
  Graph g;
  g.start.assign(count + 1, 0);
  for (const auto& p : pairs) {
    if (p.a >= count || p.b >= count || p.a == p.b)
      throw InvalidArgument("group_pairs: pair (" + std::to_string(p.a) + ", " + std::to_string(p.b) +
                            ") outside the " + std::to_string(count) + " items");
    ++g.start[p.a + 1], ++g.start[p.b + 1];
  }
  std::partial_sum(g.start.begin(), g.start.end(), g.start.begin());
  g.edges.resize(g.start[count]);
  std::vector<std::size_t> fill(g.start.begin(), g.start.end() - 1);
  for (const auto& p : pairs) {
    g.edges[fill[p.a]++] = {p.b, p.distance};
    g.edges[fill[p.b]++] = {p.a, p.distance};
  }
  return g;
}

// Greedy centres: the item with the most ungrouped neighbours (ties: the
// lower index) takes them; stale heap entries (degrees only fall) are
// re-counted when they surface.
std::vector<HashGroup> centres(std::size_t count, const Graph& g) {
  std::vector<char> grouped(count, 0);
  using Entry = std::pair<std::size_t, std::size_t>;  // (degree, index)
  auto lower = [](const Entry& x, const Entry& y) {
    return x.first != y.first ? x.first < y.first : x.second > y.second;
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(lower)> heap(lower);
  for (std::size_t u = 0; u < count; ++u)
    if (g.degree(u) > 0) heap.push({g.degree(u), u});
  std::vector<HashGroup> out;
  while (!heap.empty()) {
    const auto [d, u] = heap.top();
    heap.pop();
    if (grouped[u]) continue;
    std::size_t now = 0;
    for (const auto& n : g.of(u)) now += grouped[n.index] ? 0 : 1;
    if (now != d) {
      if (now > 0) heap.push({now, u});
      continue;
    }
    HashGroup group{u, {{u, 0}}};
    grouped[u] = 1;
    for (const auto& n : g.of(u))
      if (!grouped[n.index]) grouped[n.index] = 1, group.members.push_back(n);
    out.push_back(std::move(group));
  }
  return out;
}

std::size_t find_root(std::vector<std::size_t>& parent, std::size_t u) {
  while (parent[u] != u) u = parent[u] = parent[parent[u]];
  return u;
}

std::vector<HashGroup> components(std::size_t count, const Graph& g, std::span<const HashPair> pairs,
                                  const std::function<int(std::size_t, std::size_t)>& distance) {
  std::vector<std::size_t> parent(count);
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  for (const auto& p : pairs) {
    const std::size_t a = find_root(parent, p.a), b = find_root(parent, p.b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
  std::vector<std::vector<std::size_t>> members(count);
  for (std::size_t u = 0; u < count; ++u)
    if (g.degree(u) > 0) members[find_root(parent, u)].push_back(u);
  std::vector<HashGroup> out;
  for (auto& m : members) {
    if (m.size() < 2) continue;
    // The centre: the most neighbours, ties to the lower index.
    const std::size_t c = *std::min_element(m.begin(), m.end(), [&](std::size_t x, std::size_t y) {
      return g.degree(x) != g.degree(y) ? g.degree(x) > g.degree(y) : x < y;
    });
    HashGroup group{c, {}};
    for (std::size_t u : m) group.members.push_back({u, u == c ? 0 : distance(c, u)});
    out.push_back(std::move(group));
  }
  return out;
}

}  // namespace

const char* grouping_name(Grouping g) noexcept { return g == Grouping::Connected ? "connected" : "centre"; }

Grouping parse_grouping(std::string_view name) {
  if (name == "centre" || name == "center") return Grouping::Centre;
  if (name == "connected") return Grouping::Connected;
  throw InvalidArgument("unknown grouping '" + escape_bytes(name) + "' (expected centre or connected)");
}

std::vector<HashGroup> group_pairs(std::size_t count, std::span<const HashPair> pairs, Grouping grouping,
                                   const std::function<int(std::size_t, std::size_t)>& distance) {
  const Graph g = make_graph(count, pairs);
  std::vector<HashGroup> out =
      grouping == Grouping::Connected ? components(count, g, pairs, distance) : centres(count, g);
  for (auto& group : out)
    std::sort(group.members.begin(), group.members.end(),
              [](const Neighbour& a, const Neighbour& b) { return a.index < b.index; });
  std::sort(out.begin(), out.end(),
            [](const HashGroup& a, const HashGroup& b) { return a.members.front().index < b.members.front().index; });
  return out;
}

std::vector<HashGroup> group_hashes(std::span<const ImageHash> hashes, int threshold, Grouping grouping) {
  const HashIndex index(hashes, threshold);
  const std::vector<HashPair> pairs = index.pairs();
  return group_pairs(hashes.size(), pairs, grouping,
                     [&](std::size_t a, std::size_t b) { return hashes[a].distance(hashes[b]); });
}

}  // namespace pixelcache
