// Logic test scripts (tests/logic/README.md): reading a .test file into records, and splitting a
// command line such as `db.users.find({"a": 1}, {"limit": 2})` into its parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata::logic {

struct Command {
  std::string text;  // continuation lines joined with '\n'
  int line = 0;      // 1-based
};

struct Record {
  enum class Kind { kStatement, kQuery, kRestart, kBegin, kCommit, kPrepare, kCancel, kHalt };
  Kind kind = Kind::kStatement;
  int line = 0;  // the header's line, 1-based
  std::string header;
  bool expect_error = false;
  std::string error;  // a substring the error must contain; empty: any error
  bool sorted = false;
  std::string txn;  // begin / commit / prepare / cancel
  std::vector<Command> commands;
  bool has_results = false;  // a "----" line was present
  std::vector<std::string> expected;
  int results_begin = 0, results_end = 0;  // 0-based line range of the expected results
  std::vector<std::string> skip_backends, only_backends;
  std::string xfail;  // why the record is expected to fail (a known bug); empty: it must pass

  bool RunsOn(std::string_view backend) const;
};

struct Script {
  std::string path;
  std::vector<std::string> lines;
  std::vector<Record> records;
};

// Reads and parses a script; structural mistakes name the file and line.
Result<Script> ParseScript(const std::string& path);

// `<target>.<collection>.<method>(<args>)`; collection is empty for `db.<method>(...)`.
struct Call {
  std::string target;  // "db" or a transaction name
  std::string collection;
  std::string method;
  std::vector<std::string> args;  // each argument's JSON text
};

// Splits a command; arguments are separated at top-level commas (outside brackets and strings).
Result<Call> SplitCall(std::string_view text);

}  // namespace strata::logic
