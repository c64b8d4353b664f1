// URL loading (net.hpp, io.hpp) against a real HTTP server on 127.0.0.1.
#include <sys/socket.h>

#include "http_server.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

class Net : public ::testing::Test {
 protected:
  static std::string file(const char* name) {
    const auto b = read_file(data(name));
    return std::string(b.begin(), b.end());
  }
  HttpServer server{[](const std::string& path) -> HttpResponse {
    if (path == "/chelsea.png") return reply(200, file("chelsea.png"));
    if (path == "/orient6.jpg") return reply(200, file("exif_orient6.jpg"));
    if (path == "/redirect") return reply(302, "", "/chelsea.png");
    if (path == "/loop") return reply(302, "", "/loop");
    if (path == "/slow") return reply(200, file("chelsea.png"), "", -1, 3000);
    if (path == "/text") return reply(200, "<html>not an image</html>");
    if (path == "/short") return reply(200, "\x89PNG", "", 100000);  // announces more than it sends
    if (path == "/big") return reply(200, std::string(200000, 'x'));
    return reply(404, "not found");
  }};
};

TEST_F(Net, FetchesAndDecodesLikeTheFile) {
  const Decoded d = load_ex(server.url("/chelsea.png"));
  EXPECT_EQ(d.format, Format::PNG);
  EXPECT_EQ(d.image.digest(), load(data("chelsea.png")).digest());
}

TEST_F(Net, ExifOrientationAppliesToUrlsToo) {
  const Image img = load(server.url("/orient6.jpg"));
  EXPECT_EQ(img.size(), (ImageSize{300, 451}));
  EXPECT_EQ(img.digest(), load(data("exif_orient6.jpg")).digest());
}

TEST_F(Net, FollowsRedirectsButNotForever) {
  EXPECT_EQ(load(server.url("/redirect")).digest(), load(data("chelsea.png")).digest());
  try {
    load(server.url("/loop"));
    ADD_FAILURE();
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("redirects"), std::string::npos) << e.what();
  }
}

TEST_F(Net, NotFoundIsANetworkErrorWithStatus) {
  const std::string url = server.url("/missing.png");
  try {
    load(url);
    ADD_FAILURE();
  } catch (const NetworkError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("404"), std::string::npos) << e.what();
  }
}

TEST_F(Net, RefusedConnection) {
  // Bind a port, then close it: nothing listens there.
  int port;
  {
    HttpServer tmp([](const std::string&) { return HttpResponse{}; });
    port = tmp.port();
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x.png";
  try {
    load(url);
    ADD_FAILURE();
  } catch (const NetworkError& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos);
  }
}

TEST_F(Net, TimeOut) {
  LoadOptions opt;
  opt.fetch.timeout_ms = 300;
  try {
    load(server.url("/slow"), opt);
    ADD_FAILURE();
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
}

TEST_F(Net, BodyLimit) {
  FetchOptions opt;
  opt.max_bytes = 100000;
  EXPECT_THROW(fetch_url(server.url("/big"), opt), LimitError);
  opt.max_bytes = 300000;
  EXPECT_EQ(fetch_url(server.url("/big"), opt).size(), 200000u);
}

TEST_F(Net, ShortBodyAndNonImageBody) {
  EXPECT_THROW(load(server.url("/short")), Error);
  try {
    load(server.url("/text"));
    ADD_FAILURE();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find(server.url("/text")), std::string::npos) << e.what();
  }
}

TEST(NetNoServer, OnlyHttpSchemes) {
  EXPECT_TRUE(is_url("HTTPS://example.org/a.png"));
  EXPECT_FALSE(is_url("ftp://example.org/a.png"));
  EXPECT_FALSE(is_url("/tmp/http://x"));
  EXPECT_THROW(fetch_url("file:///etc/passwd"), NetworkError);
}

}  // namespace
}  // namespace pixelcache::test
