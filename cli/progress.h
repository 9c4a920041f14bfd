// Progress of long reads on a terminal.
#pragma once

namespace mreg::cli {

// When stderr is a terminal: a read that takes more than a second (or
// $MREG_PROGRESS_DELAY_MS) shows "Reading models: 1234/10000" there, and
// clears it when done. Elsewhere, nothing.
void show_progress_on_terminal();

}  // namespace mreg::cli
