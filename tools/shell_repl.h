// The shell's terminal loop: GNU readline (history in ~/.strata_history, tab completion through
// ShellSession::Complete) when stdin is a terminal; plain line reading otherwise, so a script can
// be piped in. Lines are gathered until brackets and strings close (multi-line commands).
#pragma once

#include <iosfwd>
#include <string>

#include "shell_session.h"

namespace strata::tools {

// Runs until .exit or end of input. Returns the process exit code: 0, or 1 when reading from a
// pipe and some command failed.
int RunShellRepl(ShellSession* session, bool interactive);

// The non-interactive loop over any stream (tests).
int RunShellScript(ShellSession* session, std::istream& in);

}  // namespace strata::tools
