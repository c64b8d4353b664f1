// Helpers for the cache tests: a temporary directory, deterministic values
// per key index, and child processes that report through their exit code.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "pixelcache/pixelcache.hpp"
#include "test_support.hpp"

namespace pixelcache::test {

/// A fresh directory under `base` ($TMPDIR by default), removed with its
/// contents on destruction.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& base = std::filesystem::temp_directory_path()) {
    std::string tmpl = (base / "pixelcache-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Random bytes (an LCG seeded with `seed`): they do not compress.
inline std::vector<std::uint8_t> noise_bytes(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (auto& b : v) b = static_cast<std::uint8_t>((s = s * 1664525u + 1013904223u) >> 24);
  return v;
}

/// A noisy RGB image (does not compress, so stored sizes are predictable).
inline Image noise_image(int h, int w, std::uint32_t seed) {
  return Image::from_u8({h, w}, Mode::RGB, noise_bytes(static_cast<std::size_t>(h) * w * 3, seed));
}

/// A small noisy RGB image that differs for every `i` (sizes vary too).
inline Image image_for(int i) { return noise_image(8 + (i % 7) * 4, 8 + (i % 5) * 4, static_cast<std::uint32_t>(i)); }

/// The key of value number `i`.
inline Digest key_for(int i) { return CacheKey("test", "image_for", "1").add(Value(i)).digest(); }

/// A Value tree holding one of every kind.
inline Value every_kind_value() {
  Array a{"float32", {2, 2}, std::vector<std::uint8_t>(16, 7)};
  return HashableDict{
      {"null", Value()},
      {"bool", true},
      {"int", -42},
      {"float", 3.25},
      {"string", std::string("caf\xc3\xa9")},
      {"image", pattern(5, 7)},
      {"mask", pattern(4, 4, Mode::Binary)},
      {"bbox", BoundingBox(1, 2, 5, 6, ImageSize{10, 10}, false)},
      {"bbox_free", BoundingBox(0.1, 0.2, 0.5, 0.6, std::nullopt, true)},
      {"array", a},
      {"list", HashableList{1, 2.5, "x", HashableList{}}},
      {"nested", HashableDict{{"k", HashableList{Value(), false}}}},
  };
}

/// Runs `body` in a forked child that exits with its result (98 for an
/// exception); the child never returns into the test runner.
inline pid_t spawn(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 99;
    try {
      rc = body();
    } catch (...) {
      rc = 98;
    }
    ::_exit(rc);
  }
  return pid;
}

/// The exit code of child `pid`, or 128 + the signal that ended it.
inline int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// spawn(body), then wait_for() it.
inline int in_child(const std::function<int()>& body) { return wait_for(spawn(body)); }

/// Options for a cache with only the tiers given.
inline CacheOptions tiers(std::uint64_t memory_bytes, const std::filesystem::path& disk = {},
                          std::uint64_t disk_bytes = 64u << 20, const std::string& redis_url = {}) {
  CacheOptions o;
  o.key_namespace = "test";
  o.memory_bytes = memory_bytes;
  o.disk_path = disk;
  o.disk_bytes = disk.empty() ? 0 : disk_bytes;
  o.redis_url = redis_url;
  o.retry_backoff = std::chrono::milliseconds(100);
  o.connect_timeout = std::chrono::milliseconds(300);
  o.command_timeout = std::chrono::milliseconds(500);
  return o;
}

}  // namespace pixelcache::test
