// Unit tests for the Jinja engine, one feature at a time. Expected strings are what Python's
// Jinja2 renders with transformers' settings (trim_blocks, lstrip_blocks).
#include <gtest/gtest.h>

#include <string>

#include "hone/tokenizer/jinja_template.h"
#include "hone/util/error.h"

namespace hone::jinja {
namespace {

std::string render(const std::string& source, const char* variables = "{}") {
  return Template(source).render(nlohmann::ordered_json::parse(variables));
}

std::string error_of(const std::string& source, const char* variables = "{}") {
  try {
    render(source, variables);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(JinjaText, PlainTextAndTrailingNewline) {
  EXPECT_EQ(render("hello"), "hello");
  EXPECT_EQ(render("hello\n"), "hello");  // keep_trailing_newline=False drops one newline
  EXPECT_EQ(render("hello\n\n"), "hello\n");
  EXPECT_EQ(render(""), "");
  EXPECT_EQ(render("a\r\nb"), "a\nb");
}

TEST(JinjaText, CommentsAreDropped) {
  EXPECT_EQ(render("a{# note #}b"), "ab");
  EXPECT_EQ(render("a {#- note -#} b"), "ab");
}

TEST(JinjaWhitespace, DashStripsAroundTags) {
  EXPECT_EQ(render("a  \n {{- 'x' -}} \n b"), "axb");
  EXPECT_EQ(render("a \n{%- if true -%}\n x \n{%- endif -%}\n b"), "axb");
}

TEST(JinjaWhitespace, TrimBlocksDropsNewlineAfterBlockTag) {
  EXPECT_EQ(render("{% if true %}\nyes\n{% endif %}\nafter"), "yes\nafter");
  EXPECT_EQ(render("{{ 'x' }}\ny"), "x\ny");  // not after expressions
  EXPECT_EQ(render("{# c #}\ny"), "y");
  EXPECT_EQ(render("{% if true +%}\nyes{% endif %}"), "\nyes");
}

TEST(JinjaWhitespace, LstripBlocksDropsIndentBeforeBlockTag) {
  EXPECT_EQ(render("<\n    {% if true %}\n    x\n    {% endif %}\n>"), "<\n    x\n>");
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");  // not at line start
  EXPECT_EQ(render("    {{ 'x' }}"), "    x");                // expressions keep indentation
  EXPECT_EQ(render("<\n    {%+ if true %}x{% endif %}"), "<\n    x");
}

TEST(JinjaWhitespace, RawBlock) {
  EXPECT_EQ(render("{% raw %}{{ not evaluated }}{% endraw %}"), "{{ not evaluated }}");
}

TEST(JinjaLiterals, Strings) {
  EXPECT_EQ(render(R"({{ 'a\nb' }})"), "a\nb");
  EXPECT_EQ(render(R"({{ "it's" }})"), "it's");
  EXPECT_EQ(render(R"({{ 'don\'t' }})"), "don't");
  EXPECT_EQ(render(R"({{ '\u00e9\x41' }})"), "\xC3\xA9" "A");
  EXPECT_EQ(render(R"({{ 'a' 'b' }})"), "ab");
}

TEST(JinjaLiterals, NumbersBoolsNoneAndContainers) {
  EXPECT_EQ(render("{{ 42 }} {{ 1.5 }} {{ 2.0 }} {{ 1e20 }} {{ 1_000 }}"), "42 1.5 2.0 1e+20 1000");
  EXPECT_EQ(render("{{ true }} {{ False }} {{ none }} {{ None }}"), "True False None None");
  EXPECT_EQ(render("{{ [1, 'a', none] }}"), "[1, 'a', None]");
  EXPECT_EQ(render("{{ (1, 2) }} {{ (1,) }}"), "(1, 2) (1,)");
  EXPECT_EQ(render("{{ {'k': 'v', 'n': 1} }}"), "{'k': 'v', 'n': 1}");
  EXPECT_EQ(render("{{ 0.1 + 0.2 }}"), "0.30000000000000004");
}

TEST(JinjaOperators, Arithmetic) {
  EXPECT_EQ(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 * 3 + 1 }}"),
            "3 -4 1 2 3.5 1024 7");
  EXPECT_EQ(render("{{ 'ab' * 3 }} {{ [1] + [2] }} {{ 'a' + 'b' }} {{ 1 ~ 'x' ~ none }}"), "ababab [1, 2] ab 1xNone");
  EXPECT_EQ(render("{{ -(3) }} {{ 1.5 * 2 }}"), "-3 3.0");
  EXPECT_NE(error_of("{{ 'a' + 1 }}").find("unsupported operand"), std::string::npos);
  EXPECT_NE(error_of("{{ 1 // 0 }}").find("division"), std::string::npos);
}

TEST(JinjaOperators, ComparisonLogicMembership) {
  EXPECT_EQ(render("{{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 2 < 3 }} {{ 'b' >= 'a' }} {{ true == 1 }}"), "True True True True True");
  EXPECT_EQ(render("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ not [] }} {{ [] and 1 }}"), "x y True []");
  EXPECT_EQ(render("{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }}"), "True True True True");
  EXPECT_EQ(render("{{ 'yes' if 1 > 0 else 'no' }}|{{ 'x' if false }}|"), "yes||");
}

TEST(JinjaOperators, IndexingAndSlicing) {
  const char* vars = R"({"xs": [1, 2, 3, 4, 5], "s": "héllo", "d": {"a": {"b": [10, 20]}}})";
  EXPECT_EQ(render("{{ xs[0] }} {{ xs[-1] }} {{ xs[1:3] }} {{ xs[::-1] }} {{ xs[::2] }} {{ xs[-2:] }}", vars),
            "1 5 [2, 3] [5, 4, 3, 2, 1] [1, 3, 5] [4, 5]");
  EXPECT_EQ(render("{{ s[1] }} {{ s[::-1] }} {{ s[1:3] }} {{ s[-3::-1] }}", vars), "é olléh él léh");
  EXPECT_EQ(render("{{ d.a.b[1] }} {{ d['a']['b'].0 }} {{ xs[10] is defined }}", vars), "20 10 False");
}

TEST(JinjaStatements, IfElifElse) {
  const std::string t = "{% if n > 1 %}many{% elif n == 1 %}one{% else %}none{% endif %}";
  EXPECT_EQ(render(t, R"({"n": 5})"), "many");
  EXPECT_EQ(render(t, R"({"n": 1})"), "one");
  EXPECT_EQ(render(t, R"({"n": 0})"), "none");
}

TEST(JinjaStatements, ForLoopVariables) {
  const char* vars = R"({"xs": ["a", "b", "c"]})";
  EXPECT_EQ(render("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                   "{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ x }};{% endfor %}",
                   vars),
            "1032TrueFalse3a;2121FalseFalse3b;3210FalseTrue3c;");
  EXPECT_EQ(render("{% for x in xs %}{{ loop.previtem | default('-') }}{{ loop.nextitem | default('-') }} {% endfor %}", vars),
            "-b ac b- ");
  EXPECT_EQ(render("{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}", vars), "odd even odd ");
}

TEST(JinjaStatements, ForElseFilterBreakContinueUnpacking) {
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in [1,2,3,4] if x is even %}{{ x }}/{{ loop.length }} {% endfor %}"), "2/2 4/2 ");
  EXPECT_EQ(render("{% for x in [1,2,3,4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "13");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }} {% endfor %}"), "a=1 b=2 ");
  EXPECT_EQ(render("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}"), "ab");
  EXPECT_EQ(render("{% for c in 'hé' %}[{{ c }}]{% endfor %}"), "[h][é]");
}

TEST(JinjaStatements, SetScopingAndNamespace) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}"), "4");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render("{% set block %}hi {{ 1 + 1 }}{% endset %}[{{ block }}]"), "[hi 2]");
  EXPECT_EQ(render("{% set block | upper %}hi{% endset %}{{ block }}"), "HI");
  EXPECT_NE(error_of("{% set x = 1 %}{% set x.y = 2 %}").find("namespace"), std::string::npos);
}

