// pixelcache/error.hpp — the exception hierarchy.
//
// Every error pixelcache raises derives from pixelcache::Error, so callers can
// catch one type. Messages name the input (a path, a URL, "<bytes>" or an
// argument) and say what was wrong with it. Bytes that come from outside
// (file names, URLs, chunk names, tags, codec library messages) are quoted
// through escape_bytes(), so every message is printable UTF-8.
//
// Thread safety: exception objects are plain values; escape_bytes() is pure.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace pixelcache {

/// Printable, valid UTF-8 for untrusted bytes in messages: printable ASCII
/// (0x20..0x7e) and well-formed UTF-8 sequences of printable characters
/// (a file named "café.jpg" stays readable) are kept; every other byte —
/// control characters (newline and tab included), DEL, C1 controls, bytes
/// of invalid or truncated UTF-8 such as a lone 0x8f — becomes "\xNN" (two
/// lowercase hex digits). The result is always valid UTF-8 without control
/// characters. Idempotent: escaping an escaped string changes nothing, so a
/// message may be escaped again where it is printed.
std::string escape_bytes(std::string_view bytes);

/// Base of every exception thrown by pixelcache.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// A file could not be opened, read or written (missing, permissions, disk).
class IoError : public Error {
 public:
  using Error::Error;
};

/// A URL could not be fetched: unreachable host, refused connection, time-out,
/// HTTP status >= 400, too many redirects, body larger than the limit.
class NetworkError : public Error {
 public:
  /// `status` is the HTTP status code, or 0 when no response was received.
  NetworkError(const std::string& what, long status = 0) : Error(what), status_(status) {}
  /// HTTP status code of the failed response, 0 when there was none.
  long status() const noexcept { return status_; }

 private:
  long status_;
};

/// Encoded data is not a supported image, is corrupt, or is truncated.
class DecodeError : public Error {
 public:
  using Error::Error;
};

/// An image could not be encoded (unknown extension, codec failure).
class EncodeError : public Error {
 public:
  using Error::Error;
};

/// A size limit was exceeded: a decoded pixel count above the configured
/// maximum (decompression bomb), or a download above the byte limit.
class LimitError : public Error {
 public:
  using Error::Error;
};

/// An argument is invalid: wrong shape, dtype or mode, NaN, zero or negative
/// sizes, a bounding box outside the image.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A cache (cache.hpp) cannot be opened as configured: the cache directory is
/// a file, cannot be created or is not writable, or the LMDB store in it
/// cannot be opened.
class CacheError : public Error {
 public:
  using Error::Error;
};

/// Bytes given to decode_entry() (cache.hpp) are not a valid cache entry:
/// wrong magic or version, a checksum or digest mismatch, truncation,
/// malformed contents. Inside a Cache such entries are dropped and counted,
/// never thrown.
class CorruptEntryError : public CacheError {
 public:
  using CacheError::CacheError;
};

/// A cache entry whose content runs code when loaded (EntryKind::Code, e.g.
/// a pickle) was read without the key that verifies its signature
/// (cache.hpp, "Trust"). It may be valid for a holder of the key, so inside
/// a Cache it is a miss, neither dropped nor counted as corrupt.
class UnverifiedEntryError : public CacheError {
 public:
  using CacheError::CacheError;
};

}  // namespace pixelcache
