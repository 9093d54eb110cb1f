// Renders a parsed template: scopes (a for loop or macro call opens one; `set` writes the
// innermost), loops with loop.* and break/continue, macros and call blocks, and the globals
// transformers provides (range, namespace, dict, raise_exception, strftime_now). Besides the
// text it records which output bytes each message's loop iteration produced and where
// {% generation %} blocks were, for chat-template attribution.
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hone/tokenizer/jinja_ast.h"

namespace hone::jinja {

struct RenderEnvironment {
  std::vector<std::pair<std::string, Value>> variables;
  // strftime_now() reads the time here; tests fix it. Default: the local time now.
  std::function<std::tm()> now;
  // Dicts that are conversation messages, by identity: output written while a for loop's item
  // is one of them is attributed to that message.
  std::unordered_map<const DictData*, int32_t> message_objects;
};

// Output bytes [begin, end) were written in a loop iteration over message `message`; `depth`
// is the loop nesting depth (the innermost region wins where they nest).
struct MessageRegion {
  size_t begin = 0, end = 0;
  int32_t message = -1;
  int depth = 0;
};

struct RenderOutput {
  Text text;
  std::vector<MessageRegion> regions;
  std::vector<std::pair<size_t, size_t>> generation;  // {% generation %} blocks, byte ranges
};

RenderOutput evaluate_template(const Body& body, const std::string& template_name, const RenderEnvironment& environment);

}  // namespace hone::jinja
