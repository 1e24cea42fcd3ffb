// readline is a C library with global state: one session at a time is wired to it.
#include "shell_repl.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

namespace strata::tools {

namespace {

ShellSession* g_session = nullptr;
volatile std::sig_atomic_t g_interrupted = 0;

// Ctrl-C drops the line being typed (and a pending multi-line command) instead of ending the
// shell. The handler only sets a flag. readline's own signal handling is off and it reads keys
// through ReadKey, which turns the interrupted read into an Enter; the loop then drops the line.
void OnInterrupt(int) { g_interrupted = 1; }

int ReadKey(FILE* in) {
  while (true) {
    unsigned char c;
    ssize_t n = read(fileno(in), &c, 1);
    if (n == 1) return c;
    if (n == 0) return EOF;
    if (errno != EINTR) return EOF;
    if (g_interrupted) {
      std::fputs("^C", rl_outstream);
      return '\n';
    }
  }
}

std::vector<std::string> g_matches;
size_t g_next = 0;

char* NextMatch(const char* /*text*/, int state) {
  if (state == 0) g_next = 0;
  if (g_next >= g_matches.size()) return nullptr;
  return strdup(g_matches[g_next++].c_str());
}

char** Complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // no file-name completion
  bool line_start = true;
  for (int i = 0; i < start; ++i) {
    if (rl_line_buffer[i] != ' ' && rl_line_buffer[i] != '\t') line_start = false;
  }
  g_matches = g_session->Complete(text, line_start);
  // No space after a completion: a '.' or an argument usually follows.
  rl_completion_append_character = '\0';
  return rl_completion_matches(text, NextMatch);
}

std::string HistoryFile() {
  const char* home = std::getenv("HOME");
  return home == nullptr ? std::string() : std::string(home) + "/.strata_history";
}

// Whitespace only (or nothing).
bool Blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

int RunShellScript(ShellSession* session, std::istream& in) {
  std::string pending, line;
  while (std::getline(in, line)) {
    pending += pending.empty() ? line : "\n" + line;
    if (!InputComplete(pending)) continue;
    bool go_on = Blank(pending) || session->Execute(pending);
    pending.clear();
    if (!go_on) break;
  }
  if (!Blank(pending)) session->Execute(pending);  // reports what is unclosed
  return session->errors() > 0 ? 1 : 0;
}

int RunShellRepl(ShellSession* session, bool interactive) {
  if (!interactive) return RunShellScript(session, std::cin);
  g_session = session;
  static char kBreaks[] = " \t\n(){}[],:;'\"=";
  rl_completer_word_break_characters = kBreaks;
  rl_attempted_completion_function = Complete;
  rl_readline_name = "strata";
  rl_catch_signals = 0;
  rl_getc_function = ReadKey;
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: the interrupted read returns to readline
  struct sigaction previous = {};
  sigaction(SIGINT, &action, &previous);
  std::string history = HistoryFile();
  using_history();
  if (!history.empty()) read_history(history.c_str());
  std::string pending;
  while (true) {
    char* raw = readline(pending.empty() ? "strata> " : "... ");
    if (raw == nullptr) {  // Ctrl-D
      std::cout << "\n";
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (g_interrupted) {
      g_interrupted = 0;
      pending.clear();
      continue;
    }
    pending += pending.empty() ? line : "\n" + line;
    if (!InputComplete(pending)) continue;
    std::string command = std::move(pending);
    pending.clear();
    if (Blank(command)) continue;
    add_history(command.c_str());
    if (!history.empty()) {
      // Append as we go, so that history survives a killed shell.
      if (append_history(1, history.c_str()) != 0) write_history(history.c_str());
    }
    if (!session->Execute(command)) break;
  }
  if (!history.empty()) history_truncate_file(history.c_str(), 2000);
  g_session = nullptr;
  sigaction(SIGINT, &previous, nullptr);
  return 0;
}

}  // namespace strata::tools
