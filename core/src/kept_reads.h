// What a long-running reader (mreg/long_running.h) keeps of the commits it reads, shared by
// every snapshot and thread: model folders by folder tree (compact, and parsed again for each
// read: parsed, a large registry's folders are most of a server's memory), the models/ listing
// by its tree, and what a snapshot reads of its commit. A tree id (with the name it is read
// under) says everything about what was read from it, so what is kept stays true whatever the
// ref does; a new commit costs only the folders it changed. A one-shot command keeps only the
// last few folders, parsed (one command reads the same model through several snapshots). Both
// keep the last parsed version files, by blob.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "git.h"
#include "mreg/types.h"
#include "summary_cache.h"

namespace mreg {

using SharedFolder = std::shared_ptr<const ModelFolder>;
using SharedListing = std::shared_ptr<const std::vector<git::TreeEntry>>;

// The folder `tree` read as model `name`, from memory, or read by `read` and kept.
SharedFolder kept_folder(const git::Oid& tree, const std::string& name, const std::function<ModelFolder()>& read);

// Version `version` of the folder `tree` read as model `name`; nullopt when the folder has no
// such version. A server decodes only that version of the folder it keeps; otherwise as
// kept_folder.
std::optional<ModelVersion> kept_folder_version(const git::Oid& tree, const std::string& name, std::int64_t version,
                                                const std::function<ModelFolder()>& read);

// The version file `blob` at `path`, parsed: from memory, or read by `read` and kept. A folder
// read again in a neighbouring commit (a step changes one or two of its files) parses only the
// files that changed. Every reader keeps only the last few hundred.
using SharedVersion = std::shared_ptr<const ModelVersion>;
SharedVersion kept_version(const git::Oid& blob, const std::string& path, const std::function<ModelVersion()>& read);

// The models/ listing of tree `models`, from memory (long-running readers), or read by `read`.
SharedListing kept_listing(const git::Oid& models, const std::function<std::vector<git::TreeEntry>()>& read);

// What a snapshot reads of its commit before anything else.
struct CommitBasics {
  git::Oid tree;
  Timestamp time = 0;
  git::Oid config_blob;
  RegistryConfig config;
};
using SharedBasics = std::shared_ptr<const CommitBasics>;
SharedBasics kept_basics(const git::Oid& commit, const std::function<CommitBasics()>& read);

}  // namespace mreg
