#include "pixelcache/version.hpp"

#define PXC_STR2(x) #x
#define PXC_STR(x) PXC_STR2(x)

namespace pixelcache {
const char* version() noexcept {
  return PXC_STR(PIXELCACHE_VERSION_MAJOR) "." PXC_STR(PIXELCACHE_VERSION_MINOR) "." PXC_STR(PIXELCACHE_VERSION_PATCH);
}
}  // namespace pixelcache
