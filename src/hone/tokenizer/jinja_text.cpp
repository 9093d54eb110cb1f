#include "hone/tokenizer/jinja_text.h"

#include <algorithm>

namespace hone::jinja {

Text Text::marked(std::string s, int32_t message) {
  Text text(std::move(s));
  text.mark_all(message);
  return text;
}

void Text::append(const Text& other) {
  const auto offset = uint32_t(str.size());
  str += other.str;
  for (const TextMark& mark : other.marks) {
    TextMark shifted{mark.begin + offset, mark.end + offset, mark.message};
    // Merge with the previous mark when contiguous, so appended pieces of one message stay one span.
    if (!marks.empty() && marks.back().end == shifted.begin && marks.back().message == shifted.message) {
      marks.back().end = shifted.end;
    } else {
      marks.push_back(shifted);
    }
  }
}

Text Text::substr(size_t begin, size_t end) const {
  end = std::min(end, str.size());
  begin = std::min(begin, end);
  Text out(str.substr(begin, end - begin));
  for (const TextMark& mark : marks) {
    const size_t b = std::max<size_t>(mark.begin, begin), e = std::min<size_t>(mark.end, end);
    if (b < e) out.marks.push_back({uint32_t(b - begin), uint32_t(e - begin), mark.message});
  }
  return out;
}

void Text::mark_all(int32_t message) {
  marks.clear();
  if (message >= 0 && !str.empty()) marks.push_back({0, uint32_t(str.size()), message});
}

}  // namespace hone::jinja
