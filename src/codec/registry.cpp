// The format registry (registry.hpp): immutable snapshots of the format
// table, lookups over the current one, registration, and what is derived
// from it for everyone: formats(), may_stream(), the "not a supported image
// format" message.
#include "registry.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>

namespace pixelcache::detail {
namespace {

using Table = std::vector<FormatEntry>;

// The current table, published whole. Every snapshot is kept to the end of
// the process (registrations are few), so what a lookup found stays valid.
struct Registry {
  std::mutex writing;  // serialises register / unregister
  std::vector<std::unique_ptr<const Table>> kept;
  std::atomic<const Table*> current{nullptr};

  Registry() { publish(Table(builtin_formats().begin(), builtin_formats().end())); }
  void publish(Table table) {
    kept.push_back(std::make_unique<const Table>(std::move(table)));
    current.store(kept.back().get(), std::memory_order_release);
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

const Table& table() noexcept { return *registry().current.load(std::memory_order_acquire); }

bool has_word(const char* words, std::string_view word) noexcept {
  for (std::string_view rest = words ? words : ""; !rest.empty();) {
    const std::size_t end = std::min(rest.find(' '), rest.size());
    if (rest.substr(0, end) == word) return true;
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return false;
}

bool is_builtin(Format id) noexcept {
  return std::ranges::any_of(builtin_formats(), [id](const FormatEntry& e) { return e.id == id; });
}

std::string id_text(Format id) { return std::to_string(static_cast<unsigned>(id)); }

void check_new(const Table& t, const FormatEntry& e) {
  const std::string what = std::string("register_format: ") + (e.name ? e.name : "(no name)");
  if (!e.name || !*e.name) throw InvalidArgument("register_format: a format needs a name");
  if (e.id == Format::Unknown) throw InvalidArgument(what + ": the id Unknown (0) is not a format");
  if (!e.sniff || !e.decode || !e.probe) throw InvalidArgument(what + ": sniff, decode and probe are required");
  for (const FormatEntry& have : t) {
    if (have.id == e.id) throw InvalidArgument(what + ": the id " + id_text(e.id) + " is " + have.name + "'s");
    if (std::string_view(have.name) == e.name) throw InvalidArgument(what + ": the name is taken");
  }
}

}  // namespace

std::span<const FormatEntry> format_entries() noexcept { return table(); }

const FormatEntry* find_format(Format id) noexcept {
  if (id == Format::Unknown) return nullptr;
  for (const FormatEntry& e : table())
    if (e.id == id) return &e;
  return nullptr;
}

const FormatEntry* sniff_entry(std::span<const std::uint8_t> data) noexcept {
  const auto head = data.first(std::min(data.size(), kSniffBytes));
  const Table& t = table();
  for (const bool late : {false, true})
    for (const FormatEntry& e : t)
      if (e.sniff_late == late && e.sniff(head)) return &e;
  return nullptr;
}

const FormatEntry* find_writer(std::string_view extension) noexcept {
  for (const FormatEntry& e : table())
    if (e.encode && has_word(e.extensions, extension)) return &e;
  return nullptr;
}

std::vector<std::string_view> split_words(const char* words) {
  std::vector<std::string_view> out;
  for (std::string_view rest = words ? words : ""; !rest.empty();) {
    const std::size_t end = std::min(rest.find(' '), rest.size());
    if (end > 0) out.push_back(rest.substr(0, end));
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return out;
}

std::string join_or(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

void register_format(const FormatEntry& entry) {
  Registry& r = registry();
  const std::lock_guard lock(r.writing);
  const Table& now = *r.current.load(std::memory_order_acquire);
  check_new(now, entry);
  FormatEntry e = entry;
  if (!e.label) e.label = e.name;
  if (!e.extensions) e.extensions = "";
  if (!e.input_extensions) e.input_extensions = "";
  if (!e.options) e.options = "";
  Table next = now;
  next.push_back(e);
  r.publish(std::move(next));
}

void unregister_format(Format id) {
  if (is_builtin(id)) throw InvalidArgument("unregister_format: " + id_text(id) + " is a built-in format");
  Registry& r = registry();
  const std::lock_guard lock(r.writing);
  Table next = *r.current.load(std::memory_order_acquire);
  const auto gone = std::erase_if(next, [id](const FormatEntry& e) { return e.id == id; });
  if (gone == 0) throw InvalidArgument("unregister_format: no format has the id " + id_text(id));
  r.publish(std::move(next));
}

}  // namespace pixelcache::detail

namespace pixelcache {

std::vector<FormatInfo> formats() {
  auto strings = [](const char* words) {
    std::vector<std::string> out;
    for (const std::string_view w : detail::split_words(words)) out.emplace_back(w);
    return out;
  };
  std::vector<FormatInfo> out;
  for (const detail::FormatEntry& e : detail::format_entries())
    out.push_back({e.id, e.name, e.label, strings(e.extensions), strings(e.input_extensions), e.encode != nullptr,
                   e.streams, strings(e.options)});
  return out;
}

}  // namespace pixelcache

namespace pixelcache::detail {

bool may_stream(Format f) noexcept {
  const FormatEntry* e = find_format(f);
  return e && e->streams;
}

void unsupported_format(std::string_view source, std::uint64_t size) {
  // The readers by id (the Format enum's order, JPEG first), each label once.
  std::vector<const FormatEntry*> readers;
  for (const FormatEntry& e : table()) readers.push_back(&e);
  std::ranges::stable_sort(readers, {}, [](const FormatEntry* e) { return static_cast<unsigned>(e->id); });
  std::vector<std::string> labels;
  for (const FormatEntry* e : readers)
    if (std::ranges::find(labels, e->label) == labels.end()) labels.emplace_back(e->label);
  throw DecodeError(escape_bytes(source) + ": not a supported image format (expected " + join_or(labels) + " data; " +
                    std::to_string(size) + " bytes)");
}

}  // namespace pixelcache::detail
