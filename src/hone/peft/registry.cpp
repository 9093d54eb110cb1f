#include "hone/peft/registry.h"

#include "hone/peft/peft_folder.h"
#include "hone/util/error.h"

namespace hone {

// Each method's definition, in its folder. A new method adds its folder and one line to each list.
const AdapterMethod& lora_method();       // peft/lora/method.cpp
const AdapterMethod& full_method();       // peft/full/method.cpp
const AdapterMethod& bitfit_method();     // peft/bitfit/method.cpp
const AdapterMethod& ln_tuning_method();  // peft/ln_tuning/method.cpp

const std::vector<const AdapterMethod*>& adapter_methods() {
  static const std::vector<const AdapterMethod*> methods = {
      &lora_method(),
      &full_method(),
      &bitfit_method(),
      &ln_tuning_method(),
  };
  return methods;
}

std::string adapter_method_names() {
  std::string names;
  for (const AdapterMethod* m : adapter_methods()) names += (names.empty() ? "" : ", ") + m->name;
  return names;
}

const AdapterMethod& adapter_method(const std::string& name) {
  for (const AdapterMethod* m : adapter_methods())
    if (m->name == name) return *m;
  HONE_FAIL("unknown method '", name, "' (methods: ", adapter_method_names(), ")");
}

std::unique_ptr<Adapter> attach_adapter(const std::string& name, DecoderModel& model, const void* options,
                                        const AttachOptions& attach) {
  const AdapterMethod& method = adapter_method(name);
  std::any defaults;
  if (!options && method.options) {
    defaults = method.options->make_defaults();
    options = method.options->values_in(defaults);
  }
  return method.attach(model, options, attach);
}

std::unique_ptr<Adapter> load_adapter(DecoderModel& model, const std::string& dir) {
  const std::string config_path = dir + "/adapter_config.json";
  const nlohmann::json json = read_peft_config(dir);
  HONE_CHECK(json.is_object(), config_path, ": adapter config is not a JSON object");
  HONE_CHECK(json.contains("peft_type") && json["peft_type"].is_string(), config_path, ": missing \"peft_type\"");
  const std::string type = json["peft_type"];
  std::string known;
  for (const AdapterMethod* m : adapter_methods()) {
    if (!m->load) continue;
    if (m->peft_type == type) return m->load(model, dir, json);
    known += (known.empty() ? "" : ", ") + m->peft_type;
  }
  HONE_FAIL(config_path, ": peft_type \"", type, "\" is not supported yet (hone loads ", known, ")");
}

}  // namespace hone
