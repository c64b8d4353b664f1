// pixelcache/cache.hpp — the content-addressed cache: memory,
// disk (LMDB) and Redis tiers stacked behind one Cache, keyed by 128-bit
// digests, and memoize().
//
// A Cache holds results — images, Value trees (value.hpp) and byte strings —
// under 128-bit keys (Digest). Keys for function results are derived from
// (namespace, function name, user version, the arguments' digests) by
// CacheKey; memoize() wraps a function so it only runs on a miss.
//
// The declarations live in one header per concern under pixelcache/cache/;
// this header includes them all:
//   cache/bytes.hpp         Bytes, the immutable byte string
//   cache/entry.hpp         Entry (one cached result), EntryKind
//   cache/entry_format.hpp  the stored entry format: encode_entry(),
//                           decode_entry(), read_entry_header(), Compression
//   cache/key.hpp           CacheKey, cache_key(), argument_digest()
//   cache/options.hpp       CacheOptions, the disk bound constants
//   cache/tier_spec.hpp     tier specs (memory:SIZE, lmdb:DIR, redis://...),
//                           byte sizes
//   cache/environment.hpp   CacheEnvironment: the variables the cache reads
//   cache/stats.hpp         CacheStats, TierStats, VerifyReport, TrimReport,
//                           TierKind, Origin
//   cache/cache.hpp         class Cache; its file comment has integrity,
//                           trust, the disk store layout and thread safety
//   cache/memoize.hpp       memoize(), Memoized
// Each has its own thread-safety contract. In short: a Cache may be used
// from any number of threads at once; Entry, Bytes, CacheKey results and the
// option / statistics structs are plain values.
#pragma once

#include "pixelcache/cache/bytes.hpp"
#include "pixelcache/cache/cache.hpp"
#include "pixelcache/cache/entry.hpp"
#include "pixelcache/cache/entry_format.hpp"
#include "pixelcache/cache/environment.hpp"
#include "pixelcache/cache/key.hpp"
#include "pixelcache/cache/memoize.hpp"
#include "pixelcache/cache/options.hpp"
#include "pixelcache/cache/stats.hpp"
#include "pixelcache/cache/tier_spec.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/value.hpp"
