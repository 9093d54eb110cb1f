// Option values as text and back: how a recipe key's value is read from YAML or a flag and how
// it is written to config.yaml. Errors name the key ("key 'lora.r': expected an integer").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hone {

std::string trim_blanks(const std::string& s);
int64_t parse_option_int(const std::string& key, const std::string& text);
double parse_option_double(const std::string& key, const std::string& text);  // finite only
bool parse_option_bool(const std::string& key, const std::string& text);      // true/false/1/0/yes/no
// Comma-separated items, blanks trimmed, empty items dropped.
std::vector<std::string> parse_option_list(const std::string& text);
// The shortest decimal form that reads back to exactly `v`.
std::string format_option_double(double v);
std::string join_option_list(const std::vector<std::string>& items);

}  // namespace hone
