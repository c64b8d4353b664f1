// Binding of pixelcache::data (data.hpp) for the pixelcache.data package:
// _DataSource (the per-sample pipeline, behind ImageDataset.__getitem__),
// _DataLoader and _EpochRun (behind pixelcache.data.Loader), and
// fill_image_batch (behind pixelcache.data.collate).
//
// The GIL is released during all sample work. A Python augment callable is
// called with the GIL taken again, from whichever thread makes the sample;
// a Python exception it raises is carried to the caller (and to
// _EpochRun.wait in the Loader's main thread) and raised there unchanged.
// Batch buffers are handed over as raw addresses of torch tensors, which
// the Python front keeps alive until the batch is waited for or the run is
// cancelled (cancel() and the destructor join the threads with the GIL
// released, so a thread waiting for the GIL cannot deadlock them).
#include <pybind11/stl.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "bindings.hpp"
#include "py_error.hpp"

namespace pixelcache::python {
namespace {

using data::EpochRun;
using data::SampleSource;

// Runs `fn` with the GIL released; a PythonError comes back as the Python
// exception it carries.
template <class F>
auto released(F&& fn) {
  try {
    py::gil_scoped_release nogil;
    return fn();
  } catch (const PythonError& e) {
    e.restore();
    throw py::error_already_set();
  }
}

// A custom augment step calling `adapter(image, seed)` -> Image under the GIL.
data::AugmentStep python_step(const py::handle& adapter, std::string name) {
  auto fn = std::make_shared<PyRef>(adapter.ptr());
  return data::Augment::custom(std::move(name), [fn](const Image& img, std::uint64_t seed) -> Image {
    if (!Py_IsInitialized() || interpreter_finalizing())
      throw Error("augment callable: the Python interpreter is shutting down");
    py::gil_scoped_acquire gil;
    try {
      const py::object out = py::reinterpret_borrow<py::object>(fn->p)(img, seed);
      return out.cast<Image>();
    } catch (py::error_already_set& e) {
      throw PythonError(e, "a Python exception in an augment callable");
    }
  });
}

data::OutputFormat output_format(const std::string& layout, const std::string& dtype,
                                 const std::optional<std::vector<float>>& mean,
                                 const std::optional<std::vector<float>>& std) {
  data::OutputFormat f;
  if (layout == "CHW")
    f.layout = data::OutputLayout::CHW;
  else if (layout == "HWC")
    f.layout = data::OutputLayout::HWC;
  else
    throw InvalidArgument("layout must be \"CHW\" or \"HWC\", got \"" + escape_bytes(layout) + "\"");
  if (dtype == "float32")
    f.type = data::OutputType::F32;
  else if (dtype == "uint8")
    f.type = data::OutputType::U8;
  else
    throw InvalidArgument("dtype must be \"float32\" or \"uint8\", got \"" + escape_bytes(dtype) + "\"");
  if (mean) f.mean = *mean;
  if (std) f.std = *std;
  f.validate();
  return f;
}

std::shared_ptr<SampleSource> make_source(const std::vector<std::string>& transform, const py::list& augment,
                                          std::shared_ptr<Cache> cache, const std::string& layout,
                                          const std::string& dtype, const std::optional<std::vector<float>>& mean,
                                          const std::optional<std::vector<float>>& std, std::uint64_t seed,
                                          std::uint64_t max_pixels) {
  data::SourceOptions o;
  o.transform = Transform::parse(transform);
  std::vector<data::AugmentStep> steps;
  for (const py::handle item : augment) {
    if (PyUnicode_Check(item.ptr())) {
      const data::Augment parsed = data::Augment::parse(item.cast<std::string>());
      steps.insert(steps.end(), parsed.steps().begin(), parsed.steps().end());
    } else {
      // (name, adapter) of a Python callable.
      const auto pair = item.cast<py::tuple>();
      steps.push_back(python_step(pair[1], pair[0].cast<std::string>()));
    }
  }
  o.augment = data::Augment(std::move(steps));
  o.cache = std::move(cache);
  o.output = output_format(layout, dtype, mean, std);
  o.seed = seed;
  o.load.max_pixels = max_pixels;
  return std::make_shared<SampleSource>(std::move(o));
}

py::dtype out_dtype(const data::OutputFormat& f) {
  return f.type == data::OutputType::F32 ? py::dtype("float32") : py::dtype("uint8");
}

// One sample as a NumPy array in the source's format, or the Image.
py::object item(SampleSource& s, const std::string& path, std::uint64_t epoch, std::uint64_t index, bool as_image) {
  const Image img = released([&] { return s.sample(path, epoch, index); });
  if (as_image) return py::cast(img);
  const auto& f = s.options().output;
  const auto shape = f.shape(img.size());
  py::array out(out_dtype(f), std::vector<py::ssize_t>(shape.begin(), shape.end()));
  auto* p = static_cast<std::byte*>(out.mutable_data());
  const std::size_t n = static_cast<std::size_t>(out.nbytes());
  released([&] {
    data::write_sample(img, f, {p, n});
    return 0;
  });
  return out;
}

py::dict source_stats(const SampleSource& s) {
  const data::SourceStats st = s.stats();
  py::dict d;
  d["samples"] = st.samples;
  d["index_hits"] = st.index_hits;
  d["index_cache_hits"] = st.index_cache_hits;
  d["files_hashed"] = st.files_hashed;
  d["transform_hits"] = st.transform_hits;
  d["transforms_computed"] = st.transforms_computed;
  return d;
}

// An EpochRun whose threads are joined with the GIL released (a thread may
// be waiting for the GIL to call an augment callable).
struct PyEpochRun {
  std::unique_ptr<EpochRun> run;
  void stop() {
    if (!run) return;
    if (PyGILState_Check()) {
      py::gil_scoped_release nogil;
      run->cancel();
    } else {
      run->cancel();
    }
  }
  ~PyEpochRun() {
    stop();
    run.reset();
  }
  EpochRun& get() {
    if (!run) throw InvalidArgument("the epoch run was closed");
    return *run;
  }
};

py::tuple batch_info(const data::BatchInfo& info) {
  py::list skipped;
  for (const auto& s : info.skipped) skipped.append(py::make_tuple(s.index, s.path, s.error));
  return py::make_tuple(info.count, skipped);
}

// wait(b), checking for Ctrl-C every 50 ms (KeyboardInterrupt raised here).
py::tuple wait_batch(PyEpochRun& r, std::size_t b) {
  EpochRun& run = r.get();
  while (true) {
    const auto info = released([&] { return run.wait_for(b, std::chrono::milliseconds(50)); });
    if (info) return batch_info(*info);
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

// Stacks images (one mode and size) into `out` (`nbytes` bytes): float32
// planes k / 255 per image (bool bytes 0 / 1 for binary), as
// HashableImage.tensor() gives them, one image after the other.
void fill_image_batch(const std::vector<Image>& images, std::uintptr_t out, std::size_t nbytes) {
  if (images.empty()) throw InvalidArgument("collate: no images");
  const Image& first = images.front();
  for (std::size_t i = 0; i < images.size(); ++i)
    if (images[i].mode() != first.mode() || images[i].size() != first.size())
      throw InvalidArgument("collate: the images of a batch must have one mode and size: image " + std::to_string(i) +
                            " is " + images[i].to_string() + ", image 0 is " + first.to_string());
  const std::size_t samples = first.size().area() * static_cast<std::size_t>(first.channels());
  const std::size_t each = samples * (first.is_binary() ? 1 : sizeof(float));
  if (nbytes != each * images.size())
    throw InvalidArgument("collate: the output holds " + std::to_string(nbytes) + " bytes, the batch needs " +
                          std::to_string(each * images.size()));
  py::gil_scoped_release nogil;
  auto* base = reinterpret_cast<std::byte*>(out);
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (images[i].is_binary())
      std::memcpy(base + i * each, images[i].data(), each);
    else
      images[i].write_planar_f32({reinterpret_cast<float*>(base + i * each), samples});
  }
}

}  // namespace

namespace {

// The module-level helpers of pixelcache.data: versions, randomness, step keys, batches.
void bind_data_functions(py::module_& m) {
  m.def("data_cache_version", &data::data_cache_version,
        "The version part of pixelcache.data's cache keys (pixelcache and pipeline versions).");
  m.def("augment_help", &data::augment_help, "The augment steps, one line each.");
  m.def(
      "random_u64",
      [](std::uint64_t seed, std::uint64_t stream, std::uint64_t epoch, std::uint64_t index, std::uint64_t n) {
        return data::random_u64(seed, stream, epoch, index, n);
      },
      py::arg("seed"), py::arg("stream"), py::arg("epoch"), py::arg("index"), py::arg("n"),
      "Draw n of (seed, stream, epoch, index) (data.hpp, Randomness).");
  m.def(
      "shuffled_order",
      [](std::size_t n, std::uint64_t seed, std::uint64_t epoch) { return data::shuffled_order(n, seed, epoch); },
      py::arg("n"), py::arg("seed"), py::arg("epoch"), "The seeded permutation of range(n) for an epoch.");
  m.def(
      "augment_keys", [](const std::vector<std::string>& steps) { return data::Augment::parse(steps).keys(); },
      py::arg("steps"), "Parses augment steps (InvalidArgument for a bad one) and returns their canonical keys.");
  m.def(
      "transform_keys", [](const std::vector<std::string>& steps) { return Transform::parse(steps).keys(); },
      py::arg("steps"), "Parses transform steps (InvalidArgument for a bad one) and returns their canonical keys.");
  m.def("fill_image_batch", &fill_image_batch, py::arg("images"), py::arg("out"), py::arg("nbytes"),
        "Writes images of one mode and size into a buffer at address `out` as float32 planes in [0, 1] (bool bytes "
        "for binary), one after the other.");
}

// _DataSource: the per-sample pipeline.
void bind_data_source(py::module_& m) {
  py::class_<SampleSource, std::shared_ptr<SampleSource>>(m, "_DataSource",
                                                          "The per-sample pipeline (pixelcache::data::SampleSource).")
      .def(py::init(&make_source), py::arg("transform"), py::arg("augment"), py::arg("cache"), py::arg("layout"),
           py::arg("dtype"), py::arg("mean"), py::arg("std"), py::arg("seed"), py::arg("max_pixels"))
      .def("item", &item, py::arg("path"), py::arg("epoch"), py::arg("index"), py::arg("as_image") = false,
           "Sample `index` of `epoch` from the file at `path`: a NumPy array in the output format, or the Image.")
      .def(
          "transformed",
          [](SampleSource& s, const std::string& path) { return released([&] { return s.transformed(path); }); },
          py::arg("path"), "The transformed (cached) image of a file, before the augment.")
      .def(
          "file_digest",
          [](SampleSource& s, const std::string& path) {
            return digest_to_bytes(released([&] { return s.file_digest(path); }));
          },
          py::arg("path"), "The file's content digest (16 bytes) through the stat index.")
      .def("stats", &source_stats,
           "Counters: samples, index_hits, index_cache_hits, files_hashed, transform_hits, "
           "transforms_computed.")
      .def_property_readonly("sample_dtype", [](const SampleSource& s) { return out_dtype(s.options().output); });
}

// _DataLoader: batches, order, epochs.
void bind_data_loader(py::module_& m) {
  py::class_<data::Loader, std::shared_ptr<data::Loader>>(m, "_DataLoader", "pixelcache::data::Loader.")
      .def(py::init([](std::shared_ptr<SampleSource> source, std::vector<std::string> paths,
                       std::vector<std::int64_t> targets, std::size_t batch_size, bool shuffle, bool drop_last,
                       std::uint64_t seed, unsigned workers, const std::string& on_error) {
             data::LoaderOptions o;
             o.batch_size = batch_size;
             o.shuffle = shuffle;
             o.drop_last = drop_last;
             o.seed = seed;
             o.workers = workers;
             if (on_error == "raise")
               o.on_error = data::OnError::Raise;
             else if (on_error == "skip")
               o.on_error = data::OnError::Skip;
             else
               throw InvalidArgument("on_error must be \"raise\" or \"skip\", got \"" + escape_bytes(on_error) + "\"");
             return std::make_shared<data::Loader>(std::move(source), std::move(paths), std::move(targets), o);
           }),
           py::arg("source"), py::arg("paths"), py::arg("targets"), py::arg("batch_size"), py::arg("shuffle"),
           py::arg("drop_last"), py::arg("seed"), py::arg("workers"), py::arg("on_error"))
      .def("batches", &data::Loader::batches)
      .def("batch_rows", &data::Loader::batch_rows, py::arg("b"))
      .def("order", &data::Loader::order, py::arg("epoch"))
      .def("workers", &data::Loader::workers)
      .def(
          "start",
          [](const data::Loader& l, std::uint64_t epoch) {
            auto r = std::make_unique<PyEpochRun>();
            r->run = released([&] { return l.start(epoch); });
            return r;
          },
          py::arg("epoch"), "Starts an epoch: an _EpochRun (the sample shape is known when it returns).");
}

// _EpochRun: one epoch in progress.
void bind_epoch_run(py::module_& m) {
  py::class_<PyEpochRun>(m, "_EpochRun", "One epoch of a _DataLoader in progress (pixelcache::data::EpochRun).")
      .def_property_readonly("sample_shape",
                             [](PyEpochRun& r) {
                               const auto s = r.get().sample_shape();
                               return py::make_tuple(s[0], s[1], s[2]);
                             })
      .def_property_readonly("sample_bytes", [](PyEpochRun& r) { return r.get().sample_bytes(); })
      .def_property_readonly("shape_source", [](PyEpochRun& r) { return r.get().shape_source(); })
      .def_property_readonly("order", [](PyEpochRun& r) { return r.get().order(); })
      .def("batches", [](PyEpochRun& r) { return r.get().batches(); })
      .def(
          "batch_rows", [](PyEpochRun& r, std::size_t b) { return r.get().batch_rows(b); }, py::arg("b"))
      .def(
          "submit",
          [](PyEpochRun& r, std::size_t b, std::uintptr_t x, std::size_t x_bytes, std::uintptr_t y) {
            r.get().submit(b, {reinterpret_cast<std::byte*>(x), x_bytes}, reinterpret_cast<std::int64_t*>(y));
          },
          py::arg("b"), py::arg("x"), py::arg("x_bytes"), py::arg("y"),
          "Queues batch b into the buffers at addresses x (x_bytes) and y (0: none); they must stay alive until "
          "wait(b) or cancel() returns.")
      .def("wait", &wait_batch, py::arg("b"), "(count, [(index, path, error) skipped]) of batch b once done.")
      .def("cancel", &PyEpochRun::stop, "Drops queued work, joins the threads (the GIL released).")
      .def("skipped", [](PyEpochRun& r) { return r.get().skipped(); });
}

}  // namespace

void bind_data(py::module_& m) {
  bind_data_functions(m);
  bind_data_source(m);
  bind_data_loader(m);
  bind_epoch_run(m);
}

}  // namespace pixelcache::python
