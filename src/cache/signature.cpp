// HMAC-SHA256 over libcrypto, and the disk store's signing key file
// (signature.hpp).
#include "cache/signature.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "pixelcache/error.hpp"

namespace pixelcache::cache_detail {

namespace {

struct MacFree {
  void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

[[noreturn]] void crypto_fail(const char* what) { throw std::runtime_error(std::string("libcrypto: ") + what); }

// Closes a file descriptor at scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads exactly n bytes; false on a short read or an error.
bool read_all(int fd, std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

constexpr std::size_t kKeyBytes = 32;

// Opens and checks an existing key file; nullopt with `problem` set, or
// with `problem` empty when the file does not exist.
std::optional<std::vector<std::uint8_t>> read_key(const std::filesystem::path& file, std::string& problem) {
  Fd f{::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) {
    if (errno != ENOENT) problem = file.string() + ": cannot open: " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    problem = file.string() + ": cannot stat: " + std::strerror(errno);
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    problem = file.string() + " is not a regular file";
  } else if (st.st_uid != ::geteuid()) {
    problem = file.string() + " belongs to another user";
  } else if ((st.st_mode & 077) != 0) {
    problem = file.string() + " is accessible to other users (mode must be 0600)";
  } else if (st.st_size != static_cast<off_t>(kKeyBytes)) {
    problem = file.string() + " is " + std::to_string(st.st_size) + " bytes long, not 32";
  }
  if (!problem.empty()) return std::nullopt;
  std::vector<std::uint8_t> key(kKeyBytes);
  if (!read_all(f.fd, key.data(), key.size())) {
    problem = file.string() + ": cannot read";
    return std::nullopt;
  }
  return key;
}

// Writes `key` to a private temporary file in `dir` and links it to `file`;
// 0, or the errno of the failure (EEXIST: another process was first). An
// unnamed O_TMPFILE is linked through /proc; without either, a named
// temporary (mkostemp) is linked, then removed.
int publish_key(const std::filesystem::path& dir, const std::filesystem::path& file,
                const std::vector<std::uint8_t>& key) {
  {
    Fd tmp{::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)};
    if (tmp.fd >= 0) {
      if (::fchmod(tmp.fd, 0600) != 0 || !write_all(tmp.fd, key.data(), key.size()) || ::fsync(tmp.fd) != 0)
        return errno ? errno : EIO;
      const std::string proc = "/proc/self/fd/" + std::to_string(tmp.fd);
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, file.c_str(), AT_SYMLINK_FOLLOW) == 0) return 0;
      if (errno == EEXIST) return EEXIST;
    }
  }
  std::string pattern = (dir / ".pixelcache-key-XXXXXX").string();
  Fd tmp{::mkostemp(pattern.data(), O_CLOEXEC)};
  if (tmp.fd < 0) return errno;
  int rc = 0;
  if (::fchmod(tmp.fd, 0600) != 0 || !write_all(tmp.fd, key.data(), key.size()) || ::fsync(tmp.fd) != 0)
    rc = errno ? errno : EIO;
  else if (::link(pattern.c_str(), file.c_str()) != 0)
    rc = errno;
  ::unlink(pattern.c_str());
  return rc;
}

}  // namespace

Signature hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::span<const std::uint8_t>> pieces) {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // thread-safe, kept for the process
  if (!mac) crypto_fail("no HMAC");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) crypto_fail("cannot allocate an HMAC context");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
  static const std::uint8_t empty = 0;
  if (!EVP_MAC_init(ctx.get(), key.empty() ? &empty : key.data(), key.size(), params)) crypto_fail("HMAC init");
  for (auto p : pieces)
    if (!p.empty() && !EVP_MAC_update(ctx.get(), p.data(), p.size())) crypto_fail("HMAC update");
  Signature out{};
  std::size_t n = 0;
  if (!EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) || n != out.size()) crypto_fail("HMAC final");
  return out;
}

bool signatures_equal(const Signature& a, const Signature& b) noexcept {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::vector<std::uint8_t>> store_signing_key(const std::filesystem::path& file, std::string& problem) {
  problem.clear();
  if (auto key = read_key(file, problem)) return key;
  if (!problem.empty()) return std::nullopt;
  // None yet: write a fresh key to a private temporary file, then link it
  // into place; link() fails when another process was first, and its key is
  // then the one.
  std::vector<std::uint8_t> key(kKeyBytes);
  for (std::size_t got = 0; got < key.size();) {
    const ssize_t k = ::getrandom(key.data() + got, key.size() - got, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      problem = std::string("cannot draw a random signing key: ") + std::strerror(errno);
      return std::nullopt;
    }
    got += static_cast<std::size_t>(k);
  }
  const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  const int rc = publish_key(dir, file, key);
  if (rc != 0 && rc != EEXIST) {
    problem = file.string() + ": cannot create the signing key: " + std::strerror(rc);
    return std::nullopt;
  }
  if (rc == 0) return key;
  return read_key(file, problem);  // another process made it first
}

}  // namespace pixelcache::cache_detail
