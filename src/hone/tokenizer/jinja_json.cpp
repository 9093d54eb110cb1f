#include "hone/tokenizer/jinja_json.h"

#include <algorithm>
#include <cstdio>

#include "hone/tokenizer/jinja_error.h"

namespace hone::jinja {

Value from_json(const nlohmann::ordered_json& json, int32_t origin) {
  Value out;
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null: out = Value::none(); break;
    case nlohmann::ordered_json::value_t::boolean: out = Value::boolean(json.get<bool>()); break;
    case nlohmann::ordered_json::value_t::number_integer: out = Value::integer(json.get<int64_t>()); break;
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = json.get<uint64_t>();
      out = u > uint64_t(INT64_MAX) ? Value::floating(double(u)) : Value::integer(int64_t(u));
      break;
    }
    case nlohmann::ordered_json::value_t::number_float: out = Value::floating(json.get<double>()); break;
    case nlohmann::ordered_json::value_t::string: out = Value::string(Text::marked(json.get<std::string>(), origin)); break;
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json(item, origin));
      out = Value::list(std::move(items));
      break;
    }
    case nlohmann::ordered_json::value_t::object: {
      std::vector<std::pair<std::string, Value>> entries;
      entries.reserve(json.size());
      for (const auto& [key, item] : json.items()) entries.emplace_back(key, from_json(item, origin));
      out = Value::dict(std::move(entries));
      break;
    }
    default: fail("cannot use JSON value of type ", json.type_name(), " in a template");
  }
  return out.with_origin(origin);
}

namespace {

void append_utf16_escape(std::string& out, uint32_t unit) {
  char hex[16];  // "\\uXXXX" needs 7; room for any uint32_t keeps -Wformat-truncation quiet
  std::snprintf(hex, sizeof hex, "\\u%04x", unit);
  out += hex;
}

// Decodes one UTF-8 sequence at s[i]; invalid bytes come back as themselves (length 1).
uint32_t decode_utf8(const std::string& s, size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  int length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (length == 0 || i + size_t(length) > s.size()) {
    ++i;
    return c;
  }
  uint32_t cp = length == 1 ? c : c & (0x7f >> length);
  for (int k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + size_t(k)]) & 0x3f);
  i += size_t(length);
  return cp;
}

void append_json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) append_utf16_escape(out, c);
          else out += char(c);
      }
      continue;
    }
    const size_t start = i;
    const uint32_t cp = decode_utf8(s, i);
    if (!ensure_ascii) {
      out.append(s, start, i - start);
    } else if (cp >= 0x10000) {
      append_utf16_escape(out, 0xD800 + ((cp - 0x10000) >> 10));
      append_utf16_escape(out, 0xDC00 + ((cp - 0x10000) & 0x3ff));
    } else {
      append_utf16_escape(out, cp);
    }
  }
  out += '"';
}

void write_json(std::string& out, const Value& value, const JsonOptions& options, int depth) {
  const std::string item_sep = options.separators ? options.separators->first : (options.indent ? "," : ", ");
  const std::string key_sep = options.separators ? options.separators->second : ": ";
  const auto newline = [&](int level) {
    if (!options.indent) return;
    out += '\n';
    out.append(size_t(std::max(0, *options.indent) * level), ' ');
  };
  switch (value.kind()) {
    case Value::Kind::None: out += "null"; return;
    case Value::Kind::Bool: out += value.as_bool() ? "true" : "false"; return;
    case Value::Kind::Int: out += std::to_string(value.as_int()); return;
    case Value::Kind::Float: {
      const double d = value.as_double();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d < 0 ? "-Infinity" : "Infinity";
      else out += format_python_float(d);
      return;
    }
    case Value::Kind::String: append_json_string(out, value.str(), options.ensure_ascii); return;
    case Value::Kind::List: {
      const auto& items = value.items();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += item_sep;
        newline(depth + 1);
        write_json(out, items[i], options, depth + 1);
      }
      newline(depth);
      out += ']';
      return;
    }
    case Value::Kind::Dict: {
      std::vector<const std::pair<std::string, Value>*> entries;
      for (const auto& entry : value.dict_data().entries) entries.push_back(&entry);
      if (options.sort_keys) std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
      if (entries.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += item_sep;
        newline(depth + 1);
        append_json_string(out, entries[i]->first, options.ensure_ascii);
        out += key_sep;
        write_json(out, entries[i]->second, options, depth + 1);
      }
      newline(depth);
      out += '}';
      return;
    }
    case Value::Kind::Undefined:
      fail("tojson: object of type Undefined is not JSON serializable",
           value.undefined_hint().empty() ? "" : " (" + value.undefined_hint() + ")");
    case Value::Kind::Callable: fail("tojson: a function is not JSON serializable");
  }
}

}  // namespace

std::string to_json_string(const Value& value, const JsonOptions& options) {
  std::string out;
  write_json(out, value, options, 0);
  return out;
}

int32_t find_origin(const Value& value) {
  if (value.origin() >= 0) return value.origin();
  if (value.is_string()) return value.text().first_message();
  if (value.is_list()) {
    for (const Value& item : value.items())
      if (int32_t o = find_origin(item); o >= 0) return o;
  }
  if (value.is_dict()) {
    for (const auto& [key, item] : value.dict_data().entries)
      if (int32_t o = find_origin(item); o >= 0) return o;
  }
  return -1;
}

}  // namespace hone::jinja
