// The exception hierarchy and escape_bytes() (error.hpp).
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

TEST(Error, EveryErrorIsAPixelcacheErrorAndARuntimeError) {
  EXPECT_THROW(throw DecodeError("x"), Error);
  EXPECT_THROW(throw LimitError("x"), Error);
  EXPECT_THROW(throw NetworkError("x", 404), Error);
  EXPECT_THROW(throw InvalidArgument("x"), std::runtime_error);
  EXPECT_EQ(NetworkError("x", 404).status(), 404);
}

TEST(EscapeBytes, PrintableAsciiStaysEverythingElseIsHex) {
  EXPECT_EQ(escape_bytes("IDAT chunk, 'ok' \\ 100%"), "IDAT chunk, 'ok' \\ 100%");
  using namespace std::string_view_literals;
  EXPECT_EQ(escape_bytes("\x8f"
                         "Bad"sv),
            "\\x8fBad");
  EXPECT_EQ(escape_bytes("a\0b\n\t\x7f\xff"sv), "a\\x00b\\x0a\\x09\\x7f\\xff");
  EXPECT_EQ(escape_bytes("caf\xc3\xa9"), "caf\\xc3\\xa9");  // UTF-8 is escaped byte by byte
  EXPECT_EQ(escape_bytes(""), "");
}

TEST(EscapeBytes, IsIdempotentAndAlwaysPrintable) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string once = escape_bytes(all);
  EXPECT_EQ(escape_bytes(once), once);
  for (const char c : once) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(c);
  EXPECT_EQ(once.size(), 95 + 161 * 4);  // 95 printable bytes kept, 161 others as \xNN
}

}  // namespace
}  // namespace pixelcache::test
