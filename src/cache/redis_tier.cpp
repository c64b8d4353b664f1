// The Redis tier over hiredis (redis_tier.hpp): a small pool of blocking
// connections with connect and command time-outs; a connection that fails
// is dropped and the next call reconnects.
#include "cache/redis_tier.hpp"

#include <hiredis/hiredis.h>
#include <pthread.h>

#include <csignal>
#include <cstring>

namespace pixelcache::cache_detail {

namespace {

constexpr std::size_t kMaxIdle = 16;
constexpr const char* kScanCount = "1000";

struct ReplyFree {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

struct ContextFree {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::string reply_text(const redisReply* r) { return r->str ? escape_bytes(std::string_view(r->str, r->len)) : ""; }

// Keeps SIGPIPE away from the process while this thread writes to a socket
// whose server went away (hiredis writes with write(), and the default
// action of SIGPIPE ends the process): the signal is blocked in this
// thread, and one it raised is consumed before the mask is restored.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

// Glob-escapes `s` for SCAN MATCH.
std::string glob_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

// One connection in use; returned to the pool unless a command failed.
struct RedisTier::Conn {
  RedisTier& tier;
  Context ctx;

  Conn(RedisTier& t, Context c) : tier(t), ctx(std::move(c)) {}
  Conn(Conn&&) noexcept = default;

  [[noreturn]] void fail(const std::string& what) {
    const std::string detail = ctx && ctx->err ? std::string(": ") + ctx->errstr : "";
    ctx.reset();
    throw TierFailure("Redis " + tier.url_.describe() + ": " + what + detail);
  }

