// `pixelcache batch INPUT... -o OUTDIR [STEP...]`: the `run` pipeline over
// many inputs (folders, files, list files, URLs) on all cores, with a
// progress bar, a JSON-lines report, clean Ctrl-C, and resume by --cache (the
// outputs of inputs already done come from the cache: no decoding) or
// --skip-existing. Outputs are written only beneath OUTDIR, through no link
// and never over an input (output_folder.hpp), each through a unique
// temporary file renamed into place (src/atomic_file.hpp).
#include <sched.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <regex>
#include <thread>

#include "atomic_file.hpp"
#include "batch_inputs.hpp"
#include "cache_options.hpp"
#include "commands.hpp"
#include "formats.hpp"
#include "interrupt.hpp"
#include "output_folder.hpp"
#include "pipeline.hpp"
#include "pixelcache/error.hpp"
#include "pixelcache/net.hpp"
#include "progress.hpp"
#include "work_pool.hpp"

namespace pixelcache::cli {

namespace fs = std::filesystem;

namespace {

// The cores this process may run on (its affinity mask: taskset, cpusets).
unsigned usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
  return std::max(1u, std::thread::hardware_concurrency());
}

struct Args {
  std::vector<std::string> positional;  // inputs, then steps
  std::string output, glob, format, report;
  unsigned jobs = usable_cores();
  bool skip_existing = false;
  EncodeOptions encode;
  LoadOptions load;
  CacheSwitch cache;
};

// Splits the positional arguments into inputs and parsed steps. An argument
// is an input when it is "-", "@LIST", a URL or an existing path; else a step
// when parse_step accepts it; else, when it is shaped like a step (NAME or
// NAME:ARGS) the step's error is raised, and otherwise it is an input (a
// missing file, reported with the others). Inputs come before steps.
std::pair<std::vector<std::string>, std::vector<Step>> split_arguments(const std::vector<std::string>& args) {
  static const std::regex step_shape("[A-Za-z_][A-Za-z0-9_]*(:.*)?");
  std::vector<std::string> inputs;
  std::vector<Step> steps;
  for (const auto& a : args) {
    std::error_code ec;
    const bool input_like = a == "-" || (a.size() > 1 && a[0] == '@') || is_url(a) || fs::exists(a, ec);
    if (!input_like) {
      try {
        steps.push_back(parse_step(a));
        continue;
      } catch (const Error& e) {  // a bad step, or a step's file (blend:MASK) that cannot be read
        if (std::regex_match(a, step_shape))
          throw InvalidArgument("'" + a + "' is neither a file, a folder, a URL nor a step: " + e.what());
      }
    }
    if (!steps.empty()) throw InvalidArgument("'" + a + "': the inputs go before the steps");
    inputs.push_back(a);
  }
  if (inputs.empty()) throw InvalidArgument("batch: no inputs given (files, folders, URLs, @LIST or -)");
  return {std::move(inputs), std::move(steps)};
}

// One line of the JSON-lines report.
struct Record {
  const BatchInput* input = nullptr;
  Outcome outcome = Outcome::Failed;
  Processed digests;
  double milliseconds = 0;
  std::string error;
};

class Report {
 public:
  explicit Report(const std::string& path) {
    if (path.empty()) return;
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) throw IoError(path + ": cannot open the report for writing: " + std::strerror(errno));
  }
  ~Report() {
    if (file_) std::fclose(file_);
  }
  Report(const Report&) = delete;
  Report& operator=(const Report&) = delete;

