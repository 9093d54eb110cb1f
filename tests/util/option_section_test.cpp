// A section declared once gives typed keys: text in and out, defaults from the struct, checks that
// name the key and value, and a type-erased view that works on a copy held in std::any.
#include "hone/util/option_section.h"

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace hone {
namespace {

struct Widget {
  int64_t size = 4;
  double rate = 0.5;
  bool fast = false;
  std::string mode = "a";
  std::vector<std::string> parts = {"x", "y"};
};

const OptionSection<Widget>& widget_section() {
  static const auto section = OptionSection<Widget>("widget")
                                  .add("size", &Widget::size, "How big", positive<int64_t>())
                                  .add("rate", &Widget::rate, "How often", in_range(0, 1))
                                  .add("fast", &Widget::fast, "Go fast")
                                  .add("mode", &Widget::mode, "Which mode", one_of({"a", "b", "c"}))
                                  .add("parts", &Widget::parts, "Which parts", not_empty_list());
  return section;
}

using testing::error_text;

TEST(OptionSection, KeysCarryTheSectionNameTypeAndHelp) {
  const auto& keys = widget_section().keys();
  ASSERT_EQ(keys.size(), 5u);
  EXPECT_EQ(keys[0].key, "widget.size");
  EXPECT_STREQ(option_type_name(keys[0].type), "INT");
  EXPECT_STREQ(option_type_name(keys[1].type), "FLOAT");
  EXPECT_TRUE(keys[2].is_flag());
  EXPECT_STREQ(option_type_name(keys[3].type), "TEXT");
  EXPECT_STREQ(option_type_name(keys[4].type), "LIST");
  EXPECT_EQ(keys[3].help, "Which mode");
  EXPECT_EQ(OptionSection<Widget>("").add("size", &Widget::size, "").keys()[0].key, "size");
}

TEST(OptionSection, TextRoundTripsThroughTheStruct) {
  Widget w;
  const auto& s = widget_section();
  EXPECT_EQ(s.get(w, "widget.size"), "4");  // the default is the struct's own value
  EXPECT_EQ(s.get(w, "widget.parts"), "x,y");
  s.set(w, "widget.size", " 16 ");
  s.set(w, "widget.rate", "0.1");
  s.set(w, "widget.fast", "true");
  s.set(w, "widget.mode", " b ");
  s.set(w, "widget.parts", "q_proj, v_proj,");
  EXPECT_EQ(w.size, 16);
  EXPECT_EQ(w.rate, 0.1);
  EXPECT_TRUE(w.fast);
  EXPECT_EQ(w.mode, "b");
  EXPECT_EQ(w.parts, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_EQ(s.get(w, "widget.rate"), "0.1");  // shortest text that reads back exactly
  EXPECT_EQ(s.find("widget.parts")->items(&w), w.parts);
}

TEST(OptionSection, BadTextAndBadValuesNameTheKey) {
  Widget w;
  const auto& s = widget_section();
  EXPECT_EQ(error_text([&] { s.set(w, "widget.size", "big"); }), "key 'widget.size': expected an integer, got 'big'");
  EXPECT_NE(error_text([&] { s.set(w, "widget.fast", "maybe"); }).find("expected true or false"), std::string::npos);
  EXPECT_NE(error_text([&] { s.set(w, "widget.nope", "1"); }).find("unknown key 'widget.nope'"), std::string::npos);
  EXPECT_NO_THROW(s.validate(w));
  w.size = 0;
  EXPECT_EQ(error_text([&] { s.validate(w); }), "widget.size must be a positive integer, got 0");
  w.size = 1;
  w.rate = 1;
  EXPECT_EQ(error_text([&] { s.validate(w); }), "widget.rate must be in [0, 1), got 1");
  w.rate = 0;
  w.mode = "d";
  EXPECT_EQ(error_text([&] { s.validate(w); }), "widget.mode must be a, b or c, got 'd'");
  w.mode = "c";
  w.parts.clear();
  EXPECT_EQ(error_text([&] { s.validate(w); }), "widget.parts must not be empty, got ''");
}

TEST(OptionSection, TypeErasedViewHoldsItsOwnDefaults) {
  const AnyOptionSection& any = widget_section();
  std::any values = any.make_defaults();
  void* p = any.values_in(values);
  ASSERT_NE(p, nullptr);
  any.find("widget.size")->set(p, "7");
  EXPECT_EQ(std::any_cast<Widget&>(values).size, 7);
  EXPECT_EQ(any.find("widget.mode")->get(p), "a");
  std::any other = 3;
  EXPECT_EQ(any.values_in(other), nullptr);  // a holder of another type is not mistaken for it
}

}  // namespace
}  // namespace hone
