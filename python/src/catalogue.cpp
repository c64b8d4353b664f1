// The operation catalogue (catalogue.hpp) for Python: the table as plain
// data (tools/gen_python_ops.py generates the HashableImage methods from it)
// and invoke(), which every generated method calls.
#include <pybind11/stl.h>

#include "bindings.hpp"

namespace pixelcache::python {
namespace {

const char* arg_kind_name(catalogue::ArgKind k) {
  switch (k) {
    case catalogue::ArgKind::PositionalOnly: return "positional_only";
    case catalogue::ArgKind::Positional: return "positional";
    case catalogue::ArgKind::KeywordOnly: return "keyword_only";
  }
  return "?";
}

py::list operations_table() {
  py::list ops;
  for (const auto& op : catalogue::operations()) {
    py::list args;
    for (const auto& a : op.args) {
      py::dict d;
      d["name"] = a.name;
      d["cpp_name"] = a.cpp_name.empty() ? a.name : a.cpp_name;
      d["type"] = catalogue::type_name(a.type);
      d["kind"] = arg_kind_name(a.kind);
      d["required"] = !a.default_value.has_value();
      d["default"] = a.default_value ? value_to_python(*a.default_value, true) : py::none();
      d["min"] = a.min;
      d["max"] = a.max;
      d["min_exclusive"] = a.min_exclusive;
      d["choices"] = a.choices;
      d["affects_result"] = a.affects_result;
      d["doc"] = a.doc;
      args.append(d);
    }
    py::dict d;
    d["name"] = op.name;
    d["cpp"] = op.cpp;
    d["doc"] = op.doc;
    d["args"] = args;
    d["result"] = op.result == catalogue::ResultType::Image ? "image" : "bboxes";
    d["method"] = op.method;
    d["python"] = op.python;
    d["step"] = op.step;
    d["usage"] = catalogue::usage(op);
    ops.append(d);
  }
  return ops;
}

py::object invoke(const std::string& name, const py::object& image, const py::sequence& args, const py::dict& kwargs) {
  const catalogue::Operation& op = catalogue::operation(name);
  std::vector<Value> positional;
  for (const py::handle a : args) positional.push_back(to_value(a));
  std::vector<std::pair<std::string, Value>> keywords;
  for (const auto& [k, v] : kwargs) keywords.emplace_back(k.cast<std::string>(), to_value(v));
  const Image img = image.is_none() ? Image() : image.cast<Image>();
  Value out;
  {
    const catalogue::Arguments bound = catalogue::bind_args(op, positional, keywords);
    py::gil_scoped_release release;
    out = catalogue::invoke(bound, img);
  }
  if (out.kind() == Value::Kind::Image) return py::cast(out.as<Image>());
  py::list boxes;
  for (const Value& b : out.as<HashableList>()) boxes.append(py::cast(b.as<BoundingBox>()));
  return boxes;
}

}  // namespace

void bind_catalogue(py::module_& m) {
  m.def("operations", &operations_table,
        "The operation catalogue as a list of dicts (name, cpp, doc, args, result, method, python, step, usage).");
  m.def("invoke", &invoke, py::arg("name"), py::arg("image"), py::arg("args") = py::tuple(),
        py::arg("kwargs") = py::dict(),
        "Runs the catalogue operation `name` on `image` (None for static ones) with Python-bound arguments: "
        "an Image, or a list of BoundingBox for mask2bbox. The GIL is released while it runs.");
  m.def(
      "canonical_call",
      [](const std::string& name, const py::sequence& args, const py::dict& kwargs) {
        std::vector<Value> positional;
        for (const py::handle a : args) positional.push_back(to_value(a));
        std::vector<std::pair<std::string, Value>> keywords;
        for (const auto& [k, v] : kwargs) keywords.emplace_back(k.cast<std::string>(), to_value(v));
        return catalogue::canonical_call(catalogue::bind_args(catalogue::operation(name), positional, keywords));
      },
      py::arg("name"), py::arg("args") = py::tuple(), py::arg("kwargs") = py::dict(),
      "The canonical key of a call, as `pixelcache run` steps are keyed.");
}

}  // namespace pixelcache::python