  void write(const Record& r) {
    if (!file_) return;
    const auto cache_use = [](const Record& rec) -> std::string {
      if (rec.outcome != Outcome::Written) return "null";
      switch (rec.digests.cache) {
        case CacheUse::Hit: return "\"hit\"";
        case CacheUse::Miss: return "\"miss\"";
        case CacheUse::Off: break;
      }
      return "null";
    };
    const auto digest = [&](const Digest& d) {
      return r.outcome == Outcome::Written ? "\"" + d.hex() + "\"" : std::string("null");
    };
    const char* status = r.outcome == Outcome::Written   ? "written"
                         : r.outcome == Outcome::Skipped ? "skipped"
                                                         : "failed";
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", r.milliseconds);
    const std::string line =
        "{\"input\": " + json_string(printable(r.input->source)) + ", \"output\": " +
        (r.input->output.empty() ? std::string("null") : json_string(printable(r.input->output.string()))) +
        ", \"status\": \"" + status + "\", \"input_digest\": " + digest(r.digests.input_digest) +
        ", \"output_digest\": " + digest(r.digests.output_digest) +
        ", \"image_digest\": " + digest(r.digests.image_digest) + ", \"cache\": " + cache_use(r) +
        ", \"milliseconds\": " + ms +
        ", \"error\": " + (r.error.empty() ? std::string("null") : json_string(printable(r.error))) + "}\n";
    const std::lock_guard lock(m_);
    std::fputs(line.c_str(), file_);
    std::fflush(file_);  // a killed run leaves every finished line behind
  }

 private:
  std::FILE* file_ = nullptr;
  std::mutex m_;
};

// Tells the interrupt handler which temporary file worker `slot` writes.
class SlotObserver final : public detail::TemporaryObserver {
 public:
  SlotObserver(Interrupts& interrupts, unsigned slot) : interrupts_(interrupts), slot_(slot) {}
  // Armed before the file exists: a second Ctrl-C between its creation and
  // named() still removes it.
  void creating(int dirfd, const char* name) noexcept override { interrupts_.writing(slot_, dirfd, name); }
  void not_created() noexcept override { interrupts_.writing(slot_, -1, nullptr); }
  void named(int, const char*) noexcept override {}  // armed already (re-arming would disarm for a moment)
  void cleared() noexcept override { interrupts_.writing(slot_, -1, nullptr); }

 private:
  Interrupts& interrupts_;
  unsigned slot_;
};

// What every input's run shares.
struct Shared {
  const Pipeline& pipeline;
  Cache* cache;
  bool skip_existing;
  const OutputFolder& outputs;
  const InputFiles& inputs;
  Interrupts& interrupts;
  // Always a named temporary, never O_TMPFILE (for the tests of the
  // interrupt handler: PIXELCACHE_NAMED_TEMPORARIES=1).
  bool named_temporaries;
};