TEST(JinjaStatements, MacrosWithDefaultsAndCall) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} "
                   "{{ greet(name='C', punct='.') }}"),
            "Hi A! Hi B? Hi C.");
  EXPECT_EQ(render("{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}inside{% endcall %}"), "[inside]");
  EXPECT_EQ(render("{% macro row(x) %}{{ x }}{{ caller(x * 2) }}{% endmacro %}{% call(y) row(3) %}-{{ y }}{% endcall %}"), "3-6");
  EXPECT_EQ(render("{% filter upper %}abc{% endfilter %}"), "ABC");
}

TEST(JinjaFilters, Strings) {
  EXPECT_EQ(render("[{{ '  a b \n' | trim }}] {{ 'ab' | upper }} {{ 'AB' | lower }} {{ 'hello world-x' | title }} {{ 'hELLO' | capitalize }}"),
            "[a b] AB ab Hello World-X Hello");
  EXPECT_EQ(render("{{ 'aaa' | replace('a', 'b', 2) }} {{ 'one two  three' | wordcount }} {{ 'héllo' | length }}"), "bba 3 5");
  EXPECT_EQ(render("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}"), "a\n  b\n\n  c|  a\n  b");
  EXPECT_EQ(render("{{ '<a>' | e }} {{ '%s-%d' | format('x', 3) }} {{ 'abc' | reverse }} {{ 'ab' | list }}"), "&lt;a&gt; x-3 cba ['a', 'b']");
}

