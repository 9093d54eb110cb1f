#include "hone/tokenizer/jinja_lexer.h"

#include <algorithm>
#include <cstring>

namespace hone::jinja {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Jinja2 reads templates with universal newlines.
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(std::string source, const LexOptions& options, const std::string& name)
      : src_(std::move(source)), options_(options), name_(name) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    size_t pos = 0;
    bool strip_leading = false, trim_newline = false;
    while (pos <= src_.size()) {
      if (strip_leading) {
        while (pos < src_.size() && is_space(src_[pos])) ++pos;
      } else if (trim_newline && pos < src_.size() && src_[pos] == '\n') {
        ++pos;
      }
      strip_leading = trim_newline = false;
      const size_t text_start = pos;
      size_t tag = find_tag(pos);
      std::string text = src_.substr(pos, tag - pos);
      if (tag == src_.size()) {
        emit_text(std::move(text), text_start);
        break;
      }
      const char kind = src_[tag + 1];
      const char modifier = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (modifier == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (kind != '{' && options_.lstrip_blocks && modifier != '+') {
        lstrip_before_block(text, text_start);
      }
      emit_text(std::move(text), text_start);
      size_t inner = tag + 2 + ((modifier == '-' || modifier == '+') ? 1 : 0);
      if (kind == '#') {
        const size_t close = src_.find("#}", inner);
        if (close == std::string::npos) error_at(tag, "unclosed comment: missing '#}'");
        strip_leading = close > inner && src_[close - 1] == '-';
        trim_newline = options_.trim_blocks && !(close > inner && src_[close - 1] == '+');
        pos = close + 2;
        continue;
      }
      const bool statement = kind == '%';
      push(statement ? TokenKind::StmtBegin : TokenKind::ExprBegin, statement ? "{%" : "{{", tag);
      const size_t first_token = tokens_.size();
      const char close_char = statement ? '%' : '}';
      pos = lex_inside(inner, close_char, tag, strip_leading, trim_newline);
      if (!statement) trim_newline = false;  // trim_blocks applies to block tags only
      if (statement && tokens_.size() == first_token + 2 && tokens_[first_token].kind == TokenKind::Name &&
          tokens_[first_token].value == "raw") {
        tokens_.resize(first_token - 1);  // drop "{% raw %}" itself
        pos = lex_raw(pos, tag, strip_leading, trim_newline, strip_leading, trim_newline);
      }
    }
    push(TokenKind::End, "", src_.size());
    return std::move(tokens_);
  }

 private:
  SourcePos position(size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line = size_t(it - line_starts_.begin());
    return {int(line), int(offset - line_starts_[line - 1] + 1)};
  }

  [[noreturn]] void error_at(size_t offset, const std::string& message) const {
    throw TemplateError(located_message(name_, position(offset), "syntax error: " + message), true);
  }

  void push(TokenKind kind, std::string value, size_t offset) { tokens_.push_back({kind, std::move(value), position(offset)}); }

  void emit_text(std::string text, size_t offset) {
    if (!text.empty()) push(TokenKind::Text, std::move(text), offset);
  }

  size_t find_tag(size_t pos) const {
    while (true) {
      pos = src_.find('{', pos);
      if (pos == std::string::npos || pos + 1 >= src_.size()) return src_.size();
      const char next = src_[pos + 1];
      if (next == '{' || next == '%' || next == '#') return pos;
      ++pos;
    }
  }

  // lstrip_blocks: indentation between a line start and a block/comment tag is dropped (only
  // spaces and tabs may stand there, as in Jinja2).
  void lstrip_before_block(std::string& text, size_t text_start) const {
    const size_t newline = text.rfind('\n');
    const bool line_starting = text_start == 0 || src_[text_start - 1] == '\n';
    if (newline == std::string::npos && !line_starting) return;
    const size_t from = newline == std::string::npos ? 0 : newline + 1;
    if (from == text.size()) return;
    if (std::all_of(text.begin() + long(from), text.end(), [](char c) { return is_space(c); })) text.resize(from);
  }

