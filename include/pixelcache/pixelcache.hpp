// pixelcache/pixelcache.hpp — the umbrella header.
//
// pixelcache is one immutable, hashable image value (Image) with a stable
// content digest, loaders for files, URLs, bytes and raw buffers, writers,
// geometry types and hashable containers. The OpenCV interop lives in
// <pixelcache/interop/opencv.hpp>.
#pragma once

#include "pixelcache/cache.hpp"
#include "pixelcache/catalogue.hpp"
#include "pixelcache/compose.hpp"
#include "pixelcache/data.hpp"
#include "pixelcache/digest.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/geometry.hpp"
#include "pixelcache/grid.hpp"
#include "pixelcache/image.hpp"
#include "pixelcache/io.hpp"
#include "pixelcache/mask.hpp"
#include "pixelcache/net.hpp"
#include "pixelcache/ops.hpp"
#include "pixelcache/pipeline.hpp"
#include "pixelcache/thumbnail.hpp"
#include "pixelcache/value.hpp"
#include "pixelcache/version.hpp"