TEST(JinjaFilters, Numbers) {
  EXPECT_EQ(render("{{ '42' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '2.5' | float }} {{ -3 | abs }} {{ 2.5 | round }} "
                   "{{ 2.567 | round(2) }} {{ 2.1 | round(0, 'ceil') }}"),
            "42 0 7 3 2.5 3 3.0 2.57 3.0");
}

TEST(JinjaFilters, Sequences) {
  const char* vars = R"({"ms": [{"role": "system", "n": 3}, {"role": "user", "n": 1}, {"role": "user", "n": 2}]})";
  EXPECT_EQ(render("{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='n') | list }}", vars), "[1, 2]");
  EXPECT_EQ(render("{{ ms | rejectattr('role', 'equalto', 'user') | list | length }}", vars), "1");
  EXPECT_EQ(render("{{ ms | map(attribute='role') | unique | join(', ') }}", vars), "system, user");
  EXPECT_EQ(render("{{ ms | sort(attribute='n') | map(attribute='n') | join }}", vars), "123");
  EXPECT_EQ(render("{{ ms | sort(attribute='n', reverse=true) | first | tojson }}", vars), R"({"role": "system", "n": 3})");
  EXPECT_EQ(render("{{ [3, 1, 2] | sort }} {{ [1, 2] | reverse | list }} {{ [1, 2, 3] | last }} {{ [1, 2, 3] | sum }} {{ [4, 9] | max }}"),
            "[1, 2, 3] [2, 1] 3 6 9");
  EXPECT_EQ(render("{{ ['B', 'a', 'C'] | sort | join }} {{ [1, 2, 3, 4] | select('odd') | list }} {{ ['a', 'b'] | map('upper') | join }}"),
            "aBC [1, 3] AB");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | dictsort }} {{ {'x': 1} | items | list }}"), "[('a', 2), ('b', 1)] [('x', 1)]");
  EXPECT_EQ(render("{{ undefined_thing | default('fallback') }} {{ '' | default('e', true) }} {{ '' | d('no') }}"), "fallback e ");
}

TEST(JinjaFilters, ToJsonMatchesPythonJsonDumps) {
  const char* vars = R"({"v": {"name": "f", "args": {"x": [1, 2.5, true, null], "s": "é\"\n"}, "empty": {}}})";
  EXPECT_EQ(render("{{ v | tojson }}", vars), R"({"name": "f", "args": {"x": [1, 2.5, true, null], "s": "é\"\n"}, "empty": {}})");
  EXPECT_EQ(render("{{ v.args | tojson(indent=2) }}", vars), "{\n  \"x\": [\n    1,\n    2.5,\n    true,\n    null\n  ],\n  \"s\": \"é\\\"\\n\"\n}");
  EXPECT_EQ(render("{{ v.args.s | tojson(ensure_ascii=true) }}", vars), R"("\u00e9\"\n")");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }} {{ [1, 2] | tojson(separators=(',', ':')) }}"),
            R"({"a": 2, "b": 1} [1,2])");
  EXPECT_NE(error_of("{{ nothing | tojson }}").find("Undefined"), std::string::npos);
}