  bool at_close(size_t pos, char close_char, size_t& after, bool& strip, bool& keep_newline) const {
    size_t p = pos;
    char modifier = '\0';
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) modifier = src_[p++];
    if (p + 1 < src_.size() && src_[p] == close_char && src_[p + 1] == '}') {
      after = p + 2;
      strip = modifier == '-';
      keep_newline = modifier == '+';
      return true;
    }
    return false;
  }

  size_t lex_inside(size_t pos, char close_char, size_t tag, bool& strip_leading, bool& trim_newline) {
    int depth = 0;
    static const char* const kOperators[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                             ">",  "(",  ")",  "[",  "]",  "{",  "}", ".", ",", ":", "|", "="};
    while (true) {
      while (pos < src_.size() && is_space(src_[pos])) ++pos;
      if (pos >= src_.size()) error_at(tag, close_char == '%' ? "unclosed tag: missing '%}'" : "unclosed expression: missing '}}'");
      size_t after = 0;
      bool strip = false, keep_newline = false;
      if (depth == 0 && at_close(pos, close_char, after, strip, keep_newline)) {
        push(close_char == '%' ? TokenKind::StmtEnd : TokenKind::ExprEnd, close_char == '%' ? "%}" : "}}", pos);
        strip_leading = strip;
        trim_newline = options_.trim_blocks && !keep_newline;
        return after;
      }
      const char c = src_[pos];
      if (c == '\'' || c == '"') {
        pos = lex_string(pos);
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) {
        pos = lex_number(pos);
        continue;
      }
      if (is_name_start(c)) {
        size_t end = pos;
        while (end < src_.size() && is_name_char(src_[end])) ++end;
        push(TokenKind::Name, src_.substr(pos, end - pos), pos);
        pos = end;
        continue;
      }
      bool matched = false;
      for (const char* op : kOperators) {
        const size_t length = std::strlen(op);
        if (src_.compare(pos, length, op) == 0) {
          if (op[0] == '(' || op[0] == '[' || op[0] == '{') ++depth;
          if ((op[0] == ')' || op[0] == ']' || op[0] == '}') && length == 1) depth = std::max(0, depth - 1);
          push(TokenKind::Operator, op, pos);
          pos += length;
          matched = true;
          break;
        }
      }
      if (!matched) error_at(pos, std::string("unexpected character '") + c + "'");
    }
  }

  size_t lex_string(size_t pos) {
    const char quote = src_[pos];
    const size_t start = pos++;
    std::string value;
    while (true) {
      if (pos >= src_.size()) error_at(start, "unterminated string literal");
      const char c = src_[pos];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++pos;
        continue;
      }
      if (pos + 1 >= src_.size()) error_at(start, "unterminated string literal");
      const char e = src_[pos + 1];
      pos += 2;
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case 'a': value += '\a'; break;
        case '0': value += '\0'; break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case '\n': break;  // a backslash-newline continues the line, as in Python
        case 'x':
        case 'u':
        case 'U': {
          const size_t digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          if (pos + digits > src_.size() ||
              !std::all_of(src_.begin() + long(pos), src_.begin() + long(pos + digits), [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); }))
            error_at(pos - 2, std::string("invalid \\") + e + " escape in string literal");
          append_utf8(value, uint32_t(std::stoul(src_.substr(pos, digits), nullptr, 16)));
          pos += digits;
          break;
        }
        default:  // Python keeps unknown escapes as written
          value += '\\';
          value += e;
      }
    }
    push(TokenKind::String, std::move(value), start);
    return pos + 1;
  }

  size_t lex_number(size_t pos) {
    const size_t start = pos;
    auto digits = [&] {
      while (pos < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[pos])) || src_[pos] == '_')) ++pos;
    };
    digits();
    bool is_float = false;
    const bool after_dot = !tokens_.empty() && tokens_.back().kind == TokenKind::Operator && tokens_.back().value == ".";
    if (!after_dot && pos + 1 < src_.size() && src_[pos] == '.' && std::isdigit(static_cast<unsigned char>(src_[pos + 1]))) {
      is_float = true;
      ++pos;
      digits();
    }
    if (!after_dot && pos < src_.size() && (src_[pos] == 'e' || src_[pos] == 'E')) {
      size_t p = pos + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p]))) {
        is_float = true;
        pos = p;
        digits();
      }
    }
    std::string spelling = src_.substr(start, pos - start);
    spelling.erase(std::remove(spelling.begin(), spelling.end(), '_'), spelling.end());
    push(is_float ? TokenKind::Float : TokenKind::Integer, std::move(spelling), start);
    return pos;
  }

  // After "{% raw %}": everything up to "{% endraw %}" is text.
  size_t lex_raw(size_t pos, size_t tag, bool strip_after_open, bool trim_after_open, bool& strip_leading, bool& trim_newline) {
    if (strip_after_open) {
      while (pos < src_.size() && is_space(src_[pos])) ++pos;
    } else if (trim_after_open && pos < src_.size() && src_[pos] == '\n') {
      ++pos;
    }
    size_t search = pos;
    while (true) {
      const size_t open = src_.find("{%", search);
      if (open == std::string::npos) error_at(tag, "unclosed raw block: missing '{% endraw %}'");
      size_t p = open + 2;
      const char modifier = p < src_.size() ? src_[p] : '\0';
      if (modifier == '-' || modifier == '+') ++p;
      while (p < src_.size() && is_space(src_[p])) ++p;
      if (src_.compare(p, 6, "endraw") != 0) {
        search = open + 2;
        continue;
      }
      p += 6;
      while (p < src_.size() && is_space(src_[p])) ++p;
      size_t after = 0;
      bool strip = false, keep_newline = false;
      if (!at_close(p, '%', after, strip, keep_newline)) error_at(open, "expected '%}' after endraw");
      std::string text = src_.substr(pos, open - pos);
      if (modifier == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (options_.lstrip_blocks && modifier != '+') {
        lstrip_before_block(text, pos);
      }
      emit_text(std::move(text), pos);
      strip_leading = strip;
      trim_newline = options_.trim_blocks && !keep_newline;
      return after;
    }
  }

  std::string src_;
  LexOptions options_;
  const std::string& name_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexOptions& options, const std::string& template_name) {
  std::string text = normalize_newlines(source);
  if (!options.keep_trailing_newline && !text.empty() && text.back() == '\n') text.pop_back();
  return Lexer(std::move(text), options, template_name).run();
}

}  // namespace hone::jinja
