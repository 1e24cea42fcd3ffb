// Import reads records one at a time (a JSON line or a CSV record), turns each into a document
// or a rejection, and flushes batches; export pages through the collection by resume token.
#include "import_export.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <istream>
#include <ostream>

#include "codec/json.h"
#include "csv.h"

namespace strata::tools {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A one-line bar on stderr, redrawn at most ten times a second.
class ProgressBar {
 public:
  ProgressBar(bool enabled, uint64_t total) : enabled_(enabled), total_(total) {}
  ~ProgressBar() { Finish(); }

  void Update(uint64_t done, uint64_t ok, uint64_t bad, std::string_view what) {
    if (!enabled_) return;
    auto now = Clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    std::string line = "\r";
    if (total_ > 0) {
      double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
      int filled = static_cast<int>(f * 30);
      line += "[" + std::string(filled, '#') + std::string(30 - filled, ' ') + "] ";
      char pct[16];
      std::snprintf(pct, sizeof(pct), "%3d%% ", static_cast<int>(f * 100));
      line += pct;
    }
    line += std::to_string(ok) + " " + std::string(what);
    if (bad > 0) line += ", " + std::to_string(bad) + " rejected";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }

  void Finish() {
    if (!enabled_ || !drawn_) return;
    std::fputs("\r\033[K", stderr);  // clear the bar's line
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  uint64_t total_;
  bool drawn_ = false;
  Clock::time_point last_;
};

// Statuses that say nothing about one document: the import cannot go on.
bool Fatal(const Status& s) {
  using C = Status::Code;
  switch (s.code()) {
    case C::kIOError:
    case C::kTimedOut:
    case C::kUnauthenticated:
    case C::kPermissionDenied:
    case C::kNoSpace:
    case C::kBusy:
    case C::kCorruption:
      return true;
    default:
      return false;
  }
}

// Sets a dotted path ("address.city") in `doc`, creating objects on the way.
Status SetPath(Value* doc, std::string_view path, Value value) {
  size_t dot = path.find('.');
  if (dot == std::string_view::npos) {
    doc->Set(path, std::move(value));
    return Status::OK();
  }
  std::string_view head = path.substr(0, dot);
  Value* child = doc->Find(head);
  if (child == nullptr) child = &doc->Set(head, Value(Object{}));
  if (!child->is_object()) {
    return Status::InvalidArgument("column '" + std::string(path) + "' conflicts with column '" +
                                   std::string(head) + "'");
  }
  return SetPath(child, path.substr(dot + 1), std::move(value));
}

class Importer {
 public:
  Importer(ShellBackend* backend, const ImportOptions& options)
      : backend_(backend), options_(options), bar_(options.progress, options.total_bytes) {}

  Status Add(uint64_t line, Value doc, size_t bytes) {
    batch_.push_back({line, std::move(doc)});
    batch_bytes_ += bytes;
    if (batch_.size() >= options_.batch_size || batch_bytes_ >= kMaxBatchBytes) return Flush();
    return Status::OK();
  }

  void Reject(uint64_t line, const std::string& why) {
    ++report_.rejected;
    if (report_.rejections.size() < options_.max_reported) {
      report_.rejections.push_back("line " + std::to_string(line) + ": " + why);
    }
  }

  Status Flush() {
    if (batch_.empty()) return Status::OK();
    std::vector<Value> docs;
    docs.reserve(batch_.size());
    for (const auto& p : batch_) docs.push_back(p.doc);
    auto ids = backend_->InsertMany(options_.collection, std::move(docs));
    if (ids.ok()) {
      report_.imported += batch_.size();
    } else if (Fatal(ids.status())) {
      return ids.status();
    } else {  // find the documents at fault
      for (auto& p : batch_) {
        std::vector<Value> one;
        one.push_back(std::move(p.doc));
        auto id = backend_->InsertMany(options_.collection, std::move(one));
        if (id.ok()) {
          ++report_.imported;
        } else if (Fatal(id.status())) {
          return id.status();
        } else {
          Reject(p.line, id.status().ToString());
        }
      }
    }
    batch_.clear();
    batch_bytes_ = 0;
    return Status::OK();
  }

