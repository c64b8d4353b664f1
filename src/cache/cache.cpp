// Cache: the tiers stacked (read-through, write to all), back-off of failing
// tiers, statistics, and single-flight get_or_compute (cache.hpp).
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "cache/disk_tier.hpp"
#include "cache/memory_tier.hpp"
#include "cache/tier_registry.hpp"

namespace pixelcache {

using namespace cache_detail;

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Counters and back-off of one tier.
struct TierState {
  std::atomic<std::uint64_t> hits{0}, misses{0}, writes{0}, corrupt{0}, errors{0};
  // Time (steady clock, ns) before which reads / writes skip the tier; 0 = go.
  std::atomic<std::int64_t> read_retry_at{0}, write_retry_at{0};
  std::atomic<int> failures{0};

  bool usable(bool write) const {
    const std::int64_t at = (write ? write_retry_at : read_retry_at).load(std::memory_order_relaxed);
    return at == 0 || now_ns() >= at;
  }
  void failed(bool writes_only, std::chrono::milliseconds backoff) {
    errors.fetch_add(1, std::memory_order_relaxed);
    const int n = std::min(failures.fetch_add(1, std::memory_order_relaxed), 5);
    const std::int64_t at = now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(backoff).count() * (1 << n);
    write_retry_at.store(at, std::memory_order_relaxed);
    if (!writes_only) read_retry_at.store(at, std::memory_order_relaxed);
  }
  void succeeded(bool write) {
    if (failures.load(std::memory_order_relaxed) == 0) return;
    failures.store(0, std::memory_order_relaxed);
    (write ? write_retry_at : read_retry_at).store(0, std::memory_order_relaxed);
  }
};

struct Store {
  std::unique_ptr<StoreTier> tier;
  std::string name;  // tier_name(kind) for the built-in tiers, else the scheme
  TierState state;
  /// The current outage was announced (take_notices()); cleared when the
  /// tier works again, so the next outage is announced too.
  std::atomic<bool> announced{false};
};

// One computation in flight, shared by the callers of get_or_compute that
// wait for it. (A mutex and a condition variable rather than std::promise,
// whose set_value runs std::call_once: a futex syscall on every leader's
// path, hits included.)
struct Flight {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  std::optional<Entry> entry;
  std::exception_ptr error;
  const std::thread::id owner = std::this_thread::get_id();

  void publish(std::optional<Entry> e, std::exception_ptr err) {
    {
      std::lock_guard lock(mu);
      entry = std::move(e);
      error = std::move(err);
      done = true;
    }
    done_cv.notify_all();  // no syscall when nobody waits
  }
  Entry wait() {
    std::unique_lock lock(mu);
    done_cv.wait(lock, [this] { return done; });
    if (error) std::rethrow_exception(error);
    return *entry;
  }
};

Origin origin_of(TierKind t) {
  switch (t) {
    case TierKind::Memory: return Origin::Memory;
    case TierKind::Disk: return Origin::Disk;
    case TierKind::Redis: return Origin::Redis;
    case TierKind::Other: return Origin::Other;
  }
  return Origin::Computed;
}

// The stored tiers `o` describes, in stacking order: the built-in ones, then
// extra_tiers.
std::vector<std::pair<std::shared_ptr<const TierType>, std::string>> stored_tiers(const CacheOptions& o) {
  std::vector<std::pair<std::shared_ptr<const TierType>, std::string>> out;
  for (const auto& t : builtin_tier_types())
    if (t->open)
      if (auto spec = t->spec_of(o)) out.emplace_back(t, std::move(*spec));
  for (const auto& spec : o.extra_tiers) out.emplace_back(tier_type_of(spec), spec);
  return out;
}

}  // namespace

struct Cache::Impl {
  CacheOptions opt;
  std::unique_ptr<MemoryTier> memory;
  TierState memory_state;
  std::vector<std::unique_ptr<Store>> stores;  // disk, then Redis, then extra tiers
  DiskTier* disk = nullptr;
  std::vector<TierInfo> tiers;
  std::mutex flights_mu;
  std::unordered_map<Digest, std::shared_ptr<Flight>, DigestHash> flights;
  std::atomic<std::uint64_t> computed{0}, joined{0};
  std::mutex notices_mu;
  std::vector<std::string> notices;

  // Says once per outage that a tier stopped working, and why.
  void announce(Store& s, const std::string& why) {
    if (s.announced.exchange(true)) return;
    std::lock_guard lock(notices_mu);
    notices.push_back(s.name + " tier unavailable (" + why + "); going on without it, trying again after a back-off");
  }

