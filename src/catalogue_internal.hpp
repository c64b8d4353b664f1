// Internal to the catalogue (catalogue.cpp, catalogue_table.cpp).
#pragma once

#include "pixelcache/catalogue.hpp"

namespace pixelcache::catalogue {

/// An Int / Float (or Bool) Value as a double; InvalidArgument otherwise.
double number(const Value& v);

}  // namespace pixelcache::catalogue