  void Progress(uint64_t bytes) {
    bar_.Update(bytes, report_.imported, report_.rejected, "imported");
  }
  ImportReport Finish(Clock::time_point start) {
    bar_.Finish();
    report_.seconds = SecondsSince(start);
    return report_;
  }

 private:
  static constexpr size_t kMaxBatchBytes = 4 << 20;  // well under a server's body limit
  struct Pending {
    uint64_t line;
    Value doc;
  };
  ShellBackend* backend_;
  const ImportOptions& options_;
  ProgressBar bar_;
  std::vector<Pending> batch_;
  size_t batch_bytes_ = 0;
  ImportReport report_;
};

Status ImportJsonLines(std::istream& in, Importer* importer) {
  std::string line;
  uint64_t number = 0, bytes = 0;
  while (std::getline(in, line)) {
    ++number;
    bytes += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto doc = codec::ParseJson(line);
    if (!doc.ok()) {
      std::string why = doc.status().message();
      if (why.rfind("line 1, ", 0) == 0) why = why.substr(8);  // the file's line is given
      importer->Reject(number, "bad JSON: " + why);
    } else if (!doc->is_object()) {
      importer->Reject(number, "not a JSON object but " + std::string(ValueTypeName(doc->type())));
    } else {
      STRATA_RETURN_IF_ERROR(importer->Add(number, std::move(*doc), line.size()));
    }
    importer->Progress(bytes);
  }
  return Status::OK();
}

Status ImportCsv(std::istream& in, Importer* importer) {
  CsvReader reader(in);
  std::vector<CsvField> fields;
  uint64_t line = 0;
  std::vector<std::string> header;
  // The header: the first record; it must be well formed.
  auto first = reader.Next(&fields, &line);
  if (!first.ok()) return first.status().WithContext("CSV header");
  if (!*first) return Status::OK();  // an empty file
  for (const CsvField& f : fields) {
    if (f.text.empty()) {
      return Status::InvalidArgument("CSV header: column " + std::to_string(header.size() + 1) +
                                     " has no name");
    }
    for (const std::string& h : header) {
      if (h == f.text) {
        return Status::InvalidArgument("CSV header: column '" + f.text + "' appears twice");
      }
    }
    header.push_back(f.text);
  }
  while (true) {
    auto more = reader.Next(&fields, &line);
    if (!more.ok()) {
      // The message starts with "line N: "; keep it as the rejection.
      std::string why = more.status().message();
      uint64_t at = line;
      std::sscanf(why.c_str(), "line %" SCNu64, &at);
      size_t colon = why.find(": ");
      importer->Reject(at,
                       "bad CSV: " + (colon == std::string::npos ? why : why.substr(colon + 2)));
      importer->Progress(reader.bytes_read());
      continue;
    }
    if (!*more) break;
    if (fields.size() != header.size()) {
      importer->Reject(line, "bad CSV: " + std::to_string(fields.size()) +
                                 " fields, the header has " + std::to_string(header.size()));
      continue;
    }
    Value doc{Object{}};
    Status s;
    size_t bytes = 0;
    for (size_t i = 0; i < fields.size() && s.ok(); ++i) {
      bool present = false;
      Value v = CsvValue(fields[i], &present);
      bytes += fields[i].text.size() + 1;
      if (present) s = SetPath(&doc, header[i], std::move(v));
    }
    if (!s.ok()) {
      importer->Reject(line, s.message());
    } else {
      STRATA_RETURN_IF_ERROR(importer->Add(line, std::move(doc), bytes));
    }
    importer->Progress(reader.bytes_read());
  }
  return Status::OK();
}

// Pages through the matching documents, calling `fn` for each; stops at its first error.
template <typename Fn>
Status ForEachDocument(ShellBackend* backend, const ExportOptions& options, Fn fn) {
  FindSpec spec;
  spec.filter = options.filter;
  spec.limit = static_cast<int64_t>(options.batch_size);
  int64_t read = 0;
  while (true) {
    auto page = backend->Find(options.collection, spec);
    if (!page.ok()) return page.status();
    for (const Value& doc : page->docs) STRATA_RETURN_IF_ERROR(fn(doc));
    read += static_cast<int64_t>(page->docs.size());
    if (!page->more || page->docs.empty()) return Status::OK();
    spec.token = page->token;  // see FindPage::token
    spec.skip = spec.token.empty() ? read : 0;
  }
}

}  // namespace

Result<ImportReport> ImportDocuments(ShellBackend* backend, std::istream& in,
                                     const ImportOptions& options) {
  if (options.collection.empty()) return Status::InvalidArgument("a collection is required");
  if (options.format != "jsonl" && options.format != "csv") {
    return Status::InvalidArgument("format must be jsonl or csv, not '" + options.format + "'");
  }
  auto start = Clock::now();
  Importer importer(backend, options);
  Status s = options.format == "csv" ? ImportCsv(in, &importer) : ImportJsonLines(in, &importer);
  if (s.ok()) s = importer.Flush();
  ImportReport report = importer.Finish(start);
  if (!s.ok()) {
    return s.WithContext("import stopped after " + std::to_string(report.imported) + " documents");
  }
  return report;
}

Result<uint64_t> ExportDocuments(ShellBackend* backend, std::ostream& out,
                                 const ExportOptions& options) {
  if (options.collection.empty()) return Status::InvalidArgument("a collection is required");
  if (options.format != "jsonl" && options.format != "csv") {
    return Status::InvalidArgument("format must be jsonl or csv, not '" + options.format + "'");
  }
  uint64_t total = 0;
  if (options.progress) {
    auto n = backend->Count(options.collection, options.filter);
    if (n.ok()) total = *n;
  }
  ProgressBar bar(options.progress, total);
  uint64_t written = 0;
  std::string buffer;
  auto write_out = [&]() -> Status {
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.clear();
    if (!out) return Status::IOError("writing the export failed");
    return Status::OK();
  };
  // Ends one document's line: counts it, and writes the buffer out once it passes 1 MiB.
  auto end_document = [&]() -> Status {
    buffer += '\n';
    ++written;
    bar.Update(written, written, 0, "exported");
    return buffer.size() > (1 << 20) ? write_out() : Status::OK();
  };
  if (options.format == "jsonl") {
    STRATA_RETURN_IF_ERROR(ForEachDocument(backend, options, [&](const Value& doc) {
      codec::AppendJson(doc, &buffer);
      return end_document();
    }));
    STRATA_RETURN_IF_ERROR(write_out());
    return written;
  }
  // CSV: the columns first (a pass over the documents unless they were given), _id first.
  std::vector<std::string> columns = options.fields;
  if (columns.empty()) {
    STRATA_RETURN_IF_ERROR(ForEachDocument(backend, options, [&](const Value& doc) {
      if (!doc.is_object()) return Status::OK();
      for (const auto& [name, v] : doc.as_object()) {
        if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
          columns.push_back(name);
        }
      }
      return Status::OK();
    }));
    if (auto id = std::find(columns.begin(), columns.end(), "_id"); id != columns.end()) {
      std::rotate(columns.begin(), id, id + 1);
    }
  }
  if (columns.empty()) return written;  // no documents: no header either
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) buffer += ',';
    buffer += CsvQuote(columns[i]);
  }
  buffer += '\n';
  STRATA_RETURN_IF_ERROR(ForEachDocument(backend, options, [&](const Value& doc) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) buffer += ',';
      const Value* v = doc.is_object() ? doc.Find(columns[i]) : nullptr;
      if (v != nullptr) buffer += CsvCell(*v);
    }
    return end_document();
  }));
  STRATA_RETURN_IF_ERROR(write_out());
  return written;
}

}  // namespace strata::tools
