// Batches made by C++ threads (data.hpp, Loader and EpochRun): a queue of
// sample tasks in submission order, worker threads that write each sample
// into its row of the caller's batch buffers, and clean cancellation.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <numeric>
#include <thread>

#include "pixelcache/data.hpp"
#include "pixelcache/error.hpp"

namespace pixelcache::data {

// ---------------------------------------------------------------- plan

std::size_t Loader::Plan::batches() const noexcept {
  const std::size_t n = paths.size(), b = options.batch_size;
  return options.drop_last ? n / b : (n + b - 1) / b;
}

std::size_t Loader::Plan::batch_rows(std::size_t b) const noexcept {
  const std::size_t n = paths.size(), size = options.batch_size;
  if (b >= batches()) return 0;
  return std::min(size, n - b * size);
}

std::vector<std::size_t> Loader::Plan::order(std::uint64_t epoch) const {
  if (options.shuffle) return shuffled_order(paths.size(), options.seed, epoch);
  std::vector<std::size_t> o(paths.size());
  std::iota(o.begin(), o.end(), std::size_t{0});
  return o;
}

Loader::Loader(std::shared_ptr<SampleSource> source, std::vector<std::string> paths, std::vector<std::int64_t> targets,
               LoaderOptions options) {
  if (!source) throw InvalidArgument("Loader: no sample source");
  if (options.batch_size < 1) throw InvalidArgument("Loader: batch_size must be >= 1, got 0");
  if (!targets.empty() && targets.size() != paths.size())
    throw InvalidArgument("Loader: " + std::to_string(targets.size()) + " targets for " + std::to_string(paths.size()) +
                          " samples");
  auto plan = std::make_shared<Plan>();
  plan->source = std::move(source);
  plan->paths = std::move(paths);
  plan->targets = std::move(targets);
  plan->options = options;
  plan_ = std::move(plan);
}

std::vector<std::size_t> Loader::order(std::uint64_t epoch) const { return plan_->order(epoch); }

unsigned Loader::workers() const noexcept {
  if (plan_->options.workers > 0) return plan_->options.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::unique_ptr<EpochRun> Loader::start(std::uint64_t epoch) const {
  return std::unique_ptr<EpochRun>(new EpochRun(plan_, epoch));
}

void Loader::run_epoch(std::uint64_t epoch, std::size_t prefetch,
                       const std::function<void(std::span<const std::byte>, std::span<const std::int64_t>,
                                                const BatchInfo&)>& consume) const {
  // The buffers outlive the run (declared first): its destructor joins the
  // threads that may still write into them.
  const std::size_t slots = prefetch + 1;
  std::vector<std::vector<std::uint64_t>> xs(slots);  // 8-byte aligned storage
  std::vector<std::vector<std::int64_t>> ys(slots);
  const std::unique_ptr<EpochRun> run = start(epoch);
  const std::size_t n = run->batches();
  const bool has_targets = !plan_->targets.empty();
  const auto submit = [&](std::size_t b) {
    const std::size_t slot = b % slots, rows = run->batch_rows(b);
    const std::size_t bytes = rows * run->sample_bytes();
    xs[slot].resize((bytes + 7) / 8);
    ys[slot].resize(rows);
    run->submit(b, {reinterpret_cast<std::byte*>(xs[slot].data()), bytes}, has_targets ? ys[slot].data() : nullptr);
  };
  for (std::size_t b = 0; b < std::min(n, slots); ++b) submit(b);
  for (std::size_t b = 0; b < n; ++b) {
    const BatchInfo info = run->wait(b);
    const std::size_t slot = b % slots;
    consume({reinterpret_cast<const std::byte*>(xs[slot].data()), info.count * run->sample_bytes()},
            has_targets ? std::span<const std::int64_t>(ys[slot].data(), info.count) : std::span<const std::int64_t>(),
            info);
    if (b + slots < n) submit(b + slots);
  }
}

// ---------------------------------------------------------------- epoch runs

namespace {

struct Task {
  std::size_t batch = 0;
  std::size_t slot = 0;
};

struct Batch {
  bool submitted = false;
  bool done = false;
  bool cancelled = false;
  std::span<std::byte> x;
  std::int64_t* y = nullptr;
  std::size_t rows = 0;
  std::size_t remaining = 0;
  std::vector<char> ok;                    // per slot: written
  std::vector<std::exception_ptr> errors;  // per slot: its error
  std::vector<char> fatal;                 // per slot: an error that is never skipped
  BatchInfo info;
  std::exception_ptr error;  // the batch's error (raised by wait)
};

// A size mismatch: an error of the dataset, not of one file; never skipped.
struct Mismatch : InvalidArgument {
  using InvalidArgument::InvalidArgument;
};

std::string shape_text(const std::array<std::int64_t, 3>& s) {
  return std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
}

}  // namespace

struct EpochRun::State {
  std::mutex mu;
  std::condition_variable work;  // tasks queued, or stopping
  std::condition_variable done;  // a batch finished
  std::deque<Task> queue;
  std::vector<Batch> batches;
  bool stopping = false;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> skipped{0};
  // The sample made while learning the shape, used for its row.
  std::size_t probe_position = static_cast<std::size_t>(-1);
  Image probe_image;
};

EpochRun::EpochRun(std::shared_ptr<const Loader::Plan> plan, std::uint64_t epoch)
    : plan_(std::move(plan)), epoch_(epoch), state_(std::make_unique<State>()) {
  const Loader::Plan& p = *plan_;
  order_ = p.order(epoch);
  state_->batches.resize(p.batches());
  if (state_->batches.empty()) return;
  // The sample shape, from the first sample that succeeds.
  std::exception_ptr first_error;
  for (std::size_t pos = 0; pos < order_.size(); ++pos) {
    const std::size_t index = order_[pos];
    try {
      Image img = p.source->sample(p.paths[index], epoch, index);
      shape_ = p.source->options().output.shape(img.size());
      sample_bytes_ = p.source->options().output.sample_bytes(img.size());
      shape_source_ = p.paths[index];
      state_->probe_position = pos;
      state_->probe_image = std::move(img);
      break;
    } catch (const Error&) {
      if (p.options.on_error == OnError::Raise) throw;
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (sample_bytes_ == 0) std::rethrow_exception(first_error);
  const unsigned n = p.options.workers > 0 ? p.options.workers : std::max(1u, std::thread::hardware_concurrency());
  try {
    for (unsigned i = 0; i < n; ++i) state_->threads.emplace_back([this] { work(); });
  } catch (...) {
    cancel();
    throw;
  }
}

EpochRun::~EpochRun() { cancel(); }

void EpochRun::submit(std::size_t b, std::span<std::byte> x, std::int64_t* y) {
  const Loader::Plan& p = *plan_;
  if (b >= state_->batches.size())
    throw InvalidArgument("EpochRun::submit: batch " + std::to_string(b) + " of " +
                          std::to_string(state_->batches.size()));
  const std::size_t rows = batch_rows(b);
  if (x.size() != rows * sample_bytes_)
    throw InvalidArgument("EpochRun::submit: batch " + std::to_string(b) + " needs " +
                          std::to_string(rows * sample_bytes_) + " bytes for x, got " + std::to_string(x.size()));
  if (p.source->options().output.type == OutputType::F32 &&
      reinterpret_cast<std::uintptr_t>(x.data()) % alignof(float) != 0)
    throw InvalidArgument("EpochRun::submit: x must be aligned for float32");
  if (!p.targets.empty() && y == nullptr) throw InvalidArgument("EpochRun::submit: the samples have targets: y needed");
  std::lock_guard lock(state_->mu);
  if (state_->stopping) throw InvalidArgument("EpochRun::submit: the run was cancelled");
  Batch& batch = state_->batches[b];
  if (batch.submitted) throw InvalidArgument("EpochRun::submit: batch " + std::to_string(b) + " was submitted before");
  batch.submitted = true;
  batch.x = x;
  batch.y = p.targets.empty() ? nullptr : y;
  batch.rows = batch.remaining = rows;
  batch.ok.assign(rows, 0);
  batch.fatal.assign(rows, 0);
  batch.errors.assign(rows, nullptr);
  for (std::size_t s = 0; s < rows; ++s) state_->queue.push_back({b, s});
  state_->work.notify_all();
}

void EpochRun::work() {
  const Loader::Plan& p = *plan_;
  const OutputFormat& format = p.source->options().output;
  State& st = *state_;
  while (true) {
    Task t;
    Batch* batch = nullptr;
    {
      std::unique_lock lock(st.mu);
      st.work.wait(lock, [&] { return st.stopping || !st.queue.empty(); });
      if (st.stopping) return;
      t = st.queue.front();
      st.queue.pop_front();
      batch = &st.batches[t.batch];
    }
    const std::size_t pos = t.batch * p.options.batch_size + t.slot;
    const std::size_t index = order_[pos];
    const std::string& path = p.paths[index];
    bool ok = false, fatal = false;
    std::exception_ptr error;
    try {
      Image img = pos == st.probe_position ? st.probe_image : p.source->sample(path, epoch_, index);
      if (format.shape(img.size()) != shape_)
        throw Mismatch("the samples of a batch must have one size: " + escape_bytes(path) + " gives " +
                       shape_text(format.shape(img.size())) + " but " + escape_bytes(shape_source_) + " gave " +
                       shape_text(shape_) + " (make the transform or augment end with a fixed size, e.g. " +
                       "center_crop:224x224)");
      write_sample(img, format, batch->x.subspan(t.slot * sample_bytes_, sample_bytes_));
      if (batch->y) batch->y[t.slot] = p.targets[index];
      ok = true;
    } catch (const Mismatch&) {
      error = std::current_exception();
      fatal = true;
    } catch (const Error&) {
      error = std::current_exception();
    } catch (...) {  // a Python error of a custom step, bad_alloc: never skipped
      error = std::current_exception();
      fatal = true;
    }
    bool last = false;
    {
      std::lock_guard lock(st.mu);
      batch->ok[t.slot] = ok;
      batch->errors[t.slot] = error;
      batch->fatal[t.slot] = fatal;
      last = --batch->remaining == 0;
    }
    if (last) finish(t.batch);
  }
}

void EpochRun::finish(std::size_t b) {
  const Loader::Plan& p = *plan_;
  Batch& batch = state_->batches[b];
  // Only this thread touches the batch now (every sample is done).
  BatchInfo info;
  std::exception_ptr error;
  for (std::size_t s = 0; s < batch.rows && !error; ++s)
    if (batch.errors[s] && (batch.fatal[s] || p.options.on_error == OnError::Raise)) error = batch.errors[s];
  if (!error) {
    for (std::size_t s = 0; s < batch.rows; ++s) {
      if (!batch.ok[s]) {
        const std::size_t index = order_[b * p.options.batch_size + s];
        std::string message;
        try {
          std::rethrow_exception(batch.errors[s]);
        } catch (const std::exception& e) {
          message = e.what();
        }
        info.skipped.push_back({index, p.paths[index], message});
        continue;
      }
      if (info.count != s) {  // close up the rows of skipped samples
        std::memmove(batch.x.data() + info.count * sample_bytes_, batch.x.data() + s * sample_bytes_, sample_bytes_);
        if (batch.y) batch.y[info.count] = batch.y[s];
      }
      ++info.count;
    }
    state_->skipped.fetch_add(info.skipped.size(), std::memory_order_relaxed);
  }
  std::lock_guard lock(state_->mu);
  batch.info = std::move(info);
  batch.error = error;
  batch.done = true;
  state_->done.notify_all();
}

std::optional<BatchInfo> EpochRun::wait_for(std::size_t b, std::chrono::milliseconds timeout) {
  if (b >= state_->batches.size())
    throw InvalidArgument("EpochRun::wait: batch " + std::to_string(b) + " of " +
                          std::to_string(state_->batches.size()));
  std::unique_lock lock(state_->mu);
  Batch& batch = state_->batches[b];
  if (!batch.submitted) throw InvalidArgument("EpochRun::wait: batch " + std::to_string(b) + " was not submitted");
  const auto ready = [&] { return batch.done || batch.cancelled; };
  if (!state_->done.wait_for(lock, timeout, ready)) return std::nullopt;
  if (batch.cancelled && !batch.done)
    throw InvalidArgument("EpochRun::wait: batch " + std::to_string(b) + " was cancelled");
  if (batch.error) std::rethrow_exception(batch.error);
  return batch.info;
}

BatchInfo EpochRun::wait(std::size_t b) {
  while (true)
    if (auto info = wait_for(b, std::chrono::hours(1))) return *info;
}

void EpochRun::cancel() noexcept {
  State& st = *state_;
  {
    std::lock_guard lock(st.mu);
    st.stopping = true;
    st.queue.clear();
    st.work.notify_all();
  }
  for (auto& t : st.threads)
    if (t.joinable()) t.join();
  st.threads.clear();
  std::lock_guard lock(st.mu);
  for (auto& batch : st.batches)
    if (batch.submitted && !batch.done) batch.cancelled = true;
  st.done.notify_all();
}

std::size_t EpochRun::skipped() const noexcept { return state_->skipped.load(std::memory_order_relaxed); }

}  // namespace pixelcache::data
