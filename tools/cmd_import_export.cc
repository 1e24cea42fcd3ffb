// strata import / strata export: JSON lines or CSV files to and from a collection, on a server
// (--url, --key) or a data directory (--data).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "import_export.h"
#include "shell_backend.h"
#include "shell_json.h"

namespace strata::tools {

namespace {

struct Args {
  std::string url, key, data, collection, format = "jsonl", file, filter, fields;
  size_t batch = 1000;
  bool insecure = false;
};

void AddCommon(CLI::App* cmd, Args* a) {
  cmd->add_option("--url", a->url, "Server URL (default http://127.0.0.1:6969)");
  cmd->add_option("--key", a->key, "API key (default: $STRATA_KEY)");
  cmd->add_flag("--insecure", a->insecure, "Do not verify an https server's certificate");
  cmd->add_option("--data", a->data, "Use this data directory directly instead of a server");
  cmd->add_option("-c,--collection", a->collection, "The collection")->required();
  cmd->add_option("--format", a->format, "jsonl (one JSON object per line) or csv (RFC 4180)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd->add_option("--batch", a->batch, "Documents per bulk insert or page")
      ->check(CLI::Range(1, 100000));
}

// The format from the file's extension when --format was not given.
std::string FormatFor(const CLI::App* cmd, const Args& a) {
  if (cmd->count("--format") == 0 && a.file.size() > 4 &&
      a.file.compare(a.file.size() - 4, 4, ".csv") == 0) {
    return "csv";
  }
  return a.format;
}

int RunImport(const CLI::App* cmd, const Args& a) {
  std::ifstream file;
  std::istream* in = &std::cin;
  ImportOptions options;
  if (!a.file.empty() && a.file != "-") {
    file.open(a.file, std::ios::binary);
    if (!file) {
      std::cerr << "strata import: cannot open " << a.file << "\n";
      return 1;
    }
    in = &file;
    std::error_code ec;
    auto size = std::filesystem::file_size(a.file, ec);
    if (!ec) options.total_bytes = size;
  }
  auto backend = OpenBackend(a.url, a.key, a.data, a.insecure);
  if (!backend.ok()) {
    std::cerr << "strata import: " << backend.status().ToString() << "\n";
    return 1;
  }
  options.collection = a.collection;
  options.format = FormatFor(cmd, a);
  options.batch_size = a.batch;
  options.progress = isatty(STDERR_FILENO) != 0;
  auto report = ImportDocuments(backend->get(), *in, options);
  if (!report.ok()) {
    std::cerr << "strata import: " << report.status().ToString() << "\n";
    return 1;
  }
  for (const std::string& r : report->rejections) std::cerr << "rejected " << r << "\n";
  if (report->rejected > report->rejections.size()) {
    std::cerr << "... and " << report->rejected - report->rejections.size()
              << " more rejected lines\n";
  }
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2f", report->seconds);
  std::cerr << "imported " << report->imported << ", rejected " << report->rejected << " in "
            << seconds << " s into " << a.collection << " (" << (*backend)->Describe() << ")\n";
  return report->rejected > 0 ? 2 : 0;
}

int RunExport(const CLI::App* cmd, const Args& a) {
  ExportOptions options;
  options.collection = a.collection;
  options.format = FormatFor(cmd, a);
  options.batch_size = a.batch;
  if (!a.filter.empty()) {
    auto filter = ParseRelaxedJson(a.filter);
    if (!filter.ok() || !filter->is_object()) {
      std::cerr << "strata export: --filter must be a JSON object"
                << (filter.ok() ? "" : ": " + filter.status().message()) << "\n";
      return 1;
    }
    options.filter = std::move(*filter);
  }
  for (size_t start = 0; start < a.fields.size();) {
    size_t comma = a.fields.find(',', start);
    if (comma == std::string::npos) comma = a.fields.size();
    if (comma > start) options.fields.push_back(a.fields.substr(start, comma - start));
    start = comma + 1;
  }
  auto backend = OpenBackend(a.url, a.key, a.data, a.insecure);
  if (!backend.ok()) {
    std::cerr << "strata export: " << backend.status().ToString() << "\n";
    return 1;
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!a.file.empty() && a.file != "-") {
    file.open(a.file, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "strata export: cannot create " << a.file << "\n";
      return 1;
    }
    out = &file;
  }
  options.progress = isatty(STDERR_FILENO) != 0;
  auto start = std::chrono::steady_clock::now();
  auto n = ExportDocuments(backend->get(), *out, options);
  out->flush();
  if (!n.ok()) {
    std::cerr << "strata export: " << n.status().ToString() << "\n";
    return 1;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f", seconds);
  std::cerr << "exported " << *n << " documents from " << a.collection << " in " << text << " s\n";
  return 0;
}

}  // namespace

void AddImportExportCommands(CLI::App& app, int* exit_code) {
  auto import_args = std::make_shared<Args>();
  CLI::App* import = app.add_subcommand(
      "import",
      "Import JSON lines or CSV into a collection (bad lines are reported and skipped; exit "
      "code 2 when any was)");
  AddCommon(import, import_args.get());
  import->add_option("FILE", import_args->file, "Input file (default or '-': stdin)");
  import->callback([import, import_args, exit_code] {
    *exit_code = RunImport(import, *import_args);
});

auto export_args = std::make_shared<Args>();
CLI::App* exp = app.add_subcommand("export", "Export a collection as JSON lines or CSV");
AddCommon(exp, export_args.get());
exp->add_option("FILE", export_args->file, "Output file (default or '-': stdout)");
exp->add_option("--filter", export_args->filter, "Only documents matching this filter (JSON)");
exp->add_option("--fields", export_args->fields,
                "CSV columns, comma-separated (default: every top-level field)");
exp->callback([exp, export_args, exit_code] { *exit_code = RunExport(exp, *export_args); });
}  // namespace strata::tools

}  // namespace strata::tools
