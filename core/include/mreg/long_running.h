// For a long-running reader such as `mreg serve`, which reads commit after
// commit: keep in memory what reads parse (model summaries by folder tree, a
// loaded history index) instead of reading it again for every request. A
// one-shot command leaves it off: it would only hold everything twice. Packs are
// then mapped in small windows (git.h, use_small_pack_windows), for random reads.
#pragma once

namespace mreg {

void keep_read_caches_in_memory();
bool read_caches_in_memory();

}  // namespace mreg
