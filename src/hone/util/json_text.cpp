#include "hone/util/json_text.h"

#include "hone/util/atomic_file.h"
#include "hone/util/error.h"

namespace hone {

namespace {

// nlohmann's messages start "[json.exception.parse_error.101] "; the prefix says nothing to a user.
std::string without_prefix(const std::string& what) {
  const auto end = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && end != std::string::npos ? what.substr(end + 2) : what;
}

// The key whose value failed to parse: nlohmann reports a number out of range without a
// position, so the text is parsed again (only on this error path) with a callback that records
// the keys it passes; the last one before the failure is the value's key (or its array's).
template <class Json>
std::string key_at_failure(const std::string& text) {
  std::string last_key;
  auto track = [&](int, typename Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key) last_key = parsed.template get<std::string>();
    return true;
  };
  try {
    const Json ignored = Json::parse(text, track);
  } catch (const typename Json::exception&) {
  }
  return last_key;
}

template <class Json>
Json parse(const std::string& text, const std::string& source) {
  try {
    return Json::parse(text);
  } catch (const typename Json::parse_error& e) {
    HONE_FAIL(source, ": not valid JSON: ", without_prefix(e.what()));
  } catch (const typename Json::exception& e) {
    const std::string key = key_at_failure<Json>(text);
    HONE_FAIL(source, ": ", key.empty() ? std::string("a value") : "key '" + key + "'", ": ", without_prefix(e.what()));
  }
}

}  // namespace

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  return parse<nlohmann::json>(text, source);
}

nlohmann::ordered_json parse_ordered_json(const std::string& text, const std::string& source) {
  return parse<nlohmann::ordered_json>(text, source);
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

void fail_json_key(const std::string& source, const std::string& key, const std::string& what) {
  HONE_FAIL(source, ": key '", key, "': ", without_prefix(what));
}

}  // namespace hone
