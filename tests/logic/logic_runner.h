// Runs logic test records against a Database on one backend.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "logic/logic_script.h"
#include "strata/db.h"

namespace strata::logic {

struct Outcome {
  bool skipped = false;
  bool passed = true;
  std::string failure;              // what went wrong, for the report
  bool has_actual = false;          // a query ran: `actual` holds its result lines
  std::vector<std::string> actual;  // in result order
};

class Runner {
 public:
  // `dir` is removed before opening and after the runner is destroyed.
  Runner(std::string backend, std::string dir);
  ~Runner();

  Status Open();
  Outcome Run(const Record& record);

 private:
  // A command's result lines; script mistakes (unknown method, bad options) set *script_error.
  Result<std::vector<std::string>> Execute(const Command& command, bool* script_error);
  Result<std::vector<std::string>> DbCall(const struct Call& call, const std::vector<Value>& args,
                                          bool* script_error);
  Result<std::vector<std::string>> CollectionCall(const struct Call& call,
                                                  const std::vector<Value>& args,
                                                  bool* script_error);
  Result<std::vector<std::string>> TransactionCall(Transaction* txn, const struct Call& call,
                                                   const std::vector<Value>& args,
                                                   bool* script_error);
  Outcome RunTransactionStep(const Record& record);
  Status Restart();

  std::string backend_;
  std::string dir_;
  std::unique_ptr<Database> db_;
  std::map<std::string, std::unique_ptr<Transaction>> txns_;
};

// The text of each expected line as the runner prints it: JSON is rewritten compactly.
std::string Canonical(const std::string& line);

}  // namespace strata::logic
