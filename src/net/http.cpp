// URL fetching through libcurl (net.hpp).
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"

namespace pixelcache {

bool is_url(std::string_view s) noexcept {
  auto starts_ci = [&](std::string_view p) {
    if (s.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
    return true;
  };
  return starts_ci("http://") || starts_ci("https://");
}

namespace {

struct Body {
  std::vector<std::uint8_t> data;
  std::size_t limit = 0;
  bool over = false;
};

std::size_t on_data(char* ptr, std::size_t size, std::size_t n, void* user) {
  auto* b = static_cast<Body*>(user);
  const std::size_t k = size * n;
  if (b->data.size() + k > b->limit) {
    b->over = true;
    return 0;  // aborts the transfer
  }
  b->data.insert(b->data.end(), reinterpret_cast<std::uint8_t*>(ptr), reinterpret_cast<std::uint8_t*>(ptr) + k);
  return k;
}

}  // namespace

std::vector<std::uint8_t> fetch_url(const std::string& url, const FetchOptions& options) {
  if (!is_url(url)) throw NetworkError(url + ": only http:// and https:// URLs can be fetched");
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw NetworkError(url + ": cannot create a libcurl handle");
  Body body;
  body.limit = options.max_bytes;
  char errbuf[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "pixelcache/0.1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (body.over || rc == CURLE_FILESIZE_EXCEEDED)
    throw LimitError(url + ": response body exceeds the limit of " + std::to_string(options.max_bytes) +
                     " bytes (FetchOptions::max_bytes)");
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) why = "timed out (" + why + ")";
    if (rc == CURLE_TOO_MANY_REDIRECTS)
      why = "too many redirects (more than " + std::to_string(options.max_redirects) + ")";
    throw NetworkError(url + ": " + why, status);
  }
  if (status >= 400) throw NetworkError(url + ": HTTP status " + std::to_string(status), status);
  return std::move(body.data);
}

}  // namespace pixelcache