TEST(JinjaTests, TypeAndValueTests) {
  EXPECT_EQ(render("{{ x is defined }} {{ x is undefined }} {{ none is none }} {{ 'a' is string }} {{ 1 is number }} {{ 1.5 is float }} "
                   "{{ 1 is integer }}"),
            "False True True True True True True");
  EXPECT_EQ(render("{{ {} is mapping }} {{ [] is iterable }} {{ 'a' is sequence }} {{ true is boolean }} {{ true is true }} {{ 0 is false }}"),
            "True True True True True False");
  EXPECT_EQ(render("{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 2 is in [1, 2] }} {{ 'a' is equalto 'a' }} {{ 1 is not none }}"),
            "True True True True True True");
  EXPECT_EQ(render("{{ range is callable }} {{ 'ab' is lower }} {{ 'AB' is upper }} {{ 1 is == 1 }}"), "True True True True");
}

TEST(JinjaMethods, StringMethods) {
  EXPECT_EQ(render("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x', 'lo')) }} [{{ '  x  '.strip() }}] [{{ 'xxaxx'.strip('x') }}] "
                   "[{{ '  x '.lstrip() }}] [{{ ' x  '.rstrip() }}]"),
            "True True [x] [a] [x ] [ x]");
  EXPECT_EQ(render("{{ 'a b  c'.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }}"),
            "['a', 'b', 'c'] ['a', 'b', '', 'c'] ['a', 'b,c'] ['a,b', 'c']");
  EXPECT_EQ(render("{{ 'Hi'.upper() }} {{ 'Hi'.lower() }} {{ 'hello wORLD'.title() }} {{ 'abc'.replace('b', 'X') }} {{ 'héllo'.find('l') }} "
                   "{{ 'aXbXc'.count('X') }} {{ '-'.join(['a', 'b']) }} {{ '{} and {name}'.format(1, name='x') }}"),
            "HI hi Hello World aXc 2 2 a-b 1 and x");
  EXPECT_EQ(render("{{ '123'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'x\\ny'.splitlines() }} {{ 'prefix'.removeprefix('pre') }}"),
            "True True True ['x', 'y'] fix");
}

TEST(JinjaMethods, DictAndListMethods) {
  EXPECT_EQ(render("{% set d = {'a': 1, 'b': 2} %}{{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }} {{ d.get('a') }} "
                   "{{ d.get('z', 0) }} {{ d.get('z') }}"),
            "['a', 'b'] [1, 2] [('a', 1), ('b', 2)] 1 0 None");
  EXPECT_EQ(render("{{ [1, 2, 2].count(2) }} {{ ['a', 'b'].index('b') }}"), "2 1");
  EXPECT_NE(error_of("{% set xs = [] %}{{ xs.append(1) }}").find("immutable"), std::string::npos);
}

