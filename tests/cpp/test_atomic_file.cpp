// The atomic writer behind write_file() / save() (src/atomic_file.hpp):
// unique temporary names, no link followed for the temporary, a symlink at
// the destination replaced, 255-byte names, NUL bytes refused, concurrent
// writers never mixed, failed writes (file size limit) leaving nothing,
// permissions as fopen("wb"). Each case runs with O_TMPFILE first (the
// default) and with the named temporary only (file systems without it).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "atomic_file.hpp"
#include "test_support.hpp"

namespace pixelcache::test {
namespace {

namespace fs = std::filesystem;
using detail::AtomicWriteOptions;

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

Image blank(int height, int width, Mode mode) {
  const std::size_t n = static_cast<std::size_t>(height) * width * (mode == Mode::RGB ? 3 : 1);
  return Image::from_u8({height, width}, mode, std::vector<std::uint8_t>(n, 0));
}

void put(const fs::path& p, std::string_view s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

// The names in a folder, hidden ones included, sorted.
std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().native());
  return out;
}

// Records the temporary names a write reports, checking that each exists
// when reported and that named / cleared alternate.
class Recorder final : public detail::TemporaryObserver {
 public:
  void named(int dirfd, const char* name) noexcept override {
    struct stat st {};
    const std::lock_guard lock(m_);
    if (open_ || ::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) ++errors_;
    open_ = true;
    names_.emplace_back(name);
  }
  void cleared() noexcept override {
    const std::lock_guard lock(m_);
    if (!open_) ++errors_;
    open_ = false;
  }
  std::vector<std::string> names() const {
    const std::lock_guard lock(m_);
    return names_;
  }
  int errors() const { return errors_ + (open_ ? 1 : 0); }

 private:
  mutable std::mutex m_;
  std::vector<std::string> names_;
  bool open_ = false;
  int errors_ = 0;
};

class AtomicFile : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pixelcache_atomic_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ / "out";
    outside_ = root_ / "outside";
    fs::create_directories(dir_);
    fs::create_directories(outside_);
    canary_ = outside_ / "canary.txt";
    put(canary_, "canary");
  }
  void TearDown() override { fs::remove_all(root_); }

  AtomicWriteOptions options() const {
    AtomicWriteOptions o;
    o.unnamed_first = GetParam();
    return o;
  }
  void write(const fs::path& p, std::string_view s, const AtomicWriteOptions& o) {
    detail::write_file_atomic(p, bytes_of(s), o);
  }
  void write(const fs::path& p, std::string_view s) { write(p, s, options()); }
  void expect_canary_untouched() const {
    EXPECT_EQ(slurp(canary_), "canary");
    EXPECT_EQ(entries(outside_), std::set<std::string>{"canary.txt"});
  }

  fs::path root_, dir_, outside_, canary_;
};

INSTANTIATE_TEST_SUITE_P(Temporary, AtomicFile, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "unnamed_first" : "named_only"; });

TEST(AtomicFileNames, RandomNamesAreShortUniqueAndRecognised) {
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    const std::string n = detail::random_temporary_name();
    ASSERT_EQ(n.size(), 20u) << n;
    ASSERT_TRUE(n.starts_with(".pxc-") && n.ends_with(".tmp")) << n;
    ASSERT_TRUE(detail::is_temporary_name(n)) << n;
    ASSERT_TRUE(seen.insert(n).second) << "repeated " << n;
  }
  EXPECT_FALSE(detail::is_temporary_name("x.png.pixelcache-tmp"));
  EXPECT_FALSE(detail::is_temporary_name(".pxc-ABCDEFGHIJK.tmp"));
}

TEST_P(AtomicFile, WritesReplacesAndLeavesOnlyTheOutput) {
  const fs::path out = dir_ / "a.bin";
  write(out, "first");
  EXPECT_EQ(slurp(out), "first");
  write(out, "second, longer");
  EXPECT_EQ(slurp(out), "second, longer");
  write(out, "");
  EXPECT_EQ(slurp(out), "");
  EXPECT_EQ(entries(dir_), std::set<std::string>{"a.bin"});
  // write_file() and save() take the same path.
  write_file(out, bytes_of("public"));
  EXPECT_EQ(slurp(out), "public");
  save(blank(4, 5, Mode::RGB), dir_ / "z.png");
  EXPECT_EQ(load((dir_ / "z.png").string()).size(), (ImageSize{4, 5}));
  EXPECT_EQ(entries(dir_), (std::set<std::string>{"a.bin", "z.png"}));
}