// Runs one input; never throws.
Record run_one(const BatchInput& in, const Shared& s, unsigned worker) {
  const auto t0 = std::chrono::steady_clock::now();
  Record r;
  r.input = &in;
  try {
    std::error_code ec;
    if (!in.error.empty()) {
      r.error = in.error;
    } else if (s.skip_existing && fs::exists(in.output, ec)) {
      r.outcome = Outcome::Skipped;
    } else {
      // The output's folder, reached from the output folder without
      // following links; the output name checked before the work and again
      // just before the write.
      const UniqueFd folder = s.outputs.open_parent(in.output_relative);
      const std::string name = in.output_relative.filename().native();
      check_replaceable(folder.get(), name, s.inputs, in.output.native());
      SlotObserver observer(s.interrupts, worker);
      detail::AtomicWriteOptions options;
      options.observer = &observer;
      options.unnamed_first = !s.named_temporaries;
      r.digests =
          process(s.pipeline, in.source, in.output, in.format, s.cache, [&](std::span<const std::uint8_t> data) {
            check_replaceable(folder.get(), name, s.inputs, in.output.native());
            detail::write_file_at(folder.get(), name, data, in.output.native(), options);
          });
      r.outcome = Outcome::Written;
    }
  } catch (const std::exception& e) {
    r.error = e.what();
    if (r.error.find(in.source) == std::string::npos) r.error = in.source + ": " + r.error;
  } catch (...) {
    r.error = in.source + ": unknown error";
  }
  r.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// `pixelcache batch` with its parsed arguments: the exit status.
int run_batch(const Args& a) {
  auto [args, steps] = split_arguments(a.positional);
  const Pipeline pipeline{Transform(std::move(steps)), a.encode, a.load};
  const fs::path outdir = a.output;
  std::vector<BatchInput> inputs = collect_inputs(args, a.glob, outdir, std::cin);
  std::string ext;
  if (!a.format.empty()) {
    ext = "." + a.format;
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  plan_outputs(inputs, outdir, ext);
  const std::unique_ptr<Cache> cache = a.cache.open();  // an unusable cache stops the batch before any work
  Report json_report(a.report);
  if (inputs.empty()) report("batch: no inputs found (folders take image extensions unless --glob says otherwise)");

  // Outputs go beneath the output folder (created on first use), never
  // over an input file.
  const OutputFolder outputs(outdir);
  InputFiles input_files;
  for (const auto& in : inputs)
    if (!is_url(in.source)) input_files.add(in.source);
  const char* named = std::getenv("PIXELCACHE_NAMED_TEMPORARIES");

  const unsigned workers = a.jobs;
  Interrupts interrupts(workers);
  const Shared shared{pipeline,
                      cache.get(),
                      a.skip_existing,
                      outputs,
                      input_files,
                      interrupts,
                      named != nullptr && std::string_view(named) == "1"};
  Progress progress(inputs.size(), ::isatty(STDOUT_FILENO) == 1, stdout);
  detail::run_pool(
      inputs.size(), workers,
      [&](unsigned w, std::size_t i) {
        const Record r = run_one(inputs[i], shared, w);
        json_report.write(r);
        progress.count(r.outcome, r.outcome == Outcome::Written && r.digests.cache == CacheUse::Hit);
        if (r.outcome == Outcome::Failed) progress.note("pixelcache: " + printable(r.error));
        if (cache)  // a tier that went down, said once (the batch goes on without it)
          for (const auto& n : cache->take_notices()) progress.note("pixelcache: note: " + printable(n));
      },
      [&] { return interrupts.stop_requested(); }, [&] { progress.draw(); });
  progress.clear();
  const int sig = interrupts.signal_number();
  std::cout << progress.summary(sig, cache != nullptr) << std::endl;
  if (sig != 0) return 128 + sig;
  return progress.failed() > 0 ? 1 : 0;
}

}  // namespace

Runner add_batch(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "batch", "Apply steps to many images (folders, files, @LIST, -, URLs) on all cores; outputs mirror the inputs");
  cmd->footer(
      "Inputs come first, then the steps (as for run). Folders are walked recursively (image extensions, or "
      "--glob); @LIST and - read one input per line. Outputs go under OUTDIR with the input's path below the "
      "folder given (a file: its relative path, or its name), in the --format given or the input's own.\n"
      "Outputs are written only beneath OUTDIR: a symlink in it (a folder or an output name) and an output that "
      "is one of the inputs fail that input; each output is written whole, through a temporary file renamed "
      "into place.\n"
      "Exit status: 0 all written or skipped, 1 some failed, 2 usage, 128+N stopped by signal N (Ctrl-C: "
      "inputs in flight finish, nothing partial is left; rerun with --cache or --skip-existing to resume).\n"
      "With --cache each output is looked up by (input bytes, steps, format, options) before decoding: a rerun "
      "writes the outputs of inputs already done from the cache, without decoding (report field \"cache\": "
      "\"hit\" or \"miss\").\n"
      "Steps (sizes are WIDTHxHEIGHT; MASK and IMAGE are files):\n" +
      step_help());
  auto a = std::make_shared<Args>();
  cmd->add_option("inputs_and_steps", a->positional, "Inputs (files, folders, URLs, @LIST, -), then steps")->required();
  cmd->add_option("-o,--output", a->output, "Output folder (created when missing)")->required();
  cmd->add_option("-j,--jobs", a->jobs, "Worker threads (default: the cores this process may use)")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  cmd->add_option("--glob", a->glob, "Files to take from folders, e.g. '*.jpg' or 'train/*/*.png'");
  cmd->add_option("--format", a->format, "Output format: " + writer_names() + " (default: the input's)")
      ->check(CLI::IsMember(writer_choices(), CLI::ignore_case));
  cmd->add_option("--report", a->report,
                  "JSON-lines report: one object per input (input, output, status, input_digest, output_digest, "
                  "image_digest, cache, milliseconds, error)");
  cmd->add_flag("--skip-existing", a->skip_existing, "Skip inputs whose output exists (resume a stopped run)");
  add_encode_options(*cmd, a->encode);
  add_load_options(*cmd, a->load);
  add_cache_options(*cmd, a->cache);

  return [a] { return run_batch(*a); };
}

}  // namespace pixelcache::cli
