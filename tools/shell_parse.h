// The shell's command language: dot commands (.help, .collections, .exit, .format json|table),
// a few mongosh words (help, exit, quit, it, show collections), and calls in mongosh form:
//   db.NAME.method(ARGS).chained(ARGS)...      db.getCollection('NAME').method(...)
//   db.method(ARGS)                            (getCollectionNames, createCollection, ...)
// ARGS are relaxed JSON values separated by commas (shell_json.h). Errors say at which column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"
#include "strata/value.h"

namespace strata::tools {

struct ShellCall {
  std::string method;
  std::vector<Value> args;
};

struct ShellCommand {
  enum class Kind {
    kEmpty,           // a blank line or a comment
    kHelp,            // .help / help
    kCollections,     // .collections / show collections
    kExit,            // .exit / exit / quit
    kFormat,          // .format json|table (argument: the format; empty asks for the current one)
    kMore,            // it: the next page of the last find
    kDbCall,          // db.method(...): calls[0]
    kCollectionCall,  // db.NAME.method(...): calls[0], then chained calls
  };
  Kind kind = Kind::kEmpty;
  std::string argument;
  std::string collection;
  std::vector<ShellCall> calls;
};

Result<ShellCommand> ParseShellCommand(std::string_view line);

// Whether `text` can be run as it is: false while a bracket or string is still open, so the
// shell reads another line (multi-line input as in mongosh).
bool InputComplete(std::string_view text);

}  // namespace strata::tools
