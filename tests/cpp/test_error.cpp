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

TEST(EscapeBytes, PrintableTextStaysEverythingElseIsHex) {
  EXPECT_EQ(escape_bytes("IDAT chunk, 'ok' \\ 100%"), "IDAT chunk, 'ok' \\ 100%");
  using namespace std::string_view_literals;
  EXPECT_EQ(escape_bytes("\x8f"
                         "Bad"sv),
            "\\x8fBad");
  EXPECT_EQ(escape_bytes("a\0b\n\t\x7f\xff"sv), "a\\x00b\\x0a\\x09\\x7f\\xff");
  EXPECT_EQ(escape_bytes("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x88"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x88");  // UTF-8 kept
  EXPECT_EQ(escape_bytes("\xc3(\xe2\x82"sv), "\\xc3(\\xe2\\x82");  // invalid or truncated sequences are not
  EXPECT_EQ(escape_bytes("\xc2\x9b[31m\xc0\xaf\xed\xa0\x80"sv),
            "\\xc2\\x9b[31m\\xc0\\xaf\\xed\\xa0\\x80");  // C1 control (CSI), overlong, surrogate
  EXPECT_EQ(escape_bytes(""), "");
}

TEST(EscapeBytes, IsIdempotentAndAlwaysPrintable) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string once = escape_bytes(all);
  EXPECT_EQ(escape_bytes(once), once);
  for (const char c : once) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(c);  // lone bytes >= 0x80 are no UTF-8
  EXPECT_EQ(once.size(), 95 + 161 * 4);  // 95 printable bytes kept, 161 others as \xNN
}

}  // namespace
}  // namespace pixelcache::test