  // Runs `f` on `s` unless it is backing off; counts failures. Returns false
  // when the tier was skipped or failed.
  template <class F>
  bool attempt(Store& s, bool write, F&& f) {
    if (!s.state.usable(write)) return false;
    try {
      f(*s.tier);
    } catch (const TierFailure& e) {
      s.state.failed(e.writes_only(), opt.retry_backoff);
      announce(s, e.what());
      return false;
    } catch (const LimitError&) {
      return false;  // an entry too large for this process's image limit: a miss, not a failure
    } catch (const std::exception& e) {
      s.state.failed(false, opt.retry_backoff);
      announce(s, e.what());
      return false;
    }
    s.state.succeeded(write);
    if (s.announced.load(std::memory_order_relaxed)) s.announced.store(false, std::memory_order_relaxed);
    return true;
  }

  // Looks in the stored tiers (after the memory tier), promoting a hit;
  // `generation`, when given, receives promote()'s memory generation.
  std::optional<Entry> lookup_stores(const Digest& key, TierKind* found_in,
                                     std::optional<std::uint64_t>* generation = nullptr) {
    for (std::size_t i = 0; i < stores.size(); ++i) {
      Store& s = *stores[i];
      Lookup r;
      if (!attempt(s, false, [&](StoreTier& t) { r = t.get(key); })) continue;
      if (r.corrupt) s.state.corrupt.fetch_add(1, std::memory_order_relaxed);
      if (!r.entry) {
        s.state.misses.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      s.state.hits.fetch_add(1, std::memory_order_relaxed);
      if (found_in) *found_in = s.tier->kind();
      const auto promoted = promote(key, *r.entry, r.raw, i);
      if (generation) *generation = promoted;
      return std::move(r.entry);
    }
    return std::nullopt;
  }

  // Stores `e` in the memory tier; the generation after the store, or
  // nullopt when it was not stored.
  std::optional<std::uint64_t> memory_put(const Digest& key, const Entry& e) {
    std::uint64_t generation = 0;
    if (!memory || !memory->put(key, e, &generation)) return std::nullopt;
    memory_state.writes.fetch_add(1, std::memory_order_relaxed);
    return generation;
  }

  // Copies a hit of stores[below] into the tiers above it; the memory
  // generation as memory_put() gives it.
  std::optional<std::uint64_t> promote(const Digest& key, const Entry& e, std::span<const std::uint8_t> raw,
                                       std::size_t below) {
    const auto generation = memory_put(key, e);
    std::optional<EncodedEntry> enc;
    for (std::size_t j = 0; j < below; ++j) {
      Store& s = *stores[j];
      if (!s.state.usable(true)) continue;
      if (!enc) enc = raw.empty() ? EncodedEntry::prepare(e, address(key), opt.compression) : EncodedEntry::raw(raw);
      if (attempt(s, true, [&](StoreTier& t) { t.put(key, *enc); }))
        s.state.writes.fetch_add(1, std::memory_order_relaxed);
    }
    return generation;
  }

  // Stores `entry` in every tier; the memory generation as memory_put() gives it.
  std::optional<std::uint64_t> put_all(const Digest& key, const Entry& entry) {
    const auto generation = memory_put(key, entry);
    std::optional<EncodedEntry> enc;
    for (auto& s : stores) {
      if (!s->state.usable(true)) continue;
      if (!enc) enc = EncodedEntry::prepare(entry, address(key), opt.compression);
      if (attempt(*s, true, [&](StoreTier& t) { t.put(key, *enc); }))
        s->state.writes.fetch_add(1, std::memory_order_relaxed);
    }
    return generation;
  }

  std::optional<Entry> memory_get(const Digest& key, std::uint64_t* generation = nullptr) {
    if (!memory) return std::nullopt;
    auto e = memory->get(key, generation);
    (e ? memory_state.hits : memory_state.misses).fetch_add(1, std::memory_order_relaxed);
    return e;
  }

  EntryAddress address(const Digest& key) const { return EntryAddress{opt.key_namespace, key}; }

  Store* find(TierKind kind) {
    for (auto& s : stores)
      if (s->tier->kind() == kind) return s.get();
    return nullptr;
  }
};

Cache::Cache() : Cache(CacheOptions::from_environment()) {}

Cache::Cache(CacheOptions options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.opt = std::move(options);
  validate_namespace(m.opt.key_namespace);
  if (m.opt.retry_backoff.count() < 0 || m.opt.connect_timeout.count() <= 0 || m.opt.command_timeout.count() <= 0 ||
      m.opt.redis_ttl.count() < 0)
    throw InvalidArgument("cache options: time-outs must be positive and the back-off and TTL not negative");
  TierBinding binding{m.opt.key_namespace, std::nullopt};
  if (!m.opt.secret.empty()) binding.signing_key.emplace(m.opt.secret.begin(), m.opt.secret.end());
  // Check every tier first: a malformed one should not leave a store opened.
  const auto stored = stored_tiers(m.opt);
  for (const auto& [type, spec] : stored)
    if (type->validate) type->validate(TierContext{m.opt, spec, binding});
  if (m.opt.memory_bytes > 0) {
    m.memory = std::make_unique<MemoryTier>(m.opt.memory_bytes, m.opt.key_namespace);
    m.tiers.push_back({TierKind::Memory, tier_name(TierKind::Memory), m.opt.tier_spec(TierKind::Memory)});
  }
  for (const auto& [type, spec] : stored) {
    auto s = std::make_unique<Store>();
    s->tier = type->open(TierContext{m.opt, spec, binding});
    s->name = type->kind == TierKind::Other ? type->schemes.front() : tier_name(type->kind);
    if (type->kind == TierKind::Disk) m.disk = dynamic_cast<DiskTier*>(s->tier.get());
    m.tiers.push_back({s->tier->kind(), s->name, spec});
    m.stores.push_back(std::move(s));
  }
}

Cache::~Cache() = default;

const CacheOptions& Cache::options() const noexcept { return impl_->opt; }

const std::vector<TierInfo>& Cache::tiers() const noexcept { return impl_->tiers; }

bool Cache::has_tier(TierKind tier) const noexcept {
  if (tier == TierKind::Memory) return impl_->memory != nullptr;
  return impl_->find(tier) != nullptr;
}

std::optional<Entry> Cache::get(const Digest& key, TierKind* found_in) {
  if (auto e = impl_->memory_get(key)) {
    if (found_in) *found_in = TierKind::Memory;
    return e;
  }
  return impl_->lookup_stores(key, found_in);
}

std::optional<Image> Cache::get_image(const Digest& key) {
  if (auto e = get(key)) return e->image();
  return std::nullopt;
}

std::optional<Value> Cache::get_value(const Digest& key) {
  if (auto e = get(key)) return e->value();
  return std::nullopt;
}

std::optional<Bytes> Cache::get_bytes(const Digest& key) {
  if (auto e = get(key)) return e->bytes();
  return std::nullopt;
}

void Cache::put(const Digest& key, const Entry& entry) { impl_->put_all(key, entry); }

bool Cache::contains(const Digest& key) {
  auto& m = *impl_;
  if (m.memory && m.memory->contains(key)) return true;
  for (auto& s : m.stores) {
    bool found = false;
    if (m.attempt(*s, false, [&](StoreTier& t) { found = t.contains(key); }) && found) return true;
  }
  return false;
}

bool Cache::erase(const Digest& key) {
  auto& m = *impl_;
  bool any = m.memory && m.memory->erase(key);
  for (auto& s : m.stores) {
    bool found = false;
    if (m.attempt(*s, true, [&](StoreTier& t) { found = t.erase(key); })) any = any || found;
  }
  return any;
}

bool Cache::clear() {
  auto& m = *impl_;
  if (m.memory) m.memory->clear();
  bool all = true;
  for (auto& s : m.stores) {
    // An explicit clear is tried even while the tier backs off.
    s->state.write_retry_at.store(0, std::memory_order_relaxed);
    all = m.attempt(*s, true, [](StoreTier& t) { t.clear(); }) && all;
  }
  return all;
}

Cache::Fetched Cache::get_or_compute(const Digest& key, const std::function<Entry()>& compute) {
  auto& m = *impl_;
  std::uint64_t generation = 0;
  if (auto e = m.memory_get(key, &generation)) return {std::move(*e), Origin::Memory, generation};
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(m.flights_mu);
    auto& slot = m.flights[key];
    if (!slot) {
      slot = std::make_shared<Flight>();
      leader = true;
    }
    flight = slot;
  }
  if (!leader) {
    if (flight->owner == std::this_thread::get_id())
      throw InvalidArgument("get_or_compute: the computation of key " + key.hex() +
                            " asked for its own result (recursive memoize)");
    m.joined.fetch_add(1, std::memory_order_relaxed);
    return {flight->wait(), Origin::Joined, std::nullopt};
  }

