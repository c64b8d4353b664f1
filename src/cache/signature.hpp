// Internal: HMAC-SHA256 signatures of Code entries (cache.hpp, "Trust"),
// over OpenSSL's libcrypto, and the disk store's own signing key.
//
// Thread safety: free functions; each call uses its own state.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pixelcache::cache_detail {

using Signature = std::array<std::uint8_t, 32>;

/// HMAC-SHA256 (RFC 2104) under `key` of the concatenation of `pieces`.
/// Throws std::runtime_error when libcrypto fails (it does not for valid
/// arguments).
Signature hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::span<const std::uint8_t>> pieces);

/// Compares two signatures in time independent of their contents.
bool signatures_equal(const Signature& a, const Signature& b) noexcept;

/// The signing key a disk store keeps in `file` (32 random bytes, mode
/// 0600), made on first use: written to a private temporary file and linked
/// into place, so concurrent first users agree on one key. A file that is a
/// symlink, not a regular file, not owned by this user, readable or
/// writable by others, or not exactly 32 bytes is not used: nullopt, and
/// `problem` says why (the store then neither stores nor returns Code
/// entries).
std::optional<std::vector<std::uint8_t>> store_signing_key(const std::filesystem::path& file, std::string& problem);

}  // namespace pixelcache::cache_detail
