// $unwind and $lookup (equality form, resolved through PipelineOptions::lookup).
#include <string>
#include <utility>
#include <vector>

#include "aggregate/stage.h"
#include "aggregate/value_ops.h"

namespace strata::aggregate {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

Status CheckPath(const std::string& path, const char* what) {
  for (const std::string& part : SplitPath(path)) {
    if (part.empty() || part[0] == '$') {
      return Status::InvalidArgument(std::string(what) + " '" + path + "' is not a valid path");
    }
  }
  return Status::OK();
}

// The value at a dotted path through objects only (no array traversal), or nullptr.
Value* FindObjectPath(Value* doc, const std::vector<std::string>& parts) {
  Value* v = doc;
  for (const std::string& part : parts) {
    if (!v->is_object()) return nullptr;
    v = v->Find(part);
    if (v == nullptr) return nullptr;
  }
  return v;
}

// Sets a dotted path, creating (or replacing non-objects by) objects along the way.
void SetObjectPath(Value* doc, const std::vector<std::string>& parts, Value value) {
  Value* v = doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Value* next = v->Find(parts[i]);
    if (next == nullptr || !next->is_object()) next = &v->Set(parts[i], Value(Object()));
    v = next;
  }
  v->Set(parts.back(), std::move(value));
}

void EraseObjectPath(Value* doc, const std::vector<std::string>& parts) {
  Value* v = doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    v = v->Find(parts[i]);
    if (v == nullptr || !v->is_object()) return;
  }
  v->Erase(parts.back());
}

// ---- $unwind ----

struct UnwindSpec {
  std::vector<std::string> path;
  std::vector<std::string> index_field;  // empty: none
  bool preserve = false;
};

class UnwindSource final : public DocumentSource {
 public:
  UnwindSource(std::unique_ptr<DocumentSource> input, const UnwindSpec* spec,
               const StageContext& ctx)
      : input_(std::move(input)), spec_(spec), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override {
    while (true) {
      if (next_ < items_.size()) {
        *doc = doc_;
        if (!spec_->index_field.empty()) {
          SetObjectPath(doc, spec_->index_field, Value(static_cast<int64_t>(next_)));
        }
        SetObjectPath(doc, spec_->path, std::move(items_[next_++]));
        return true;
      }
      Result<bool> r = input_->Next(doc);
      if (!r.ok() || !*r) return r;
      Value* v = doc->is_object() ? FindObjectPath(doc, spec_->path) : nullptr;
      if (v != nullptr && v->is_array() && !v->as_array().empty()) {
        items_ = std::move(v->as_array());
        next_ = 0;
        doc_ = std::move(*doc);
        continue;
      }
      bool empty = v == nullptr || v->is_null() || v->is_array();
      if (empty && !spec_->preserve) continue;
      if (v != nullptr && v->is_array()) EraseObjectPath(doc, spec_->path);  // empty array
      if (!spec_->index_field.empty()) SetObjectPath(doc, spec_->index_field, Value());
      return true;  // a scalar unwinds to itself; preserved null/missing/[] pass through
    }
  }

 private:
  std::unique_ptr<DocumentSource> input_;
  const UnwindSpec* spec_;
  StageContext ctx_;
  Value doc_;
  Array items_;
  size_t next_ = 0;
};

class UnwindStage final : public Stage {
 public:
  explicit UnwindStage(UnwindSpec spec) : spec_(std::move(spec)) {}
  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    return std::unique_ptr<DocumentSource>(new UnwindSource(std::move(input), &spec_, ctx));
  }

 private:
  UnwindSpec spec_;
};

// ---- $lookup ----

struct LookupSpec {
  std::string from;
  std::vector<std::string> local;
  std::string foreign;
  std::vector<std::string> as;
};

// The local values to match: every value the path reaches, arrays traversed and expanded.
void CollectLocal(const Value& v, const std::vector<std::string>& parts, size_t i,
                  std::vector<Value>* out) {
  if (i == parts.size()) {
    if (v.is_array()) {
      for (const Value& item : v.as_array()) out->push_back(item);
    } else {
      out->push_back(v);
    }
    return;
  }
  if (v.is_object()) {
    if (const Value* next = v.Find(parts[i])) CollectLocal(*next, parts, i + 1, out);
  } else if (v.is_array()) {
    for (const Value& item : v.as_array()) {
      if (item.is_object()) CollectLocal(item, parts, i, out);
    }
  }
}

