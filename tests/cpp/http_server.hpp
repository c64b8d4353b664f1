// A minimal HTTP/1.0 server on 127.0.0.1 for the URL tests: real sockets,
// real libcurl on the other side, no mocks. One thread, one request at a
// time; stops in the destructor.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace pixelcache::test {

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string location;           ///< for redirects
  long long content_length = -1;  ///< announce this length (default: body size)
  int delay_ms = 0;               ///< wait before answering
};

/// Builds a response (avoids aggregate initialisers with missing fields).
inline HttpResponse reply(int status, std::string body, std::string location = "", long long content_length = -1,
                          int delay_ms = 0) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.location = std::move(location);
  r.content_length = content_length;
  r.delay_ms = delay_ms;
  return r;
}

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const std::string& path)>;

  explicit HttpServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~HttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }
  void serve(int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, static_cast<std::size_t>(n));
    }
    const auto sp1 = req.find(' '), sp2 = req.find(' ', sp1 + 1);
    const HttpResponse r = handler_(req.substr(sp1 + 1, sp2 - sp1 - 1));
    for (int waited = 0; waited < r.delay_ms && !stop_; waited += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::string head = "HTTP/1.0 " + std::to_string(r.status) + " X\r\n";
    if (!r.location.empty()) head += "Location: " + r.location + "\r\n";
    head += "Content-Length: " + std::to_string(r.content_length >= 0 ? r.content_length : (long long)r.body.size()) +
            "\r\nConnection: close\r\n\r\n";
    send_all(c, head);
    send_all(c, r.body);
  }
  static void send_all(int c, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(c, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace pixelcache::test