TEST_P(AtomicFile, EveryWriteReportsItsOwnTemporaryName) {
  Recorder rec;
  AtomicWriteOptions o = options();
  o.observer = &rec;
  for (int i = 0; i < 50; ++i) write(dir_ / ("f" + std::to_string(i % 5)), std::to_string(i), o);
  const auto names = rec.names();
  ASSERT_EQ(names.size(), 50u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (const auto& n : names) EXPECT_TRUE(detail::is_temporary_name(n)) << n;
  EXPECT_EQ(rec.errors(), 0);
  EXPECT_EQ(entries(dir_).size(), 5u);
}

// Regression (a flaky `batch` test: a second Ctrl-C left a `.pxc-*.tmp`
// behind): the name is announced before the file exists, so a signal handler
// that removes the announced names can never find a created file it does not
// know. Each creating() is followed by named() of the same name (the file
// now there) or by not_created() (a taken name: the planted links).
class Announcer final : public detail::TemporaryObserver {
 public:
  void creating(int dirfd, const char* name) noexcept override {
    struct stat st {};
    const bool exists = ::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    events.push_back(std::string(exists ? "creating-existing " : "creating ") + name);
  }
  void not_created() noexcept override { events.emplace_back("not_created"); }
  void named(int, const char* name) noexcept override { events.push_back(std::string("named ") + name); }
  void cleared() noexcept override { events.emplace_back("cleared"); }
  std::vector<std::string> events;
};

TEST_P(AtomicFile, TemporaryNamesAreAnnouncedBeforeTheyExist) {
  const std::vector<std::string> planned = {".pxc-aaaaaaaaaaa.tmp", ".pxc-bbbbbbbbbbb.tmp"};
  fs::create_symlink(canary_, dir_ / planned[0]);  // taken: announced, not created
  std::size_t next = 0;
  AtomicWriteOptions o = options();
  o.next_name = [&] { return planned.at(next++); };
  Announcer a;
  o.observer = &a;
  write(dir_ / "x.png", "data", o);
  EXPECT_EQ(a.events, (std::vector<std::string>{"creating-existing " + planned[0], "not_created",
                                                "creating " + planned[1], "named " + planned[1], "cleared"}));
  expect_canary_untouched();
}

TEST_P(AtomicFile, PlantedSymlinksAtTemporaryNamesAreNeverFollowed) {
  const fs::path out = dir_ / "photo.png";
  // The old fixed name, and the first names the writer will try: symlinks
  // to the canary and to a file that does not exist yet outside.
  fs::create_symlink(canary_, dir_ / "photo.png.pixelcache-tmp");
  const std::vector<std::string> planned = {".pxc-aaaaaaaaaaa.tmp", ".pxc-bbbbbbbbbbb.tmp", ".pxc-ccccccccccc.tmp"};
  fs::create_symlink(canary_, dir_ / planned[0]);
  fs::create_symlink(outside_ / "created.txt", dir_ / planned[1]);
  std::size_t next = 0;
  AtomicWriteOptions o = options();
  o.next_name = [&] { return next < planned.size() ? planned[next++] : detail::random_temporary_name(); };
  Recorder rec;
  o.observer = &rec;
  write(out, "new bytes", o);
  EXPECT_EQ(slurp(out), "new bytes");
  expect_canary_untouched();  // "created.txt" was not created either
  EXPECT_EQ(rec.names(), std::vector<std::string>{planned[2]});
  EXPECT_TRUE(fs::is_symlink(dir_ / planned[0]));
  EXPECT_TRUE(fs::is_symlink(dir_ / planned[1]));
  EXPECT_TRUE(fs::is_symlink(dir_ / "photo.png.pixelcache-tmp"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ / planned[2])));
  // With random names too (the default).
  write(out, "again");
  EXPECT_EQ(slurp(out), "again");
  expect_canary_untouched();
  EXPECT_EQ(entries(dir_).size(), 4u);  // the output and the three planted links
}