class LookupSource final : public DocumentSource {
 public:
  LookupSource(std::unique_ptr<DocumentSource> input, const LookupSpec* spec,
               const StageContext& ctx)
      : input_(std::move(input)), spec_(spec), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override {
    Result<bool> r = input_->Next(doc);
    if (!r.ok() || !*r) return r;
    if (!doc->is_object()) return ctx_.Wrap(Status::InvalidArgument("input is not a document"));
    std::vector<Value> values;
    CollectLocal(*doc, spec_->local, 0, &values);
    if (values.empty()) values.emplace_back();  // a missing local field matches null
    Result<std::vector<Value>> found = ctx_.options->lookup(spec_->from, spec_->foreign, values);
    if (!found.ok()) return ctx_.Wrap(found.status());
    SetObjectPath(doc, spec_->as, Value(std::move(found).value()));
    return true;
  }

 private:
  std::unique_ptr<DocumentSource> input_;
  const LookupSpec* spec_;
  StageContext ctx_;
};

class LookupStage final : public Stage {
 public:
  explicit LookupStage(LookupSpec spec) : spec_(std::move(spec)) {}
  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    if (!ctx.options->lookup) {
      return ctx.Wrap(Status::InvalidArgument("no lookup resolver was given"));
    }
    return std::unique_ptr<DocumentSource>(new LookupSource(std::move(input), &spec_, ctx));
  }

 private:
  LookupSpec spec_;
};

}  // namespace

Result<StagePtr> ParseUnwindStage(const Value& spec) {
  UnwindSpec out;
  const Value* path = &spec;
  if (spec.is_object()) {
    path = spec.Find("path");
    if (path == nullptr) return Status::InvalidArgument("requires a 'path'");
    for (const auto& [name, value] : spec.as_object()) {
      if (name == "path") continue;
      if (name == "includeArrayIndex") {
        if (!value.is_string() || value.as_string().empty()) {
          return Status::InvalidArgument("'includeArrayIndex' must be a non-empty string");
        }
        STRATA_RETURN_IF_ERROR(CheckPath(value.as_string(), "includeArrayIndex"));
        out.index_field = SplitPath(value.as_string());
      } else if (name == "preserveNullAndEmptyArrays") {
        if (!value.is_bool()) {
          return Status::InvalidArgument("'preserveNullAndEmptyArrays' must be a boolean");
        }
        out.preserve = value.as_bool();
      } else {
        return Status::InvalidArgument("unknown option '" + name + "'");
      }
    }
  }
  if (!path->is_string() || path->as_string().size() < 2 || path->as_string()[0] != '$') {
    return Status::InvalidArgument("the path must be a string starting with '$'");
  }
  std::string p = path->as_string().substr(1);
  STRATA_RETURN_IF_ERROR(CheckPath(p, "path"));
  out.path = SplitPath(p);
  return StagePtr(new UnwindStage(std::move(out)));
}

Result<StagePtr> ParseLookupStage(const Value& spec) {
  if (!spec.is_object()) return Status::InvalidArgument("the specification must be an object");
  LookupSpec out;
  std::string local, as;
  for (const auto& [name, value] : spec.as_object()) {
    if (name == "pipeline" || name == "let") {
      return Status::NotSupported("'" + name +
                                  "' is not supported; use localField and foreignField");
    }
    if (name != "from" && name != "localField" && name != "foreignField" && name != "as") {
      return Status::InvalidArgument("unknown option '" + name + "'");
    }
    if (!value.is_string() || value.as_string().empty()) {
      return Status::InvalidArgument("'" + name + "' must be a non-empty string");
    }
    if (name == "from") out.from = value.as_string();
    if (name == "localField") local = value.as_string();
    if (name == "foreignField") out.foreign = value.as_string();
    if (name == "as") as = value.as_string();
  }
  if (out.from.empty() || local.empty() || out.foreign.empty() || as.empty()) {
    return Status::InvalidArgument("requires 'from', 'localField', 'foreignField' and 'as'");
  }
  STRATA_RETURN_IF_ERROR(CheckPath(local, "localField"));
  STRATA_RETURN_IF_ERROR(CheckPath(out.foreign, "foreignField"));
  STRATA_RETURN_IF_ERROR(CheckPath(as, "as"));
  out.local = SplitPath(local);
  out.as = SplitPath(as);
  return StagePtr(new LookupStage(std::move(out)));
}

}  // namespace strata::aggregate
