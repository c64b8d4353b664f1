// The _pixelcache extension: the C++ core behind the pure-Python package
// pixelcache (HashableImage, HashableDict, HashableList, geometry types).
#include "bindings.hpp"

PYBIND11_MODULE(_pixelcache, m) {
  using namespace pixelcache::python;
  m.doc() = "pixelcache C++ core (see the pixelcache package for the public API)";
  m.attr("__version__") = pixelcache::version();
  bind_errors(m);
  bind_image(m);
  bind_geometry(m);
  bind_probe(m);
  bind_ops(m);
  bind_grid(m);
  bind_value(m);
  bind_catalogue(m);
  bind_cache(m);
  bind_memo_front(m);
  bind_data(m);
  bind_phash(m);
  bind_dups(m);
}
