// The shell's logic, apart from the terminal: runs one command at a time against a ShellBackend
// and prints results and errors to the streams it was given. The terminal loop (readline,
// history, completion) is in shell_repl.cc; tests drive this class directly.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "shell_backend.h"
#include "shell_parse.h"

namespace strata::tools {

class ShellSession {
 public:
  enum class Format { kJson, kTable };

  ShellSession(ShellBackend* backend, std::ostream* out, std::ostream* err);

  // Runs one complete command (possibly several lines). False when the command was .exit.
  bool Execute(std::string_view input);

  // Commands that failed so far (a script piped into the shell exits non-zero when any did).
  int errors() const { return errors_; }
  void set_format(Format f) { format_ = f; }
  void set_page_size(int64_t n) { page_size_ = n; }

  // Tab completion of the word under the cursor: "db.us" -> "db.users", "db.users.fi" ->
  // "db.users.find(", ".he" -> ".help". `line_start`: the word begins the line.
  std::vector<std::string> Complete(std::string_view word, bool line_start);
  static std::string HelpText();

 private:
  Status Run(const ShellCommand& cmd);
  Status RunDbCall(const ShellCall& call);
  Status RunCollectionCall(const std::string& coll, const std::vector<ShellCall>& calls);
  Status RunFind(const std::string& coll, const std::vector<ShellCall>& calls);
  Status NextPage();
  void PrintDocs(const std::vector<Value>& docs);
  void PrintValue(const Value& v);
  const std::vector<std::string>& CollectionNames();

  ShellBackend* backend_;
  std::ostream* out_;
  std::ostream* err_;
  Format format_ = Format::kJson;
  int64_t page_size_ = 20;
  int errors_ = 0;
  std::vector<std::string> collections_;  // for completion; refreshed after changes
  bool collections_stale_ = true;

  // The find that "it" continues.
  struct Paging {
    bool active = false;
    std::string collection;
    FindSpec spec;
    int64_t remaining = 0;   // of the user's limit; 0: none
    int64_t first_skip = 0;  // the user's skip
    int64_t read = 0;        // documents shown so far
  } paging_;
};

}  // namespace strata::tools
