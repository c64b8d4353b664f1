// Redis URL parsing (redis_tier.hpp).
#include <cctype>
#include <charconv>

#include "cache/percent.hpp"
#include "cache/redis_tier.hpp"

namespace pixelcache::cache_detail {

namespace {

// The URL with any password replaced, escaped, for messages.
std::string shown(std::string_view url) {
  std::string s(url);
  const auto scheme = s.find("://");
  const auto at = s.rfind('@');
  if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
    const auto colon = s.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
  }
  return escape_bytes(s);
}

[[noreturn]] void bad(std::string_view url, const std::string& why) {
  throw InvalidArgument("Redis URL '" + shown(url) + "': " + why);
}

int parse_int(std::string_view url, std::string_view s, int lo, int hi, const char* what) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi)
    bad(url, std::string(what) + " '" + escape_bytes(s) + "' is not a number in " + std::to_string(lo) + ".." +
                 std::to_string(hi));
  return v;
}

std::string percent_decode(std::string_view url, std::string_view s) {
  std::optional<std::string> out = percent_decoded(s);
  if (!out) bad(url, "malformed %-escape in the user or password");
  return std::move(*out);
}

}  // namespace

RedisUrl RedisUrl::parse(std::string_view url) {
  RedisUrl u;
  std::string_view rest;
  if (url.starts_with("redis://")) {
    rest = url.substr(8);
  } else if (url.starts_with("unix://")) {
    u.unix_socket = true;
    rest = url.substr(7);
  } else if (url.starts_with("rediss://")) {
    bad(url, "TLS (rediss://) is not supported by this build (hiredis 0.14); use redis:// or unix://");
  } else {
    bad(url, "expected redis://host[:port][/db] or unix:///path");
  }
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      u.user = percent_decode(url, userinfo.substr(0, colon));
      u.password = percent_decode(url, userinfo.substr(colon + 1));
    } else {
      u.password = percent_decode(url, userinfo);  // redis://secret@host, as redis-py reads it
    }
    if (u.password.empty()) bad(url, "empty password");
  }
  if (u.unix_socket) {
    if (!rest.starts_with('/')) bad(url, "the socket path must be absolute (unix:///path/to/redis.sock)");
    u.path = std::string(rest);
    if (!query.empty()) {
      if (!query.starts_with("db=")) bad(url, "the only query parameter is db=N");
      u.db = parse_int(url, query.substr(3), 0, 1 << 20, "database");
    }
    return u;
  }
  if (!query.empty()) bad(url, "query parameters are not supported");
  std::string_view hostport = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) u.db = parse_int(url, db, 0, 1 << 20, "database");
  }
  std::string_view port;
  if (hostport.starts_with('[')) {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) bad(url, "unterminated IPv6 address");
    u.host = std::string(hostport.substr(1, close - 1));
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) bad(url, "unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) bad(url, "empty port");
    }
  } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    u.host = std::string(hostport.substr(0, colon));
    port = hostport.substr(colon + 1);
    if (port.empty()) bad(url, "empty port");
  } else {
    u.host = std::string(hostport);
  }
  if (u.host.empty()) bad(url, "no host");
  for (char c : u.host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':'))
      bad(url, "invalid character in the host name");
  if (!port.empty()) u.port = parse_int(url, port, 1, 65535, "port");
  return u;
}

std::string RedisUrl::describe() const {
  std::string s =
      unix_socket ? path : (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  if (db) s += " db " + std::to_string(db);
  return escape_bytes(s);
}

}  // namespace pixelcache::cache_detail