  // This call leads: look in the stored tiers, else compute.
  auto finish = [&](std::optional<Entry> e, std::exception_ptr error) {
    {
      std::lock_guard lock(m.flights_mu);
      m.flights.erase(key);
    }
    flight->publish(std::move(e), std::move(error));
  };
  try {
    TierKind found = TierKind::Memory;
    std::optional<std::uint64_t> promoted;
    if (auto e = m.lookup_stores(key, &found, &promoted)) {
      finish(e, nullptr);
      return {std::move(*e), origin_of(found), promoted};
    }
    Entry e = compute();
    m.computed.fetch_add(1, std::memory_order_relaxed);
    const auto stored = m.put_all(key, e);
    finish(e, nullptr);
    return {std::move(e), Origin::Computed, stored};
  } catch (...) {
    finish(std::nullopt, std::current_exception());
    throw;
  }
}

CacheStats Cache::stats() const {
  auto& m = *impl_;
  CacheStats out;
  auto fill = [](TierStats& t, const TierState& s) {
    t.available = s.usable(false) && s.usable(true);
    t.hits = s.hits.load(std::memory_order_relaxed);
    t.misses = s.misses.load(std::memory_order_relaxed);
    t.writes = s.writes.load(std::memory_order_relaxed);
    t.corrupt = s.corrupt.load(std::memory_order_relaxed);
    t.errors = s.errors.load(std::memory_order_relaxed);
  };
  if (m.memory) {
    TierStats t;
    t.tier = TierKind::Memory;
    t.name = tier_name(TierKind::Memory);
    fill(t, m.memory_state);
    t.evictions = m.memory->evictions();
    t.entries = m.memory->entries();
    t.bytes = m.memory->bytes();
    t.max_bytes = m.memory->max_bytes();
    out.tiers.push_back(t);
  }
  for (auto& s : m.stores) {
    TierStats t;
    t.tier = s->tier->kind();
    t.name = s->name;
    std::optional<std::pair<std::uint64_t, std::uint64_t>> size;
    m.attempt(*s, false, [&](StoreTier& tier) {
      size = tier.size();
      t.totals = tier.totals();
    });
    fill(t, s->state);
    if (size) {
      t.entries = size->first;
      t.bytes = size->second;
    }
    t.evictions = s->tier->evictions();
    t.max_bytes = s->tier->max_bytes();
    out.tiers.push_back(t);
  }
  out.computed = m.computed.load(std::memory_order_relaxed);
  out.joined = m.joined.load(std::memory_order_relaxed);
  return out;
}

