// A hand-written scanner over one command line: identifiers, dots and parenthesised argument
// lists, the arguments handed to the relaxed-JSON reader as one array.
#include "shell_parse.h"

#include <cctype>

#include "shell_json.h"

namespace strata::tools {

namespace {

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '-';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

class Parser {
 public:
  explicit Parser(std::string_view line) : line_(line) {}

  Result<ShellCommand> Run() {
    ShellCommand cmd;
    SkipSpace();
    if (pos_ >= line_.size() || line_.substr(pos_, 2) == "//") return cmd;
    std::string_view rest = Trim(line_.substr(pos_));
    while (!rest.empty() && rest.back() == ';') rest = Trim(rest.substr(0, rest.size() - 1));
    if (rest.front() == '.' || rest == "help" || rest == "exit" || rest == "quit" || rest == "it" ||
        rest.substr(0, 4) == "show") {
      return Word(rest);
    }
    std::string first = Identifier();
    if (first != "db") {
      return Error(first.empty() ? "a command was expected (try .help)"
                                 : "unknown command '" + first + "' (try .help)");
    }
    STRATA_RETURN_IF_ERROR(Expect('.', "'.' after 'db'"));
    size_t name_at = pos_;
    std::string name = Identifier();
    if (name.empty()) return Error("a collection name or method was expected after 'db.'");
    SkipSpace();
    if (Peek() == '(') {
      pos_ = name_at;
      if (name != "getCollection") {
        auto call = Call();
        if (!call.ok()) return call.status();
        cmd.kind = ShellCommand::Kind::kDbCall;
        cmd.calls.push_back(std::move(*call));
        return Finish(std::move(cmd));
      }
      auto call = Call();
      if (!call.ok()) return call.status();
      if (call->args.size() != 1 || !call->args[0].is_string()) {
        pos_ = name_at;
        return Error("getCollection takes one collection name");
      }
      name = call->args[0].as_string();
    }
    cmd.kind = ShellCommand::Kind::kCollectionCall;
    cmd.collection = std::move(name);
    SkipSpace();
    if (Peek() != '.') {
      return Error("a method was expected after 'db." + cmd.collection + "', e.g. db." +
                   cmd.collection + ".find()");
    }
    while (Peek() == '.') {
      ++pos_;
      auto call = Call();
      if (!call.ok()) return call.status();
      cmd.calls.push_back(std::move(*call));
      SkipSpace();
    }
    return Finish(std::move(cmd));
  }

 private:
  Result<ShellCommand> Word(std::string_view rest) {
    ShellCommand cmd;
    std::string_view word = rest;
    std::string_view arg;
    if (size_t space = rest.find_first_of(" \t"); space != std::string_view::npos) {
      word = rest.substr(0, space);
      arg = Trim(rest.substr(space));
    }
    if (word == ".help" || word == "help") {
      cmd.kind = ShellCommand::Kind::kHelp;
    } else if (word == ".collections" ||
               (word == "show" && (arg == "collections" || arg == "tables"))) {
      cmd.kind = ShellCommand::Kind::kCollections;
      arg = {};
    } else if (word == ".exit" || word == ".quit" || word == "exit" || word == "quit") {
      cmd.kind = ShellCommand::Kind::kExit;
    } else if (word == ".format") {
      cmd.kind = ShellCommand::Kind::kFormat;
      if (!arg.empty() && arg != "json" && arg != "table") {
        return Status::InvalidArgument(".format takes json or table, not '" + std::string(arg) +
                                       "'");
      }
      cmd.argument = std::string(arg);
      return cmd;
    } else if (word == "it") {
      cmd.kind = ShellCommand::Kind::kMore;
    } else {
      return Status::InvalidArgument("unknown command '" + std::string(rest) + "' (try .help)");
    }
    if (!arg.empty()) {
      return Status::InvalidArgument("'" + std::string(word) + "' takes no argument");
    }
    return cmd;
  }

  Result<ShellCommand> Finish(ShellCommand cmd) {
    SkipSpace();
    while (Peek() == ';') {
      ++pos_;
      SkipSpace();
    }
    if (pos_ < line_.size() && line_.substr(pos_, 2) != "//") {
      return Error("unexpected '" + std::string(line_.substr(pos_, 10)) + "' after the call");
    }
    return cmd;
  }

  Result<ShellCall> Call() {
    ShellCall call;
    SkipSpace();
    call.method = Identifier();
    if (call.method.empty()) return Error("a method name was expected");
    SkipSpace();
    if (Peek() != '(') return Error("'(' expected after '" + call.method + "'");
    size_t open = pos_;
    size_t close = MatchingParen(open);
    if (close == std::string_view::npos) {
      pos_ = open;
      return Error("unclosed '(' of " + call.method);
    }
    std::string_view args = line_.substr(open + 1, close - open - 1);
    if (!Trim(args).empty()) {
      // The arguments as one array: "[" + args + "]", columns shifted back by the bracket.
      std::string wrapped = "[" + std::string(args) + "]";
      auto list = ParseRelaxedJson(wrapped, open);
      if (!list.ok()) {
        return Status::InvalidArgument("in the arguments of " + call.method + ": " +
                                       list.status().message());
      }
      call.args = std::move(list->as_array());
    }
    pos_ = close + 1;
    return call;
  }

  // The ')' that closes the '(' at `open`, skipping strings and nested brackets.
  size_t MatchingParen(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < line_.size(); ++i) {
      char c = line_[i];
      if (c == '"' || c == '\'') {
        for (++i; i < line_.size() && line_[i] != c; ++i) {
          if (line_[i] == '\\') ++i;
        }
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (--depth == 0) return c == ')' ? i : std::string_view::npos;
      }
    }
    return std::string_view::npos;
  }

  std::string Identifier() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < line_.size() && IsIdentChar(line_[pos_])) ++pos_;
    return std::string(line_.substr(start, pos_ - start));
  }

  Status Expect(char c, std::string_view what) {
    SkipSpace();
    if (Peek() != c) return Error(std::string(what) + " expected");
    ++pos_;
    return Status::OK();
  }

  Status Error(std::string what) const {
    return Status::InvalidArgument("column " + std::to_string(pos_ + 1) + ": " + what);
  }

  char Peek() const { return pos_ < line_.size() ? line_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < line_.size() && std::isspace(static_cast<unsigned char>(line_[pos_]))) ++pos_;
  }

  std::string_view line_;
  size_t pos_ = 0;
};

}  // namespace

Result<ShellCommand> ParseShellCommand(std::string_view line) { return Parser(line).Run(); }

bool InputComplete(std::string_view text) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      for (++i; i < text.size() && text[i] != c; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (i >= text.size()) return false;  // an open string
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
  }
  return depth <= 0;
}

}  // namespace strata::tools