TEST_P(AtomicFile, NoFreeTemporaryNameIsAnIoError) {
  fs::create_symlink(canary_, dir_ / ".pxc-aaaaaaaaaaa.tmp");
  AtomicWriteOptions o = options();
  o.next_name = [] { return std::string(".pxc-aaaaaaaaaaa.tmp"); };
  EXPECT_THROW(write(dir_ / "x.png", "data", o), IoError);
  expect_canary_untouched();
  EXPECT_EQ(entries(dir_), std::set<std::string>{".pxc-aaaaaaaaaaa.tmp"});
}

TEST_P(AtomicFile, SymlinkAtTheDestinationIsReplacedItsTargetUntouched) {
  const fs::path out = dir_ / "link.png";
  fs::create_symlink(canary_, out);
  write(out, "replaced");
  EXPECT_FALSE(fs::is_symlink(out));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out)));
  EXPECT_EQ(slurp(out), "replaced");
  expect_canary_untouched();
  // A dangling one: replaced, its target not created.
  const fs::path dangling = dir_ / "dangling.png";
  fs::create_symlink(outside_ / "nothing.png", dangling);
  save(blank(3, 3, Mode::L), dangling);
  EXPECT_FALSE(fs::is_symlink(dangling));
  expect_canary_untouched();
}

TEST_P(AtomicFile, NamesOf255BytesWork) {
  const std::string name(251, 'n');
  write(dir_ / (name + ".png"), "long");
  EXPECT_EQ(slurp(dir_ / (name + ".png")), "long");
  save(blank(2, 2, Mode::RGB), dir_ / (std::string(251, 'm') + ".bmp"));
  EXPECT_EQ(load((dir_ / (std::string(251, 'm') + ".bmp")).string()).size(), (ImageSize{2, 2}));
  // 256 bytes is above NAME_MAX: an IoError naming the path, nothing left.
  try {
    write(dir_ / (std::string(252, 'x') + ".png"), "too long");
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(std::string(252, 'x')), std::string::npos) << e.what();
  }
  EXPECT_EQ(entries(dir_).size(), 2u);
}

TEST_P(AtomicFile, NulBytesAreRefusedNeverTruncated) {
  const std::string with_nul = (dir_ / "a").string() + std::string("\0b.png", 6);
  const auto expect_refused = [&](auto&& call, std::string_view named = "a\\x00b.png") {
    try {
      call();
      ADD_FAILURE() << "no error";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    }
  };
  expect_refused([&] { write(with_nul, "x"); });
  expect_refused([&] { write_file(with_nul, bytes_of("x")); });
  expect_refused([&] { save(blank(2, 2, Mode::RGB), with_nul); });
  put(dir_ / "a", "a file named a");  // what a truncated name would reach
  expect_refused([&] { (void)load(with_nul); });
  expect_refused([&] { (void)load_ex(with_nul); });
  expect_refused([&] { (void)read_file(with_nul); });
  const std::string nul_name("x\0y", 3);
  expect_refused([&] { detail::write_file_at(AT_FDCWD, nul_name, bytes_of("x"), nul_name); }, "x\\x00y");
  EXPECT_EQ(entries(dir_), std::set<std::string>{"a"});
  EXPECT_EQ(slurp(dir_ / "a"), "a file named a");
  // Names that are not file names.
  EXPECT_THROW(write(dir_.string() + "/", "x"), InvalidArgument);
  EXPECT_THROW(write(dir_ / "..", "x"), InvalidArgument);
  EXPECT_THROW(write(dir_ / ".", "x"), InvalidArgument);
}

