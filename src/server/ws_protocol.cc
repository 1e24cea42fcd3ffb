#include "server/ws_protocol.h"

#include <array>
#include <cstring>

#include "base/coding.h"
#include "codec/document.h"
#include "server/http_status.h"

namespace strata::server::ws {
namespace {

enum class FieldType : uint8_t {
  kName,  // non-empty string
  kObject,
  kObjectArray,  // array whose elements are objects
  kBool,
  kCount,      // int >= 0
  kMessageId,  // int in [0, 2^32)
  kBinary,
  kId,  // any value a document may hold as _id
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required = false;
};

struct Spec {
  CommandInfo info;
  std::vector<FieldSpec> fields;
};

constexpr bool kReq = true;

const std::vector<Spec>& Specs() {
  using C = Command;
  using F = FieldType;
  static const auto* specs = new std::vector<Spec>{
      {{C::kAuth, "AUTH", Need::kNone, false}, {{"key", F::kName, kReq}}},
      {{C::kPing, "PING", Need::kNone, false}, {}},
      {{C::kCancel, "CANCEL", Need::kRead, false}, {{"id", F::kMessageId, kReq}}},
      {{C::kGet, "GET", Need::kRead, false},
       {{"collection", F::kName, kReq}, {"id", F::kId, kReq}, {"txn", F::kName}}},
      {{C::kInsert, "INSERT", Need::kWrite, false},
       {{"collection", F::kName, kReq}, {"doc", F::kObject, kReq}, {"txn", F::kName}}},
      {{C::kInsertMany, "INSERT_MANY", Need::kWrite, false},
       {{"collection", F::kName, kReq}, {"docs", F::kObjectArray, kReq}}},
      {{C::kUpdate, "UPDATE", Need::kWrite, false},
       {{"collection", F::kName, kReq},
        {"filter", F::kObject, kReq},
        {"update", F::kObject, kReq},
        {"many", F::kBool},
        {"upsert", F::kBool},
        {"txn", F::kName}}},
      {{C::kReplace, "REPLACE", Need::kWrite, false},
       {{"collection", F::kName, kReq},
        {"filter", F::kObject, kReq},
        {"doc", F::kObject, kReq},
        {"upsert", F::kBool}}},
      {{C::kDelete, "DELETE", Need::kWrite, false},
       {{"collection", F::kName, kReq},
        {"filter", F::kObject, kReq},
        {"many", F::kBool},
        {"txn", F::kName}}},
      {{C::kFind, "FIND", Need::kRead, true},
       {{"collection", F::kName, kReq},
        {"filter", F::kObject},
        {"projection", F::kObject},
        {"sort", F::kObject},
        {"skip", F::kCount},
        {"limit", F::kCount},
        {"txn", F::kName}}},
      {{C::kCount, "COUNT", Need::kRead, false},
       {{"collection", F::kName, kReq}, {"filter", F::kObject}}},
      {{C::kDistinct, "DISTINCT", Need::kRead, false},
       {{"collection", F::kName, kReq}, {"path", F::kName, kReq}, {"filter", F::kObject}}},
      {{C::kAggregate, "AGGREGATE", Need::kRead, true},
       {{"collection", F::kName, kReq}, {"pipeline", F::kObjectArray, kReq}}},
      {{C::kExplain, "EXPLAIN", Need::kRead, false},
       {{"collection", F::kName, kReq},
        {"filter", F::kObject},
        {"projection", F::kObject},
        {"sort", F::kObject},
        {"skip", F::kCount},
        {"limit", F::kCount}}},
      {{C::kListCollections, "LIST_COLLECTIONS", Need::kRead, true}, {}},
      {{C::kCreateCollection, "CREATE_COLLECTION", Need::kAdmin, false},
       {{"name", F::kName, kReq},
        {"id_strategy", F::kName},
        {"timestamps", F::kBool},
        {"schema", F::kObjectArray}}},
      {{C::kDropCollection, "DROP_COLLECTION", Need::kAdmin, false}, {{"name", F::kName, kReq}}},
      {{C::kListIndexes, "LIST_INDEXES", Need::kRead, true}, {{"collection", F::kName, kReq}}},
      {{C::kCreateIndex, "CREATE_INDEX", Need::kAdmin, false},
       {{"collection", F::kName, kReq},
        {"fields", F::kObject, kReq},
        {"name", F::kName},
        {"unique", F::kBool},
        {"sparse", F::kBool},
        {"kind", F::kName}}},
      {{C::kDropIndex, "DROP_INDEX", Need::kAdmin, false},
       {{"collection", F::kName, kReq}, {"name", F::kName, kReq}}},
      {{C::kTxnBegin, "TXN_BEGIN", Need::kRead, false}, {}},
      {{C::kTxnCommit, "TXN_COMMIT", Need::kRead, false}, {{"txn", F::kName, kReq}}},
      {{C::kTxnCancel, "TXN_CANCEL", Need::kRead, false}, {{"txn", F::kName, kReq}}},
      {{C::kRangeRead, "RANGE_READ", Need::kAdmin, true},
       {{"start", F::kBinary, kReq}, {"end", F::kBinary}, {"limit", F::kCount}}},
      {{C::kSubscribe, "SUBSCRIBE", Need::kRead, false},
       {{"collection", F::kName},
        {"filter", F::kObject},
        {"start", F::kBinary},
        {"end", F::kBinary}}},
      {{C::kUnsubscribe, "UNSUBSCRIBE", Need::kRead, false}, {{"id", F::kMessageId, kReq}}},
  };
  return *specs;
}

// Command code -> index in Specs(), -1 when unknown.
const std::array<int16_t, 256>& SpecIndex() {
  static const auto* index = [] {
    auto* t = new std::array<int16_t, 256>();
    t->fill(-1);
    for (size_t i = 0; i < Specs().size(); ++i) {
      (*t)[static_cast<uint8_t>(Specs()[i].info.command)] = static_cast<int16_t>(i);
    }
    return t;
  }();
  return *index;
}

std::string_view TypeWord(FieldType type) {
  switch (type) {
    case FieldType::kName:
      return "a non-empty string";
    case FieldType::kObject:
      return "an object";
    case FieldType::kObjectArray:
      return "an array of objects";
    case FieldType::kBool:
      return "a bool";
    case FieldType::kCount:
      return "an int >= 0";
    case FieldType::kMessageId:
      return "an int in [0, 4294967295]";
    case FieldType::kBinary:
      return "binary";
    case FieldType::kId:
      return "a value";
  }
  return "?";
}

bool FieldFits(const Value& v, FieldType type) {
  switch (type) {
    case FieldType::kName:
      return v.is_string() && !v.as_string().empty();
    case FieldType::kObject:
      return v.is_object();
    case FieldType::kObjectArray:
      if (!v.is_array()) return false;
      for (const Value& e : v.as_array()) {
        if (!e.is_object()) return false;
      }
      return true;
    case FieldType::kBool:
      return v.is_bool();
    case FieldType::kCount:
      return v.is_int() && v.as_int() >= 0;
    case FieldType::kMessageId:
      return v.is_int() && v.as_int() >= 0 && v.as_int() <= 0xffffffffLL;
    case FieldType::kBinary:
      return v.is_binary();
    case FieldType::kId:
      return !v.is_min_key() && !v.is_max_key();
  }
  return false;
}

Status CheckFields(const Spec& spec, const Value& payload) {
  const std::string name(spec.info.name);
  for (const Field& f : payload.as_object()) {
    const FieldSpec* fs = nullptr;
    for (const FieldSpec& s : spec.fields) {
      if (s.name == f.first) fs = &s;
    }
    if (fs == nullptr) {
      return Status::InvalidArgument("payload: unknown field '" + f.first + "' for " + name);
    }
    if (!FieldFits(f.second, fs->type)) {
      return Status::InvalidArgument("payload: field '" + f.first + "' of " + name + " must be " +
                                     std::string(TypeWord(fs->type)));
    }
  }
  // Repeated names would make "the" value ambiguous.
  const Object& fields = payload.as_object();
  for (size_t i = 0; i < fields.size(); ++i) {
    for (size_t j = i + 1; j < fields.size(); ++j) {
      if (fields[i].first == fields[j].first) {
        return Status::InvalidArgument("payload: field '" + fields[i].first + "' repeated");
      }
    }
  }
  for (const FieldSpec& s : spec.fields) {
    if (s.required && payload.Find(s.name) == nullptr) {
      return Status::InvalidArgument("payload: " + name + " needs field '" + std::string(s.name) +
                                     "'");
    }
  }
  if (spec.info.command == Command::kSubscribe) {
    bool coll = payload.Find("collection") != nullptr;
    bool range = payload.Find("start") != nullptr;
    if (coll == range) {
      return Status::InvalidArgument(
          "payload: SUBSCRIBE needs either 'collection' (with an optional 'filter') or 'start' "
          "(with an optional 'end')");
    }
    if (range && payload.Find("filter") != nullptr) {
      return Status::InvalidArgument("payload: a key-range SUBSCRIBE takes no 'filter'");
    }
    if (coll && payload.Find("end") != nullptr) {
      return Status::InvalidArgument("payload: a collection SUBSCRIBE takes no 'end'");
    }
  }
  return Status::OK();
}

std::string Hex(uint8_t b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 15];
}

std::string Where(size_t frame, size_t offset) {
  return "frame " + std::to_string(frame) + " at byte " + std::to_string(offset) + ": ";
}

bool Fail(DecodeError* error, size_t frame, size_t offset, uint32_t id, Status status) {
  error->frame = frame;
  error->offset = offset;
  error->id = id;
  error->status = Status(status.code(), Where(frame, offset) + status.message());
  return false;
}

}  // namespace

