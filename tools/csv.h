// CSV as RFC 4180 describes it, for strata import and export: fields separated by commas,
// records by CRLF or LF; a field in double quotes may hold commas, CR/LF and doubled quotes.
// The reader reports a malformed record with its line number and resumes at the next line.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"
#include "strata/value.h"

namespace strata::tools {

struct CsvField {
  std::string text;
  bool quoted = false;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(*in.rdbuf()) {}

  // The next record: true and *fields filled, false at the end of input, or InvalidArgument
  // for a malformed record (the reader then continues after it). *line is where the record
  // starts (1-based). Blank lines are skipped.
  Result<bool> Next(std::vector<CsvField>* fields, uint64_t* line);
  uint64_t bytes_read() const { return bytes_; }

 private:
  int Get();
  int Peek();
  void SkipRestOfLine();
  Status Fail(uint64_t line, std::string what);

  std::streambuf& in_;
  std::string carry_;  // bytes read ahead while looking for a byte order mark
  size_t carry_pos_ = 0;
  uint64_t line_ = 1;  // the line the next character is on
  uint64_t bytes_ = 0;
  bool started_ = false;
};

// A CSV cell as a typed value. Unquoted: empty -> nothing (*present = false), integers, doubles,
// true, false and null become those types, other text a string. Quoted: a string, except text
// that starts with '{' or '[' and parses as (extended) JSON, which becomes that value (this is
// how export writes nested values, dates and binary).
Value CsvValue(const CsvField& field, bool* present);

// One cell of a row for `value` such that CsvValue reads it back as the same value.
std::string CsvCell(const Value& value);
// Quotes `text` when it needs it (comma, quote, CR, LF, or `force`).
std::string CsvQuote(std::string_view text, bool force = false);

}  // namespace strata::tools