TEST_P(AtomicFile, ConcurrentWritersToOnePathNeverMix) {
  constexpr int kThreads = 6, kRounds = 12;
  constexpr std::size_t kSize = 3 << 20;  // large enough for the writes to overlap
  const fs::path out = dir_ / "shared.bin";
  std::vector<std::vector<std::uint8_t>> contents;
  for (int t = 0; t < kThreads; ++t) {
    std::vector<std::uint8_t> c(kSize + static_cast<std::size_t>(t) * 4099);
    for (std::size_t i = 0; i < c.size(); ++i)
      c[i] = static_cast<std::uint8_t>((i * 31 + static_cast<std::size_t>(t) * 97) >> 3);
    contents.push_back(std::move(c));
  }
  const auto which = [&](const std::string& got) {
    for (int t = 0; t < kThreads; ++t)
      if (got.size() == contents[t].size() && std::memcmp(got.data(), contents[t].data(), got.size()) == 0) return t;
    return -1;
  };
  std::atomic<bool> stop{false};
  std::atomic<int> bad_reads{0}, reads{0};
  std::thread reader([&] {  // a reader sees only whole files, each one writer's
    while (!stop.load()) {
      std::ifstream f(out, std::ios::binary);
      if (!f) continue;  // not written yet
      const std::string got{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
      ++reads;
      if (which(got) < 0) ++bad_reads;
    }
  });
  std::vector<std::thread> writers;
  std::atomic<int> errors{0};
  const AtomicWriteOptions o = options();
  for (int t = 0; t < kThreads; ++t)
    writers.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        try {
          detail::write_file_atomic(out, contents[t], o);
        } catch (...) {
          ++errors;
        }
      }
    });
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(bad_reads.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GE(which(slurp(out)), 0);
  EXPECT_EQ(entries(dir_), std::set<std::string>{"shared.bin"});
}

// In a child process (the limit and SIGXFSZ stay there): a write above the
// file size limit fails with an IoError naming the output, removes its
// temporary and leaves the old file as it was. The child's exit status is
// the number of the failed check (0: all passed).
TEST_P(AtomicFile, FailedWriteLeavesNoTemporaryAndTheOldFile) {
  const fs::path out = dir_ / "big.bin";
  put(out, "old content");
  const AtomicWriteOptions o = options();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // write() then fails with EFBIG instead of killing the process
    const rlimit lim{64 << 10, 64 << 10};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(10);
    int status = 0;
    try {
      detail::write_file_atomic(out, std::vector<std::uint8_t>(1 << 20, 7), o);
      status = 1;
    } catch (const IoError& e) {
      const std::string what = e.what();
      if (what.find(out.string()) == std::string::npos)
        status = 2;
      else if (what.find("write error") == std::string::npos)
        status = 3;
    } catch (...) {
      status = 4;
    }
    if (status == 0 && slurp(out) != "old content") status = 5;
    if (status == 0 && entries(dir_) != std::set<std::string>{"big.bin"}) status = 6;
    ::_exit(status);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "failed check " << WEXITSTATUS(status) << " (see the test's child)";
  EXPECT_EQ(slurp(out), "old content");
  EXPECT_EQ(entries(dir_), std::set<std::string>{"big.bin"});
}

TEST_P(AtomicFile, FailedRenameOrMissingFolderLeavesNothing) {
  fs::create_directories(dir_ / "busy" / "inside");  // a non-empty folder at the destination
  try {
    write(dir_ / "busy", "data");
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("busy"), std::string::npos) << e.what();
  }
  EXPECT_EQ(entries(dir_), std::set<std::string>{"busy"});
  EXPECT_THROW(write(dir_ / "missing" / "x.png", "data"), IoError);
  EXPECT_EQ(entries(dir_), std::set<std::string>{"busy"});
}

TEST_P(AtomicFile, PermissionsAsFopenGivesANewFile) {
  for (const mode_t mask : {mode_t{022}, mode_t{077}, mode_t{0}}) {
    const mode_t old = ::umask(mask);
    const fs::path out = dir_ / ("perm" + std::to_string(mask));
    write(out, "x");
    write(out, "replaced");  // a replacement too
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(::stat(out.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0666 & ~mask) << "umask " << std::oct << mask;
  }
}

}  // namespace
}  // namespace pixelcache::test
