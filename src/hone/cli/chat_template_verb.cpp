// `hone chat-template`: renders a conversation with a model's chat template, exactly as
// transformers' apply_chat_template(tokenize=False) would, or shows which bytes are trainable.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "hone/cli/verbs.h"
#include "hone/tokenizer/chat_template.h"
#include "hone/tokenizer/chat_template_builtin.h"
#include "hone/util/atomic_file.h"
#include "hone/util/error.h"
#include "hone/util/json_text.h"

namespace hone::cli {

namespace {

struct ChatTemplateArgs {
  std::string tokenizer, messages_file, template_name;
  std::vector<std::string> variables;
  bool add_generation_prompt = false, json = false;
};

// The conversation file holds either the messages array or an object with "messages" and any
// further template variables ("tools", "documents", ...).
void read_conversation(const std::string& path, nlohmann::ordered_json& messages, nlohmann::ordered_json& variables) {
  const nlohmann::ordered_json file = parse_ordered_json(read_file(path), path);
  if (file.is_array()) {
    messages = file;
    return;
  }
  HONE_CHECK(file.is_object() && file.contains("messages"), path,
             ": expected a JSON array of messages or an object with a \"messages\" array");
  messages = file["messages"];
  for (const auto& [key, value] : file.items())
    if (key != "messages") variables[key] = value;
}

std::string builtin_list() {
  std::string names;
  for (const std::string& n : builtin_chat_template_names()) names += (names.empty() ? "" : ", ") + n;
  return names;
}

ChatTemplate choose_template(const TokenizerConfig& config, const std::string& name) {
  if (name.empty()) {
    HONE_CHECK(!config.chat_templates.empty(), config.source, " has no chat_template: pass --template with a built-in template (",
               builtin_list(), ")");
    return ChatTemplate::from_config(config);
  }
  if (config.chat_templates.count(name)) return ChatTemplate::from_config(config, name);
  const auto builtins = builtin_chat_template_names();
  if (std::find(builtins.begin(), builtins.end(), name) != builtins.end()) return ChatTemplate::builtin(name);
  std::string known;
  for (const auto& [n, source] : config.chat_templates) known += (known.empty() ? "" : ", ") + n;
  for (const auto& n : builtins) known += (known.empty() ? "" : ", ") + ("builtin " + n);
  HONE_FAIL("no chat template named \"", name, "\" in ", config.source, " or among the built-ins (available: ", known, ")");
}

void run(const ChatTemplateArgs& args) {
  const TokenizerConfig config = load_tokenizer_config_from(args.tokenizer);
  nlohmann::ordered_json messages, variables = special_token_variables(config);
  read_conversation(args.messages_file, messages, variables);
  for (const std::string& assignment : args.variables) {
    const size_t eq = assignment.find('=');
    HONE_CHECK(eq != std::string::npos && eq > 0, "--var expects KEY=VALUE, got \"", assignment, "\"");
    const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
    // JSON when it parses (true, 3, [..]), otherwise the plain string.
    variables[key] = nlohmann::ordered_json::accept(value) ? nlohmann::ordered_json::parse(value) : nlohmann::ordered_json(value);
  }
  const ChatTemplate chat_template = choose_template(config, args.template_name);
  ChatTemplateOptions options;
  options.add_generation_prompt = args.add_generation_prompt;
  options.variables = variables;
  if (!args.json) {
    std::cout << chat_template.render_text(messages, options);
    return;
  }
  const RenderedChat rendered = chat_template.render(messages, options);
  nlohmann::ordered_json spans = nlohmann::ordered_json::array(), trainable = nlohmann::ordered_json::array();
  for (const ChatSpan& span : rendered.spans)
    spans.push_back({{"begin", span.begin},
                     {"end", span.end},
                     {"message", span.message},
                     {"message_text", span.message_text},
                     {"trainable", span.trainable}});
  for (const auto& [begin, end] : rendered.trainable_ranges) trainable.push_back({begin, end});
  nlohmann::ordered_json out = {{"template", chat_template.name()}, {"text", rendered.text}, {"spans", spans}, {"trainable", trainable}};
  std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void add_chat_template_verb(CLI::App& app) {
  auto* cmd = app.add_subcommand("chat-template", "Render a conversation with a model's chat template (as transformers' apply_chat_template)");
  cmd->footer(
      "The conversation file is a JSON array of {\"role\", \"content\", ...} messages, or an object with\n"
      "\"messages\" and further template variables such as \"tools\". bos_token/eos_token come from\n"
      "tokenizer_config.json. Built-in templates for folders without one: chatml, llama3, llama2,\n"
      "mistral, alpaca.\n\n"
      "Example:\n"
      "  hone chat-template --tokenizer models/Qwen2.5-0.5B-Instruct --messages chat.json --add_generation_prompt\n"
      "  hone chat-template --tokenizer tokenizer_config.json --messages chat.json --template chatml --json");
  auto args = std::make_shared<ChatTemplateArgs>();
  cmd->add_option("--tokenizer", args->tokenizer, "Model folder, or its tokenizer_config.json")->required();
  cmd->add_option("--messages", args->messages_file, "JSON file with the conversation")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--add_generation_prompt", args->add_generation_prompt, "End with the header that starts the assistant's reply");
  cmd->add_option("--template", args->template_name,
                  "Template to use: a named template of the config (e.g. tool_use) or a built-in (chatml, llama3, llama2, mistral, alpaca)");
  cmd->add_option("--var", args->variables, "Extra template variable KEY=VALUE (VALUE as JSON if it parses), e.g. enable_thinking=false");
  cmd->add_flag("--json", args->json,
                "Print one JSON object: the text, spans (message, message_text, trainable per byte range) and trainable ranges");
  cmd->callback([args] { run(*args); });
}

}  // namespace

HONE_REGISTER_VERB(chat_template, add_chat_template_verb);

}  // namespace hone::cli