std::uint64_t Cache::memory_generation() const noexcept { return impl_->memory ? impl_->memory->generation() : 0; }

void Cache::count_memory_hits(std::uint64_t n) noexcept {
  if (impl_->memory) impl_->memory_state.hits.fetch_add(n, std::memory_order_relaxed);
}

TrimReport Cache::trim(std::uint64_t max_bytes) {
  if (max_bytes > kMaxDiskBytes)
    throw InvalidArgument("cache trim: a bound of " + std::to_string(max_bytes) +
                          " bytes is over the limit of 16 TiB (2^44 bytes)");
  auto& m = *impl_;
  // The memory tier keeps its entries, but fronts of it start afresh, as
  // after the other maintenance calls.
  if (m.memory) m.memory->invalidate();
  TrimReport report;
  report.ok = false;
  if (Store* s = m.find(TierKind::Disk); s && m.disk)
    report.ok = m.attempt(*s, true, [&](StoreTier&) { report = m.disk->trim(max_bytes); });
  return report;
}

VerifyReport Cache::verify() {
  auto& m = *impl_;
  VerifyReport report;
  for (auto& s : m.stores) {
    VerifyReport::Tier t;
    t.tier = s->tier->kind();
    t.name = s->name;
    VerifyCounts c;
    t.complete = m.attempt(*s, false, [&](StoreTier& tier) { c = tier.verify(); });
    t.checked = c.checked;
    t.ok = c.ok;
    t.corrupt = c.corrupt;
    t.set_aside = c.set_aside;
    t.problem = c.problem;
    s->state.corrupt.fetch_add(c.corrupt, std::memory_order_relaxed);
    report.tiers.push_back(t);
  }
  return report;
}

void Cache::flush() {
  if (Store* s = impl_->find(TierKind::Disk); s && impl_->disk)
    impl_->attempt(*s, true, [&](StoreTier&) { impl_->disk->flush(); });
}

std::vector<std::string> Cache::take_notices() {
  std::vector<std::string> out;
  {
    std::lock_guard lock(impl_->notices_mu);
    out.swap(impl_->notices);
  }
  for (auto& s : impl_->stores)
    for (auto& n : s->tier->take_notices()) out.push_back(std::move(n));
  return out;
}

void Cache::for_each_entry(TierKind tier, const std::function<bool(const EntryInfo&)>& visit) {
  auto& m = *impl_;
  if (tier == TierKind::Memory) {
    if (!m.memory) return;
    for (const auto& info : m.memory->snapshot())
      if (!visit(info)) return;
    return;
  }
  if (Store* s = m.find(tier)) m.attempt(*s, false, [&](StoreTier& t) { t.for_each(visit); });
}

}  // namespace pixelcache
