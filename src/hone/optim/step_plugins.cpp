#include "hone/optim/step_plugins.h"

#include "hone/util/error.h"

namespace hone {

void StepPlugins::set_gradients(std::shared_ptr<GradientSource> source, const std::string& who) {
  HONE_CHECK(!gradients, who, " supplies the gradient source '", source ? source->name() : "?",
             "', but the step already has '", gradients->name(), "'");
  gradients = std::move(source);
}

void StepPlugins::set_trainable(std::shared_ptr<TrainableSelection> selection, const std::string& who) {
  HONE_CHECK(!trainable, who, " supplies a trainable selection, but the step already has one");
  trainable = std::move(selection);
}

}  // namespace hone
