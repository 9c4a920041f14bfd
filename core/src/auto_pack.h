// Keeps the repository packed as it is written, as git does after its own commands
// (`git gc --auto`): each write adds a few loose objects, and without packing a
// registry written thousands of times holds tens of thousands of them.
#pragma once

#include "git.h"

namespace mreg {

enum class Packing {
  None,
  Auto,  // `git gc --auto`: git's own rule says to pack (it packs the loose objects)
  Full,  // `git gc`: the loose objects outweigh the packs (see below)
};

// What packing is due, by git's rule for `git gc --auto` (gc.auto, default 6700 loose
// objects, estimated as git does from objects/17/; gc.autoPackLimit, default 50 packs), or,
// when the loose objects (estimated from objects/00..0f/) take more bytes than the packs and
// over kLooseBytesFloor, a whole `git gc`: each write rewrites whole trees (models/, a model's
// versions/), so in a large registry fewer than gc.auto loose objects can outweigh the packed
// repository many times. gc.auto = 0 turns both off.
Packing packing_due(const git::Repository& repo);
constexpr long long kLooseBytesFloor = 4LL << 20;

// After a write: when packing is due, starts that `git gc` in the background, detached, and
// returns at once. git takes its own gc.pid lock, so no two packings run at once nor under
// another git gc; mreg holds <git dir>/mreg-gc.lock (an flock) for as long as the one it
// started runs, and starts no other meanwhile. Without a git on the PATH nothing is packed.
// Never fails the write.
void pack_in_background_if_needed(const git::Repository& repo);

}  // namespace mreg
