// A real redis-server for tests and benchmarks: started on a free loopback
// port, waited for with PING, stopped (SIGKILL) by stop() or the destructor,
// and killed by the kernel if the test process dies first.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace pixelcache::test {

/// A TCP port on 127.0.0.1 that was free a moment ago.
inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("cannot find a free loopback port");
  ::close(fd);
  return ntohs(a.sin_port);
}

class RedisServer {
 public:
  static std::string binary() {
    for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"})
      if (std::filesystem::exists(p)) return p;
    return {};
  }
  static bool available() { return !binary().empty(); }

  /// Starts a server on a free port (`extra` are more command-line options).
  explicit RedisServer(std::vector<std::string> extra = {}) : port_(free_loopback_port()), extra_(std::move(extra)) {
    start();
  }
  ~RedisServer() { stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

  /// Starts the server (again) on the same port and waits until it answers.
  void start() {
    if (pid_ > 0) return;
    std::vector<std::string> args = {binary(), "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--save", "",       "--appendonly",        "no",     "--daemonize",
                                     "no"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("redis-server exited at start (port " + std::to_string(port_) + ")");
      }
      if (ping()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("redis-server did not answer PING within 10 s");
  }

  /// Kills the server (SIGKILL, as a crash would) and reaps it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  /// Runs one command on a fresh connection; the reply (caller frees with
  /// freeReplyObject), or nullptr when the server does not answer.
  redisReply* command(const std::vector<std::string>& args) const {
    timeval tv{1, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (!c || c->err) {
      if (c) redisFree(c);
      return nullptr;
    }
    redisSetTimeout(c, tv);
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    redisFree(c);
    return r;
  }

  /// An integer command's result (-1 when the server does not answer).
  long long integer(const std::vector<std::string>& args) const {
    redisReply* r = command(args);
    const long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) freeReplyObject(r);
    return v;
  }

 private:
  bool ping() const {
    redisReply* r = command({"PING"});
    const bool ok = r != nullptr;  // PONG, or NOAUTH from a server with a password
    if (r) freeReplyObject(r);
    return ok;
  }

  pid_t pid_ = -1;
  int port_;
  std::vector<std::string> extra_;
};

}  // namespace pixelcache::test