const std::vector<CommandInfo>& AllCommands() {
  static const auto* all = [] {
    auto* v = new std::vector<CommandInfo>();
    for (const Spec& s : Specs()) v->push_back(s.info);
    return v;
  }();
  return *all;
}

const CommandInfo* FindCommand(uint8_t code) {
  int16_t i = SpecIndex()[code];
  return i < 0 ? nullptr : &Specs()[i].info;
}

std::string_view CommandName(Command command) {
  const CommandInfo* info = FindCommand(static_cast<uint8_t>(command));
  return info == nullptr ? "UNKNOWN" : info->name;
}

bool SplitFrames(std::string_view message, size_t max_frame, size_t min_body,
                 std::vector<std::string_view>* bodies, DecodeError* error) {
  bodies->clear();
  if (message.empty()) {
    return Fail(error, 0, 0, 0, Status::InvalidArgument("empty message (no frame)"));
  }
  size_t pos = 0;
  size_t frame = 0;
  while (pos < message.size()) {
    size_t left = message.size() - pos;
    if (left < kLengthBytes) {
      return Fail(error, frame, pos, 0,
                  Status::InvalidArgument("length prefix cut short: " + std::to_string(left) +
                                          " of 4 bytes"));
    }
    uint32_t len = DecodeFixed32(message.data() + pos);
    if (len > max_frame) {
      return Fail(
          error, frame, pos, 0,
          Status::ResourceExhausted("frame of " + std::to_string(len) +
                                    " bytes exceeds the limit of " + std::to_string(max_frame)));
    }
    if (len < min_body) {
      return Fail(
          error, frame, pos, 0,
          Status::InvalidArgument("frame length " + std::to_string(len) +
                                  " is below the header's " + std::to_string(min_body) + " bytes"));
    }
    if (len > left - kLengthBytes) {
      return Fail(error, frame, pos, 0,
                  Status::InvalidArgument("frame length " + std::to_string(len) + " runs past " +
                                          "the end of the message (" +
                                          std::to_string(left - kLengthBytes) + " bytes left)"));
    }
    bodies->push_back(message.substr(pos + kLengthBytes, len));
    pos += kLengthBytes + len;
    ++frame;
  }
  return true;
}

