// For a long-running reader such as `mreg serve`: keep the model summaries that
// Snapshot::list_registered_models reads in memory, keyed by each model
// folder's tree, so that listing the models of a new commit reads again only
// the folders that changed. A one-shot command leaves it off.
#pragma once

namespace mreg {

void keep_model_summaries_in_memory();

}  // namespace mreg
