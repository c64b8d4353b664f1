// Prints, for every case of catalogue_cases.hpp, "id<TAB>input<TAB>step<TAB>
// digest" with the digest of the typed C++ call: the C++ front of the
// cross-front test (tests/cli/test_catalogue_fronts.py).
//
//   catalogue_cases DATA_DIR ASSETS_DIR
#include "catalogue_cases.hpp"

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: catalogue_cases DATA_DIR ASSETS_DIR\n";
    return 2;
  }
  try {
    for (const auto& c : pixelcache::test::catalogue_cases(argv[1], argv[2])) {
      const pixelcache::Image input = c.input.empty() ? pixelcache::Image() : pixelcache::load(c.input);
      std::cout << c.id << '\t' << c.input << '\t' << c.step << '\t' << pixelcache::test::result_digest(c.direct(input))
                << '\n';
    }
  } catch (const std::exception& e) {
    std::cerr << "catalogue_cases: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