bool DecodeRequest(std::string_view body, size_t frame, size_t offset, Request* request,
                   DecodeError* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  if (body.size() < kRequestHeader) {
    return Fail(error, frame, offset, 0,
                Status::InvalidArgument("request header cut short: " + std::to_string(body.size()) +
                                        " of 12 bytes"));
  }
  uint32_t id = DecodeFixed32(body.data() + 2);
  if (p[0] != kVersion) {
    return Fail(error, frame, offset, id,
                Status::InvalidArgument("unknown protocol version " + std::to_string(p[0]) +
                                        " (this server speaks 1)"));
  }
  int16_t index = SpecIndex()[p[1]];
  if (index < 0) {
    return Fail(error, frame, offset, id, Status::InvalidArgument("unknown command " + Hex(p[1])));
  }
  const Spec& spec = Specs()[index];
  if (p[6] != 0) {
    return Fail(error, frame, offset, id,
                Status::InvalidArgument("reserved flags set: " + Hex(p[6])));
  }
  uint8_t mode = p[7];
  uint32_t value = DecodeFixed32(body.data() + 8);
  if (mode > static_cast<uint8_t>(PagingMode::kMillis)) {
    return Fail(error, frame, offset, id,
                Status::InvalidArgument("unknown paging mode " + std::to_string(mode)));
  }
  if (mode == 0 && value != 0) {
    return Fail(error, frame, offset, id,
                Status::InvalidArgument("paging mode 0 (none) needs value 0, not " +
                                        std::to_string(value)));
  }
  if (mode != 0 && value == 0) {
    return Fail(
        error, frame, offset, id,
        Status::InvalidArgument("paging mode " + std::to_string(mode) + " needs a value above 0"));
  }
  if (mode != 0 && !spec.info.paged) {
    return Fail(error, frame, offset, id,
                Status::InvalidArgument(std::string(spec.info.name) + " does not page"));
  }
  Value payload{Object{}};
  std::string_view doc = body.substr(kRequestHeader);
  if (!doc.empty()) {
    Status s = codec::DecodeDocument(Slice(doc.data(), doc.size()), &payload);
    if (!s.ok()) {
      return Fail(error, frame, offset, id,
                  Status::InvalidArgument("payload (at byte " +
                                          std::to_string(offset + kLengthBytes + kRequestHeader) +
                                          "): " + s.message()));
    }
  }
  Status s = CheckFields(spec, payload);
  if (!s.ok()) return Fail(error, frame, offset, id, s);
  request->command = spec.info.command;
  request->id = id;
  request->flags = p[6];
  request->paging = Paging{static_cast<PagingMode>(mode), value};
  request->payload = std::move(payload);
  request->info = &spec.info;
  return true;
}

