// Linked into every test program of the tsan preset, and preloaded
// (LD_PRELOAD) into Debian's Python for the Python thread tests; see
// tests/CMakeLists.txt.
//
// OpenCV's parallel_for_ hands rows to TBB worker threads. TBB is not
// instrumented, so ThreadSanitizer cannot see how those workers synchronise
// with the caller and reports the rows they write as races. (Setting
// OPENCV_FOR_THREADS_NUM=1 is not enough: with several calling threads TBB
// still runs bodies on its workers.) With cv::setNumThreads(1),
// parallel_for_ runs its body in the calling thread, so every thread TSan
// sees is one the tests started, and every access of pixelcache's code
// stays checked.
#include <opencv2/core/utility.hpp>

namespace {
[[gnu::constructor]] void pixelcache_tsan_serial_opencv() { cv::setNumThreads(1); }
}  // namespace
