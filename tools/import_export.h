// strata import / export: documents between files (JSON lines or CSV) and a collection, through
// a ShellBackend (a server or a data directory). Imports go in batches (one atomic bulk insert
// each); when a batch is refused, its documents are retried one by one so that only the lines
// at fault are rejected. A rejected line is reported with its line number and skipped.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "shell_backend.h"

namespace strata::tools {

struct ImportOptions {
  std::string collection;
  std::string format = "jsonl";  // or "csv"
  size_t batch_size = 1000;
  bool progress = false;      // draw a progress bar on stderr
  uint64_t total_bytes = 0;   // the input's size for the bar; 0 when unknown
  size_t max_reported = 100;  // rejected lines reported one by one; the rest only counted
};

struct ImportReport {
  uint64_t imported = 0;
  uint64_t rejected = 0;
  double seconds = 0;
  std::vector<std::string> rejections;  // "line N: why", the first max_reported
};

// Reads `in` to the end. A fatal error (the server unreachable, a bad CSV header, a refused
// key) stops the import and is returned; what was imported until then stays.
Result<ImportReport> ImportDocuments(ShellBackend* backend, std::istream& in,
                                     const ImportOptions& options);

struct ExportOptions {
  std::string collection;
  std::string format = "jsonl";
  Value filter;                     // null: every document
  std::vector<std::string> fields;  // CSV columns; empty: the union of top-level fields
  size_t batch_size = 1000;
  bool progress = false;
};

// Writes the collection's documents in _id order. Returns how many were written.
Result<uint64_t> ExportDocuments(ShellBackend* backend, std::ostream& out,
                                 const ExportOptions& options);

}  // namespace strata::tools
