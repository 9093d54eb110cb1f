#include "hone/util/option_text.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "hone/util/error.h"

namespace hone {

std::string trim_blanks(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

int64_t parse_option_int(const std::string& key, const std::string& text) {
  int64_t v = 0;
  const std::string t = trim_blanks(text);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  HONE_CHECK(ec == std::errc() && p == t.data() + t.size(), "key '", key, "': expected an integer, got '", text, "'");
  return v;
}

double parse_option_double(const std::string& key, const std::string& text) {
  const std::string t = trim_blanks(text);
  try {
    size_t used = 0;
    const double v = std::stod(t, &used);
    HONE_CHECK(used == t.size() && std::isfinite(v), "");
    return v;
  } catch (...) {
    HONE_FAIL("key '", key, "': expected a number, got '", text, "'");
  }
}

bool parse_option_bool(const std::string& key, const std::string& text) {
  const std::string t = trim_blanks(text);
  if (t == "true" || t == "True" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "False" || t == "0" || t == "no") return false;
  HONE_FAIL("key '", key, "': expected true or false, got '", text, "'");
}

std::vector<std::string> parse_option_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    item = trim_blanks(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string format_option_double(double v) {
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream o;
    o.precision(p);
    o << v;
    if (std::stod(o.str()) == v) return o.str();
  }
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

std::string join_option_list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& t : items) s += (s.empty() ? "" : ",") + t;
  return s;
}

}  // namespace hone