TEST(JinjaGlobals, RangeDictNamespaceStrftime) {
  EXPECT_EQ(render("{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(3, 0, -1) | list }}"), "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
  EXPECT_EQ(render("{{ dict(a=1) }} {% set ns = namespace(found=false) %}{{ ns.found }}"), "{'a': 1} False");
  RenderEnvironment env;
  env.now = [] {
    std::tm t{};
    t.tm_year = 2024 - 1900;
    t.tm_mon = 6;
    t.tm_mday = 26;
    return t;
  };
  EXPECT_EQ(Template("{{ strftime_now('%d %b %Y') }}").render(env).text.str, "26 Jul 2024");
}

TEST(JinjaUndefined, BehavesLikeJinja2DefaultUndefined) {
  const char* vars = R"({"m": {"role": "user"}})";
  EXPECT_EQ(render("[{{ m.content }}][{{ missing }}]{{ m.content is defined }}{% if m.content %}yes{% endif %}", vars), "[][]False");
  EXPECT_EQ(render("{{ missing | length }} {% for x in missing %}x{% endfor %}{{ missing | trim }}|", vars), "0 |");
  EXPECT_NE(error_of("{{ m.content.text }}", vars).find("has no attribute 'content'"), std::string::npos);
  EXPECT_NE(error_of("{{ missing + 1 }}", vars).find("'missing' is undefined"), std::string::npos);
  EXPECT_NE(error_of("{{ missing() }}", vars).find("'missing' is undefined"), std::string::npos);
}

TEST(JinjaErrors, SyntaxErrorsNameLineAndColumn) {
  const auto at = [](const std::string& source) {
    try {
      Template(source, "chat.jinja");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(at("line one\n{% if x %}\nno end").find("chat.jinja:"), std::string::npos);
  EXPECT_NE(at("line one\n{% if x %}\nno end").find("endif"), std::string::npos);
  EXPECT_NE(at("a\nb {{ 1 + }}").find("chat.jinja:2:"), std::string::npos);
  EXPECT_NE(at("{{ x").find("missing '}}'"), std::string::npos);
  EXPECT_NE(at("\n\n   {% frobnicate %}").find("chat.jinja:3:7: syntax error: unknown statement 'frobnicate'"), std::string::npos)
      << at("\n\n   {% frobnicate %}");
  EXPECT_NE(at("{{ 'unterminated }}").find("unterminated string"), std::string::npos);
  EXPECT_NE(at("{% for x in y %}{% endif %}").find("syntax error"), std::string::npos);
  EXPECT_NE(at("{% break %}").find("outside of a for loop"), std::string::npos);
  EXPECT_NE(at("{{ a < b < c }}").find("chained"), std::string::npos);
}

TEST(JinjaErrors, RuntimeErrorsNamePositionAndRaiseExceptionPropagates) {
  const std::string message = error_of("ok\n  {{ raise_exception('Conversation roles must alternate') }}");
  EXPECT_NE(message.find("Conversation roles must alternate"), std::string::npos) << message;
  EXPECT_NE(message.find(":2:"), std::string::npos) << message;
  EXPECT_NE(error_of("{{ 1 | nosuchfilter }}").find("no filter named 'nosuchfilter'"), std::string::npos);
  EXPECT_NE(error_of("{{ 1 is nosuchtest }}").find("no test named"), std::string::npos);
  EXPECT_NE(error_of("{% for x in 3 %}{% endfor %}").find("not iterable"), std::string::npos);
  EXPECT_NE(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").find("deep"), std::string::npos);
}

TEST(JinjaErrors, MalformedTemplatesFailCleanly) {
  // Every truncation of a real template, and a few hand-made breakages, either renders or ends in
  // hone::Error: never a crash or a hang.
  const std::string real =
      "{%- for m in messages if m.role != 'x' -%}{{ '<' ~ m['role'] ~ '>' }}{% set ns = namespace(a=[1, (2, 3), {'k': -1.5e3}]) %}"
      "{{ m.content | trim | replace('a', \"b\") }}{% if loop.last and not x is defined %}{{ ns.a[1:][::-1] }}{% endif %}{#- c -#}"
      "{% macro f(a, b=2) %}{{ a ~ b }}{% endmacro %}{{ f(1, b=3) }}{% endfor %}";
  int rendered = 0, failed = 0;
  for (size_t cut = 0; cut <= real.size(); ++cut) {
    try {
      Template(real.substr(0, cut)).render(nlohmann::ordered_json::parse(R"({"messages": [{"role": "u", "content": " a "}]})"));
      ++rendered;
    } catch (const Error&) {
      ++failed;
    }
  }
  EXPECT_GT(rendered, 0);
  EXPECT_GT(failed, 100);
  for (const char* broken : {"{{", "{%", "{#", "{{ (", "{{ [1, }}", "{{ {'a' }}", "{% for %}", "{% for x in %}{% endfor %}", "{% set %}",
                             "{{ x[ }}", "{% if %}{% endif %}", "{% if 1 %}{% else %}{% else %}{% endif %}", "{% endfor %}", "{{ 1 +* 2 }}",
                             "{% macro (a) %}{% endmacro %}", "{{ 'a' | }}", "{{ x is }}", "{% raw %}never closed", "{{ '\\x4' }}"}) {
    EXPECT_THROW(Template(broken).render(nlohmann::ordered_json::object()), Error) << broken;
  }
}

TEST(JinjaMarks, MessageMarksSurviveStringOperations) {
  RenderEnvironment env;
  env.variables.emplace_back("c", Value::string(Text::marked("  Hello world  ", 3)));
  const RenderOutput out = Template("<{{ c | trim }}|{{ c.split()[1] }}|{{ 'x' + c.strip()[:5] }}>").render(env);
  ASSERT_EQ(out.text.str, "<Hello world|world|xHello>");
  std::string marked(out.text.str.size(), '.');
  for (const TextMark& m : out.text.marks) {
    EXPECT_EQ(m.message, 3);
    for (uint32_t i = m.begin; i < m.end; ++i) marked[i] = '#';
  }
  EXPECT_EQ(marked, ".###########.#####..#####.");
}

}  // namespace
}  // namespace hone::jinja
