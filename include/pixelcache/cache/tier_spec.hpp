// pixelcache/cache/tier_spec.hpp — tier specs: one string names a cache tier
// the same way in C++, Python, the command line and the environment (part of
// pixelcache/cache.hpp).
//
// Grammar (sizes: a number with an optional unit B, K/KiB, M/MiB, G/GiB,
// T/TiB, binary in both spellings; "256MiB" = "256M" = 268435456 bytes):
//   memory:SIZE                 the memory tier, bounded to SIZE (0: off)
//   lmdb:DIR[?max=SIZE]         the disk tier (an LMDB store) in DIR; max is
//   disk:DIR[?max=SIZE]         the bound of a new store (CacheOptions::
//                               disk_bytes). A '?' or '%' in DIR is written
//                               %3F / %25.
//   redis://[[user]:pass@]host[:port][/db][?prefix=P&ttl=SECONDS&timeout=MS&connect_timeout=MS]
//   unix:///path[?db=N&prefix=P&ttl=SECONDS&timeout=MS&connect_timeout=MS]
//                               the Redis tier; prefix starts its keys
//                               ("P:<namespace>:<hex key>", default
//                               "pixelcache"), ttl is the expiry of its
//                               entries, timeout the command and
//                               connect_timeout the connect time-out.
//   SCHEME:...                  a tier registered by the program (see
//                               src/cache/tier_registry.hpp), below the
//                               built-in tiers.
// CacheOptions::add_tier() / from_specs() read specs and
// CacheOptions::tier_specs() / Cache::tiers() write them back; reading a
// written spec gives the same options.
//
// Thread safety: pure functions, callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pixelcache {

/// Bytes in `text`: digits then an optional unit (B, K, KiB, M, MiB, G, GiB,
/// T, TiB; all powers of 1024). Throws InvalidArgument naming `what` and
/// `text` when it is not such a size or exceeds 2^64 - 1 bytes.
std::uint64_t parse_byte_size(std::string_view text, std::string_view what);
/// `bytes` in the largest binary unit that divides it exactly ("256MiB",
/// "1GiB", "1000B", "0B"); parse_byte_size() reads it back.
std::string format_byte_size(std::uint64_t bytes);
/// The scheme of a spec: the text before the first ':' ("redis" for
/// "redis://h"). Throws InvalidArgument naming the spec when it has none.
std::string tier_scheme(std::string_view spec);
/// `spec` with any password replaced by "***" and non-printable bytes
/// escaped, for messages and listings.
std::string printable_tier_spec(std::string_view spec);

}  // namespace pixelcache
