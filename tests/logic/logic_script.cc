#include "logic/logic_script.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "base/text.h"

namespace strata::logic {

namespace {

bool IsBlank(std::string_view line) { return TrimBlanks(line).empty(); }
bool IsComment(std::string_view line) { return !line.empty() && line[0] == '#'; }

// A new command starts with an identifier (db, t1...); JSON continuation lines never do.
bool StartsCommand(std::string_view line) {
  return !line.empty() &&
         (std::isalpha(static_cast<unsigned char>(line[0])) != 0 || line[0] == '_');
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// The text after the first `n` words of `s`.
std::string_view AfterWords(std::string_view s, int n) {
  s = TrimBlanks(s);
  for (int i = 0; i < n; ++i) {
    size_t sp = s.find_first_of(" \t");
    if (sp == std::string_view::npos) return {};
    s = TrimBlanks(s.substr(sp));
  }
  return s;
}

}  // namespace

bool Record::RunsOn(std::string_view backend) const {
  if (std::find(skip_backends.begin(), skip_backends.end(), backend) != skip_backends.end()) {
    return false;
  }
  return only_backends.empty() ||
         std::find(only_backends.begin(), only_backends.end(), backend) != only_backends.end();
}

Result<Script> ParseScript(const std::string& path) {
  Script script;
  script.path = path;
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read " + path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    script.lines.push_back(std::move(line));
  }
  const auto& lines = script.lines;
  auto error = [&](size_t i, const std::string& what) {
    return Status::InvalidArgument(path + ":" + std::to_string(i + 1) + ": " + what);
  };
  std::vector<std::string> skip, only;
  std::string xfail;
  size_t i = 0;
  while (i < lines.size()) {
    std::string_view line = lines[i];
    if (IsBlank(line) || IsComment(line)) {
      ++i;
      continue;
    }
    std::vector<std::string> words = Words(line);
    if (words[0] == "skipif" || words[0] == "onlyif") {
      if (words.size() != 2) return error(i, "expected '" + words[0] + " <backend>'");
      (words[0] == "skipif" ? skip : only).push_back(words[1]);
      ++i;
      continue;
    }
    if (words[0] == "xfail") {
      xfail = std::string(AfterWords(line, 1));
      if (xfail.empty()) return error(i, "expected 'xfail <reason>'");
      ++i;
      continue;
    }
    Record r;
    r.line = static_cast<int>(i + 1);
    r.header = std::string(TrimBlanks(line));
    r.skip_backends = std::move(skip);
    r.only_backends = std::move(only);
    r.xfail = std::move(xfail);
    skip.clear();
    only.clear();
    xfail.clear();
    bool directive = true;  // one line, no body
    const std::string& w0 = words[0];
    if (w0 == "statement" && words.size() >= 2 && words[1] == "ok" && words.size() == 2) {
      r.kind = Record::Kind::kStatement;
      directive = false;
    } else if (w0 == "statement" && words.size() >= 2 && words[1] == "error") {
      r.kind = Record::Kind::kStatement;
      r.expect_error = true;
      r.error = std::string(AfterWords(line, 2));
      directive = false;
    } else if (w0 == "query" &&
               (words.size() == 1 || (words.size() == 2 && words[1] == "sorted"))) {
      r.kind = Record::Kind::kQuery;
      r.sorted = words.size() == 2;
      directive = false;
    } else if (w0 == "restart" && words.size() == 1) {
      r.kind = Record::Kind::kRestart;
    } else if (w0 == "halt" && words.size() == 1) {
      r.kind = Record::Kind::kHalt;
    } else if ((w0 == "begin" || w0 == "cancel") && words.size() == 2) {
      r.kind = w0 == "begin" ? Record::Kind::kBegin : Record::Kind::kCancel;
      r.txn = words[1];
    } else if ((w0 == "commit" || w0 == "prepare") && words.size() >= 2) {
      r.kind = w0 == "commit" ? Record::Kind::kCommit : Record::Kind::kPrepare;
      r.txn = words[1];
      if (words.size() > 2) {
        if (words[2] != "error") return error(i, "expected '" + w0 + " <name> [error <text>]'");
        r.expect_error = true;
        r.error = std::string(AfterWords(line, 3));
      }
    } else {
      return error(i, "unknown record '" + r.header + "'");
    }
    ++i;
    if (directive) {
      script.records.push_back(std::move(r));
      continue;
    }
    // Commands up to "----" or a blank line; then expected results up to a blank line.
    for (; i < lines.size() && !IsBlank(lines[i]) && TrimBlanks(lines[i]) != "----"; ++i) {
      if (IsComment(lines[i])) continue;
      if (StartsCommand(lines[i]) || r.commands.empty()) {
        r.commands.push_back({lines[i], static_cast<int>(i + 1)});
      } else {
        r.commands.back().text += "\n" + lines[i];
      }
    }
    if (r.commands.empty()) return error(r.line - 1, "record without a command");
    if (i < lines.size() && TrimBlanks(lines[i]) == "----") {
      r.has_results = true;
      ++i;
      r.results_begin = static_cast<int>(i);
      for (; i < lines.size() && !IsBlank(lines[i]); ++i) {
        if (!IsComment(lines[i])) r.expected.push_back(std::string(TrimBlanks(lines[i])));
      }
      r.results_end = static_cast<int>(i);
    }
    if (r.kind == Record::Kind::kQuery && !r.has_results) {
      return error(r.line - 1, "a query needs a '----' line before its results");
    }
    if (r.kind == Record::Kind::kStatement && r.has_results) {
      return error(r.line - 1, "a statement has no results; use 'query'");
    }
    if ((r.kind == Record::Kind::kQuery || r.expect_error) && r.commands.size() != 1) {
      return error(r.line - 1, "a query or a 'statement error' holds exactly one command");
    }
    script.records.push_back(std::move(r));
  }
  return script;
}

Result<Call> SplitCall(std::string_view text) {
  text = TrimBlanks(text);
  size_t open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') {
    return Status::InvalidArgument("expected <target>.<collection>.<method>(<arguments>)");
  }
  Call call;
  std::string_view head = TrimBlanks(text.substr(0, open));
  size_t first = head.find('.');
  size_t last = head.rfind('.');
  if (first == std::string_view::npos) {
    return Status::InvalidArgument("expected <target>.<method>, got '" + std::string(head) + "'");
  }
  call.target = std::string(head.substr(0, first));
  call.method = std::string(head.substr(last + 1));
  if (last > first) call.collection = std::string(head.substr(first + 1, last - first - 1));
  std::string_view inner = text.substr(open + 1, text.size() - open - 2);
  int depth = 0;
  bool in_string = false, escape = false;
  size_t start = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      call.args.push_back(std::string(inner.substr(start, i - start)));
      start = i + 1;
    }
  }
  std::string_view rest = inner.substr(start);
  if (!call.args.empty() || !TrimBlanks(rest).empty()) call.args.push_back(std::string(rest));
  return call;
}

}  // namespace strata::logic
