#include "support/fuzz_mutator.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <random>
#include <typeinfo>

#include "hone/util/error.h"

namespace hone::testing {

uint64_t fuzz_seed(const std::string& what) {
  const char* fixed = std::getenv("HONE_FUZZ_SEED");
  const uint64_t seed = fixed ? std::strtoull(fixed, nullptr, 10) : (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
  std::cout << "[ fuzz     ] " << what << ": seed " << seed << " (HONE_FUZZ_SEED=" << seed << " reproduces)" << std::endl;
  return seed;
}

uint64_t TextMutator::below(uint64_t n) {
  // splitmix64: fast and good enough to pick positions and damages.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return n == 0 ? 0 : z % n;
}

std::string TextMutator::mutate(std::string text) {
  for (uint64_t n = 1 + below(3); n > 0; --n) {
    switch (below(5)) {
      case 0:
      case 1: text = replace_number(std::move(text)); break;
      case 2: text.resize(below(text.size() + 1)); break;
      default: text = splice_characters(std::move(text));
    }
  }
  return text;
}

// Numbers are where readers trusted their input most (sizes, ids, steps): swap one for a value
// at or beyond some limit.
std::string TextMutator::replace_number(std::string text) {
  static const char* const hostile[] = {"1e999", "-1e999", "-1", "0", "-5", "2147483647", "2147483648",
                                        "4294967296", "9223372036854775807", "9223372036854775808",
                                        "18446744073709551616", "-9223372036854775809", "1e308", "1e-320",
                                        "0.5", "1e12", "null", "true", "\"7\"", "[]", "{}", "[1e999]"};
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i)
    if ((text[i] >= '0' && text[i] <= '9') && (i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) ||
                                                           text[i - 1] == '.' || text[i - 1] == '-')))
      starts.push_back(i);
  if (starts.empty()) return splice_characters(std::move(text));
  const size_t at = starts[below(starts.size())];
  size_t end = at;
  while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.' ||
                               text[end] == 'e' || text[end] == 'E' || text[end] == '-' || text[end] == '+'))
    ++end;
  return text.replace(at, end - at, hostile[below(sizeof hostile / sizeof *hostile)]);
}

std::string TextMutator::splice_characters(std::string text) {
  static const std::string alphabet = "{}[]\":,0123456789-.eE \\ntfu\n#'|>&*!";
  for (uint64_t n = 1 + below(3); n > 0; --n) {
    const size_t at = text.empty() ? 0 : below(text.size());
    const char c = below(2) ? alphabet[below(alphabet.size())] : char(below(256));
    switch (text.empty() ? 1 : below(3)) {
      case 0: text[at] = c; break;
      case 1: text.insert(text.begin() + long(at), c); break;
      default: text.erase(at, 1);
    }
  }
  return text;
}

void fuzz_reader(const std::string& what, const std::vector<std::string>& seeds, int cases,
                 const std::function<void(const std::string& text)>& read) {
  const uint64_t seed = fuzz_seed(what);
  for (const std::string& valid : seeds) ASSERT_NO_THROW(read(valid)) << what << ": a seed input must be valid";
  TextMutator mutator(seed);
  int errors = 0;
  for (int i = 0; i < cases; ++i) {
    const std::string text = mutator.mutate(seeds[size_t(i) % seeds.size()]);
    try {
      read(text);
    } catch (const Error&) {
      ++errors;
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": case " << i << " (HONE_FUZZ_SEED=" << seed << ") threw " << typeid(e).name() << ": "
                    << e.what() << "\ninput:\n" << text;
      return;
    }
  }
  // Most mutations must be caught; if none were, the mutator is not reaching the reader.
  EXPECT_GT(errors, cases / 20) << what << ": only " << errors << " of " << cases << " mutations were rejected";
}

}  // namespace hone::testing
