#include "hone/tokenizer/chat_template_builtin.h"

#include <map>

#include "hone/util/error.h"

namespace hone {

namespace {

const std::map<std::string, std::string>& templates() {
  static const std::map<std::string, std::string> table = {
      {"chatml",
       "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
       "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"},
      {"llama3",
       "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + "
       "message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}"
       "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"},
      {"llama2",
       "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
       "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
       "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
       "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
       "{% if loop.index0 == 0 and system_message != false %}"
       "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
       "{% else %}{% set content = message['content'] %}{% endif %}"
       "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
       "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"},
      {"mistral",
       "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
       "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
       "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
       "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}"
       "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"},
      {"alpaca",
       "{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
       "{% elif message['role'] == 'user' %}{{ '### Instruction:\\n' + message['content'] + '\\n\\n' }}"
       "{% elif message['role'] == 'assistant' %}{{ '### Response:\\n' + message['content'] + eos_token + '\\n\\n' }}"
       "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '### Response:\\n' }}{% endif %}"},
  };
  return table;
}

}  // namespace

std::vector<std::string> builtin_chat_template_names() {
  std::vector<std::string> names;
  for (const auto& [name, source] : templates()) names.push_back(name);
  return names;
}

const std::string& builtin_chat_template(const std::string& name) {
  auto it = templates().find(name);
  if (it != templates().end()) return it->second;
  std::string known;
  for (const auto& [n, source] : templates()) known += (known.empty() ? "" : ", ") + n;
  HONE_FAIL("no built-in chat template named \"", name, "\" (built-in templates: ", known, ")");
}

}  // namespace hone