Value DecodeErrorPayload(const DecodeError& error) {
  Value v = ErrorPayload(error.status);
  v.Set("frame", static_cast<int64_t>(error.frame));
  v.Set("offset", static_cast<int64_t>(error.offset));
  return v;
}

Value ErrorPayload(const Status& status) {
  return ErrorPayload(ErrorCodeFor(status), status.message());
}

Value ErrorPayload(std::string_view code, std::string_view message) {
  return Value::MakeObject({{"code", Value(code)}, {"message", Value(message)}});
}

size_t BeginFrame(std::string* out, Kind kind, uint32_t id) {
  size_t start = out->size();
  char header[kLengthBytes + kResponseHeader];
  EncodeFixed32(header, 0);
  header[4] = static_cast<char>(kind);
  EncodeFixed32(header + 5, id);
  out->append(header, sizeof(header));
  return start;
}

void EndFrame(std::string* out, size_t start) {
  EncodeFixed32(out->data() + start, static_cast<uint32_t>(out->size() - start - kLengthBytes));
}

void AppendResponse(std::string* out, Kind kind, uint32_t id, const Value& payload) {
  size_t start = BeginFrame(out, kind, id);
  Status s = codec::EncodeDocument(payload, out);
  if (!s.ok()) {
    // Only a value the document format cannot hold gets here; answer with that instead.
    out->resize(start);
    start = BeginFrame(out, Kind::kError, id);
    (void)codec::EncodeDocument(ErrorPayload(s), out);
  }
  EndFrame(out, start);
}

void AppendRequest(std::string* out, Command command, uint32_t id, const Value& payload,
                   Paging paging, uint8_t flags) {
  size_t start = out->size();
  char header[kLengthBytes + kRequestHeader];
  EncodeFixed32(header, 0);
  header[4] = static_cast<char>(kVersion);
  header[5] = static_cast<char>(command);
  EncodeFixed32(header + 6, id);
  header[10] = static_cast<char>(flags);
  header[11] = static_cast<char>(paging.mode);
  EncodeFixed32(header + 12, paging.value);
  out->append(header, sizeof(header));
  if (payload.is_object() && !payload.as_object().empty()) {
    (void)codec::EncodeDocument(payload, out);
  }
  EndFrame(out, start);
}

Status DecodeResponses(std::string_view message, std::vector<Response>* out) {
  std::vector<std::string_view> bodies;
  DecodeError error;
  if (!SplitFrames(message, UINT32_MAX, kResponseHeader, &bodies, &error)) return error.status;
  for (std::string_view body : bodies) {
    Response r;
    uint8_t kind = static_cast<uint8_t>(body[0]);
    if (kind < 1 || kind > 5) return Status::InvalidArgument("unknown frame kind " + Hex(kind));
    r.kind = static_cast<Kind>(kind);
    r.id = DecodeFixed32(body.data() + 1);
    std::string_view rest = body.substr(kResponseHeader);
    if (r.kind == Kind::kPage || r.kind == Kind::kLast) {
      if (rest.size() < 4) return Status::InvalidArgument("page without its count");
      uint32_t count = DecodeFixed32(rest.data());
      rest.remove_prefix(4);
      for (uint32_t i = 0; i < count; ++i) {
        // Each item is a whole document: version byte, then a container whose fixed32 length
        // says how far it reaches.
        if (rest.size() < 5) return Status::InvalidArgument("page item cut short");
        size_t size = 5 + static_cast<size_t>(DecodeFixed32(rest.data() + 1));
        if (size > rest.size()) return Status::InvalidArgument("page item runs past the frame");
        Value item;
        STRATA_RETURN_IF_ERROR(codec::DecodeDocument(Slice(rest.data(), size), &item));
        r.items.push_back(std::move(item));
        rest.remove_prefix(size);
      }
      if (!rest.empty()) return Status::InvalidArgument("bytes after the page's items");
    } else {
      STRATA_RETURN_IF_ERROR(codec::DecodeDocument(Slice(rest.data(), rest.size()), &r.payload));
    }
    out->push_back(std::move(r));
  }
  return Status::OK();
}

}  // namespace strata::server::ws