  // Sends one command and reads its reply; throws TierFailure for I/O
  // errors, time-outs and error replies (`writes_only` for the latter: a
  // write the server refuses, e.g. out of memory, leaves reads on).
  Reply command(std::initializer_list<std::string_view> args, bool writes_only = false) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (auto a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    Reply r;
    {
      SigpipeGuard guard;
      r.reset(static_cast<redisReply*>(
          redisCommandArgv(ctx.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
    }
    if (!r) fail("command " + std::string(args.begin()->substr(0, 16)) + " failed");
    if (r->type == REDIS_REPLY_ERROR) {
      const std::string text = reply_text(r.get());
      ctx.reset();  // the connection may be fine, but an error reply is a tier failure either way
      throw TierFailure("Redis " + tier.url_.describe() + ": " + std::string(*args.begin()) + ": " + text, writes_only);
    }
    return r;
  }

  ~Conn() {
    if (!ctx) return;
    std::lock_guard lock(tier.mu_);
    if (tier.generation_ == fork_generation() && tier.idle_.size() < kMaxIdle) tier.idle_.push_back(ctx.release());
  }
};

RedisTier::RedisTier(RedisUrl url, TierBinding binding, std::chrono::seconds ttl,
                     std::chrono::milliseconds connect_timeout, std::chrono::milliseconds command_timeout,
                     const std::string& key_prefix)
    : url_(std::move(url)),
      binding_(std::move(binding)),
      prefix_(key_prefix + ":" + binding_.key_namespace + ":"),
      ttl_(ttl),
      connect_timeout_(connect_timeout),
      command_timeout_(command_timeout),
      generation_(fork_generation()) {}

RedisTier::~RedisTier() {
  // Sockets inherited across fork are the parent's connections too:
  // closing our copies does not disturb them.
  for (redisContext* c : idle_) redisFree(c);
}

namespace {

Context open_connection(const RedisUrl& url, std::chrono::milliseconds connect_timeout,
                        std::chrono::milliseconds command_timeout, std::string& error) {
  const timeval tv = to_timeval(connect_timeout);
  Context c(url.unix_socket ? redisConnectUnixWithTimeout(url.path.c_str(), tv)
                            : redisConnectWithTimeout(url.host.c_str(), url.port, tv));
  if (!c) {
    error = "cannot allocate a connection";
    return nullptr;
  }
  if (c->err) {
    error = std::string("cannot connect: ") + c->errstr;
    return nullptr;
  }
  redisSetTimeout(c.get(), to_timeval(command_timeout));
  if (!url.unix_socket) redisEnableKeepAlive(c.get());
  return c;
}

}  // namespace

RedisTier::Conn RedisTier::acquire() {
  {
    std::lock_guard lock(mu_);
    if (generation_ != fork_generation()) {
      for (redisContext* ctx : idle_) redisFree(ctx);
      idle_.clear();
      generation_ = fork_generation();
    }
    if (!idle_.empty()) {
      Context ctx(idle_.back());
      idle_.pop_back();
      return Conn{*this, std::move(ctx)};
    }
  }
  std::string error;
  Conn conn{*this, open_connection(url_, connect_timeout_, command_timeout_, error)};
  if (!conn.ctx) conn.fail(error);
  if (!url_.password.empty()) {
    if (url_.user.empty())
      conn.command({"AUTH", url_.password});
    else
      conn.command({"AUTH", url_.user, url_.password});
  }
  if (url_.db) conn.command({"SELECT", std::to_string(url_.db)});
  if (!limit_known_.load(std::memory_order_relaxed)) learn_value_limit(conn);
  return conn;
}

void RedisTier::learn_value_limit(Conn& conn) {
  // CONFIG may be renamed or refused (managed Redis): then the default stays.
  const char* argv[] = {"CONFIG", "GET", "proto-max-bulk-len"};
  Reply r;
  {
    SigpipeGuard guard;
    r.reset(static_cast<redisReply*>(redisCommandArgv(conn.ctx.get(), 3, argv, nullptr)));
  }
  if (!r) conn.fail("CONFIG GET proto-max-bulk-len failed");
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING) {
    try {
      const std::uint64_t n = std::stoull(std::string(r->element[1]->str, r->element[1]->len));
      if (n > 0) max_value_.store(n, std::memory_order_relaxed);
    } catch (const std::exception&) {
    }
  }
  limit_known_.store(true, std::memory_order_relaxed);
}

Lookup RedisTier::get(const Digest& key) {
  const std::string k = key_of(key);
  Lookup out;
  std::shared_ptr<redisReply> reply;
  {
    Conn c = acquire();
    reply = std::shared_ptr<redisReply>(c.command({"GET", k}).release(), ReplyFree());
  }
  if (reply->type == REDIS_REPLY_NIL) return out;
  if (reply->type != REDIS_REPLY_STRING) throw TierFailure("Redis " + url_.describe() + ": GET: unexpected reply type");
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(reply->str), reply->len);
  try {
    out.entry = decode_entry(bytes, EntryAddress{binding_.key_namespace, key}, binding_.key_bytes());
  } catch (const UnverifiedEntryError&) {
    return out;  // a miss for us, perhaps not for a holder of the key
  } catch (const CorruptEntryError&) {
    out.corrupt = true;
    try {
      erase(key);  // best effort: a corrupt entry is a miss either way
    } catch (const TierFailure&) {
    }
    return out;
  }
  if (out.entry->kind() != EntryKind::Code) {  // each tier signs Code entries with its own key
    out.raw = bytes;
    out.raw_owner = reply;
  }
  return out;
}

void RedisTier::put(const Digest& key, const EncodedEntry& encoded) {
  std::optional<EncodedEntry> signed_copy;
  if (encoded.needs_signature()) {
    if (!binding_.signing_key) return;  // no key: Code entries are not shared
    signed_copy = encoded.signed_with(binding_.key_bytes());
  }
  const EncodedEntry& entry = signed_copy ? *signed_copy : encoded;
  // A value the server would refuse (and drop the connection over) is not
  // sent: that entry is simply not shared, and the tier stays up.
  if (entry.size() > max_value_.load(std::memory_order_relaxed)) return;
  const std::string k = key_of(key);
  const std::vector<std::uint8_t> bytes = entry.to_vector();
  const std::string_view v(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  Conn c = acquire();
  if (entry.size() > max_value_.load(std::memory_order_relaxed)) return;  // learnt on this connection
  if (ttl_.count() > 0)
    c.command({"SET", k, v, "EX", std::to_string(ttl_.count())}, /*writes_only=*/true);
  else
    c.command({"SET", k, v}, /*writes_only=*/true);
}

bool RedisTier::contains(const Digest& key) {
  Conn c = acquire();
  return c.command({"EXISTS", key_of(key)})->integer > 0;
}

bool RedisTier::erase(const Digest& key) {
  Conn c = acquire();
  return c.command({"DEL", key_of(key)})->integer > 0;
}

void RedisTier::scan(const std::function<bool(const std::vector<std::string>&)>& visit) {
  const std::string pattern = glob_escape(prefix_) + "*";
  std::string cursor = "0";
  Conn c = acquire();
  do {
    Reply r = c.command({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanCount});
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[1]->type != REDIS_REPLY_ARRAY)
      c.fail("SCAN: unexpected reply");
    cursor.assign(r->element[0]->str, r->element[0]->len);
    std::vector<std::string> keys;
    const redisReply* list = r->element[1];
    for (std::size_t i = 0; i < list->elements; ++i)
      if (list->element[i]->type == REDIS_REPLY_STRING) keys.emplace_back(list->element[i]->str, list->element[i]->len);
    if (!keys.empty() && !visit(keys)) return;
  } while (cursor != "0");
}

void RedisTier::clear() {
  scan([this](const std::vector<std::string>& keys) {
    Conn c = acquire();
    for (const auto& k : keys) c.command({"UNLINK", k});
    return true;
  });
}

void RedisTier::for_each(const std::function<bool(const EntryInfo&)>& visit) {
  const std::string head_end = std::to_string(kMaxHead - 1);
  scan([&](const std::vector<std::string>& keys) {
    Conn c = acquire();
    for (const auto& k : keys) {
      Digest d;
      try {
        d = Digest::from_hex(std::string_view(k).substr(prefix_.size()));
      } catch (const InvalidArgument&) {
        continue;  // not one of ours
      }
      Reply head = c.command({"GETRANGE", k, "0", head_end});
      Reply len = c.command({"STRLEN", k});
      if (head->type != REDIS_REPLY_STRING || head->len == 0) continue;  // expired meanwhile
      const std::span<const std::uint8_t> h(reinterpret_cast<const std::uint8_t*>(head->str), head->len);
      // (An entry that states another address than its key is skipped, as
      // an unreadable one: verify() drops it.)
      if (auto info = entry_info(h, static_cast<std::uint64_t>(len->integer)))
        if (info->key == d && info->key_namespace == binding_.key_namespace && !visit(*info)) return false;
    }
    return true;
  });
}

VerifyCounts RedisTier::verify() {
  VerifyCounts counts;
  scan([&](const std::vector<std::string>& keys) {
    Conn c = acquire();
    for (const auto& k : keys) {
      Reply r = c.command({"GET", k});
      if (r->type != REDIS_REPLY_STRING) continue;  // expired meanwhile
      ++counts.checked;
      try {
        Digest d;
        try {
          d = Digest::from_hex(std::string_view(k).substr(prefix_.size()));
        } catch (const InvalidArgument&) {
          corrupt("a key that does not end in 32 hex digits");
        }
        (void)decode_entry({reinterpret_cast<const std::uint8_t*>(r->str), r->len},
                           EntryAddress{binding_.key_namespace, d}, binding_.key_bytes());
        ++counts.ok;
      } catch (const CorruptEntryError&) {
        ++counts.corrupt;
        c.command({"DEL", k});
      } catch (const UnverifiedEntryError&) {
        ++counts.ok;  // intact as far as this process can tell (no signing key)
      } catch (const LimitError&) {
        ++counts.ok;  // intact, but larger than this process's image limit
      }
    }
    return true;
  });
  return counts;
}

}  // namespace pixelcache::cache_detail
