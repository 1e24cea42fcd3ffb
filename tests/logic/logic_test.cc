// One GoogleTest case per script × backend: every record of tests/logic/*.test runs, and every
// failure is reported (file:line, the command, expected vs actual) before the case fails.
// Records marked `xfail <reason>` (known bugs; the expected results stay MongoDB's) must fail, and
// are reported when they pass; STRATA_LOGIC_STRICT=1 runs them as ordinary records.
// STRATA_LOGIC_REWRITE=1 writes the strata backend's actual query results back into the scripts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "logic/logic_runner.h"
#include "logic/logic_script.h"

namespace strata::logic {
namespace {

// The scripts cmake found (STRATA_LOGIC_SCRIPTS, comma-separated), in STRATA_LOGIC_DIR.
std::vector<std::string> ScriptFiles() {
  std::vector<std::string> files;
  std::string names = STRATA_LOGIC_SCRIPTS;
  size_t start = 0;
  while (start < names.size()) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    if (comma > start) {
      files.push_back(std::string(STRATA_LOGIC_DIR) + "/" + names.substr(start, comma - start));
    }
    start = comma + 1;
  }
  return files;
}

struct Param {
  std::string file;
  std::string backend;
};

// Keeps ctest's test names readable (gtest would print the struct's bytes).
void PrintTo(const Param& p, std::ostream* os) {
  *os << std::filesystem::path(p.file).filename().string() << " on " << p.backend;
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  std::string name =
      std::filesystem::path(info.param.file).stem().string() + "_" + info.param.backend;
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name;
}

std::vector<Param> Params() {
  std::vector<Param> out;
  for (const std::string& file : ScriptFiles()) {
    for (const char* backend : {"strata", "memory"}) out.push_back({file, backend});
  }
  return out;
}

// Replaces the expected results of each query whose output differed.
void Rewrite(const Script& script, const std::vector<std::pair<const Record*, Outcome>>& changed) {
  std::vector<std::string> lines = script.lines;
  // Back to front, so earlier line numbers stay valid.
  for (auto it = changed.rbegin(); it != changed.rend(); ++it) {
    const Record& r = *it->first;
    std::vector<std::string> actual = it->second.actual;
    if (r.sorted) std::sort(actual.begin(), actual.end());
    lines.erase(lines.begin() + r.results_begin, lines.begin() + r.results_end);
    lines.insert(lines.begin() + r.results_begin, actual.begin(), actual.end());
  }
  std::ofstream out(script.path, std::ios::trunc);
  for (const std::string& line : lines) out << line << "\n";
}

class LogicTest : public ::testing::TestWithParam<Param> {};

TEST_P(LogicTest, Script) {
  const Param& p = GetParam();
  auto script = ParseScript(p.file);
  ASSERT_TRUE(script.ok()) << script.status().ToString();
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("strata_logic_" + std::to_string(::getpid()) + "_" + ParamName({p, 0})))
                        .string();
  Runner runner(p.backend, dir);
  Status opened = runner.Open();
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  bool rewrite = p.backend == "strata" && std::getenv("STRATA_LOGIC_REWRITE") != nullptr &&
                 std::string(std::getenv("STRATA_LOGIC_REWRITE")) == "1";
  bool strict = std::getenv("STRATA_LOGIC_STRICT") != nullptr &&
                std::string(std::getenv("STRATA_LOGIC_STRICT")) == "1";
  std::vector<std::pair<const Record*, Outcome>> changed;
  int ran = 0, skipped = 0, failed = 0, xfailed = 0;
  for (const Record& r : script->records) {
    if (r.kind == Record::Kind::kHalt && r.RunsOn(p.backend)) break;
    Outcome o = runner.Run(r);
    if (o.skipped) {
      ++skipped;
      continue;
    }
    ++ran;
    if (!r.xfail.empty() && !strict) {
      if (o.passed) {
        ++failed;
        ADD_FAILURE_AT(p.file.c_str(), r.line)
            << "[" << p.backend << "] " << r.header << "\n"
            << "passes now: remove its 'xfail " << r.xfail << "' line";
      } else {
        ++xfailed;
      }
      continue;
    }
    if (o.passed) continue;
    if (rewrite && o.has_actual && r.kind == Record::Kind::kQuery) {
      changed.emplace_back(&r, std::move(o));
      continue;
    }
    ++failed;
    ADD_FAILURE_AT(p.file.c_str(), r.line) << "[" << p.backend << "] " << r.header << "\n"
                                           << o.failure;
  }
  if (!changed.empty()) Rewrite(*script, changed);
  RecordProperty("records", ran);
  std::string rewritten =
      changed.empty() ? "" : ", " + std::to_string(changed.size()) + " rewritten";
  std::printf("%s [%s]: %d records run, %d skipped, %d failed, %d known failures%s\n",
              p.file.c_str(), p.backend.c_str(), ran, skipped, failed, xfailed, rewritten.c_str());
}

INSTANTIATE_TEST_SUITE_P(Scripts, LogicTest, ::testing::ValuesIn(Params()), ParamName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(LogicTest);

}  // namespace
}  // namespace strata::logic
