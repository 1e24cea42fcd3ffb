// Table layout: measure every cell first (in characters, not bytes), then pad.
#include "shell_format.h"

#include <algorithm>

#include "codec/json.h"

namespace strata::tools {

namespace {

bool Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t Width(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !Continuation(c); }));
}

std::string Line(const std::vector<size_t>& widths) {
  std::string s = "+";
  for (size_t w : widths) s += std::string(w + 2, '-') + "+";
  return s + "\n";
}

std::string Row(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string s = "|";
  for (size_t i = 0; i < cells.size(); ++i) {
    s += " " + cells[i] + std::string(widths[i] - Width(cells[i]), ' ') + " |";
  }
  return s + "\n";
}

}  // namespace

std::string FormatCell(const Value* value, size_t max_width) {
  if (value == nullptr) return "";
  std::string text = value->is_string() ? value->as_string() : codec::ToJson(*value);
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (Width(text) <= max_width || max_width < 2) return text;
  size_t chars = 0, i = 0;
  for (; i < text.size(); ++i) {
    if (!Continuation(text[i]) && ++chars == max_width) break;  // room for the ellipsis
  }
  return text.substr(0, i) + "\u2026";
}

std::string FormatTable(const std::vector<Value>& docs, size_t max_width) {
  if (docs.empty()) return "(no documents)\n";
  std::vector<std::string> columns;
  bool scalar_rows = false;
  for (const Value& doc : docs) {
    if (!doc.is_object()) {
      scalar_rows = true;
      continue;
    }
    for (const auto& [name, v] : doc.as_object()) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
        columns.push_back(name);
      }
    }
  }
  if (auto id = std::find(columns.begin(), columns.end(), "_id"); id != columns.end()) {
    std::rotate(columns.begin(), id, id + 1);
  }
  if (scalar_rows) columns.push_back("value");
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> widths;
  for (const std::string& c : columns) widths.push_back(Width(c));
  for (const Value& doc : docs) {
    std::vector<std::string> row;
    for (const std::string& c : columns) {
      const Value* v = nullptr;
      if (doc.is_object()) {
        v = doc.Find(c);
      } else if (c == "value" && scalar_rows) {
        v = &doc;
      }
      row.push_back(FormatCell(v, max_width));
    }
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
    rows.push_back(std::move(row));
  }
  std::string out = Line(widths) + Row(columns, widths) + Line(widths);
  for (const auto& row : rows) out += Row(row, widths);
  out += Line(widths);
  return out;
}

std::string FormatJson(const std::vector<Value>& docs) {
  std::string out;
  for (const Value& doc : docs) {
    codec::AppendJson(doc, &out, codec::JsonWriteOptions{.pretty = true});
    out += '\n';
  }
  return out;
}

}  // namespace strata::tools
