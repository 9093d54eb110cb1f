// LoRA (with rsLoRA and DoRA) as a registered method. Only what is LoRA-specific by nature
// (llama.cpp's GGUF LoRA export) reaches past the registry, through lora_model_of.
#pragma once

#include "hone/peft/adapter.h"
#include "hone/peft/adapter_method.h"
#include "hone/peft/lora/model.h"

namespace hone {

const AdapterMethod& lora_method();
// The LoRA model behind `adapter`; Error "<what> needs a LoRA adapter, ..." for another method.
const LoraModel& lora_model_of(const Adapter& adapter, const std::string& what);

}  // namespace hone
