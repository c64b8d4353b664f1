// pixelcache/net.hpp — fetching http(s) URLs (libcurl).
//
// Only http:// and https:// are fetched (also after redirects). Bodies are
// bounded in size and time; every failure is a NetworkError naming the URL.
//
// Thread safety: fetch_url() is reentrant (one curl handle per call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pixelcache {

/// Limits for fetch_url().
struct FetchOptions {
  /// Time allowed to connect, in milliseconds.
  long connect_timeout_ms = 10'000;
  /// Time allowed for the whole transfer, in milliseconds.
  long timeout_ms = 60'000;
  /// Largest body accepted, in bytes (LimitError above it).
  std::size_t max_bytes = std::size_t{256} << 20;
  /// Redirects followed at most (NetworkError beyond).
  int max_redirects = 5;
};

/// True when `s` starts with http:// or https:// (case-insensitive).
bool is_url(std::string_view s) noexcept;

/// GETs a URL and returns the body. Throws NetworkError (unreachable,
/// refused, time-out, HTTP status >= 400, too many redirects, other scheme)
/// and LimitError (body above max_bytes).
std::vector<std::uint8_t> fetch_url(const std::string& url, const FetchOptions& options = {});

}  // namespace pixelcache
