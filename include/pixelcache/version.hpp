// pixelcache/version.hpp — library version.
#pragma once

#define PIXELCACHE_VERSION_MAJOR 0
#define PIXELCACHE_VERSION_MINOR 1
#define PIXELCACHE_VERSION_PATCH 0

namespace pixelcache {
/// "MAJOR.MINOR.PATCH" of the library linked.
const char* version() noexcept;
}  // namespace pixelcache
