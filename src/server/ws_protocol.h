// The binary WebSocket protocol's codec (docs/PROTOCOL.md): frames in and out of a message, the
// request header, and each command's payload checked against its field table. No I/O, no
// database: the same code serves the server, the clients (bench, shell) and the fuzz target.
// Thread safety: free functions over caller-owned data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_keys.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::server::ws {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kLengthBytes = 4;     // u32 LE before every frame body
inline constexpr size_t kRequestHeader = 12;  // version..paging value
inline constexpr size_t kResponseHeader = 5;  // kind, message id

enum class Command : uint8_t {
  kAuth = 0x01,
  kPing = 0x02,
  kCancel = 0x03,
  kGet = 0x10,
  kInsert = 0x11,
  kInsertMany = 0x12,
  kUpdate = 0x13,
  kReplace = 0x14,
  kDelete = 0x15,
  kFind = 0x20,
  kCount = 0x21,
  kDistinct = 0x22,
  kAggregate = 0x23,
  kExplain = 0x24,
  kListCollections = 0x30,
  kCreateCollection = 0x31,
  kDropCollection = 0x32,
  kListIndexes = 0x33,
  kCreateIndex = 0x34,
  kDropIndex = 0x35,
  kTxnBegin = 0x40,
  kTxnCommit = 0x41,
  kTxnCancel = 0x42,
  kRangeRead = 0x50,
  kSubscribe = 0x60,
  kUnsubscribe = 0x61,
};

enum class Kind : uint8_t {
  kResult = 0x01,  // the one answer of a command that does not page: one document
  kPage = 0x02,    // a page of a paged read, more follow: u32 count + documents
  kLast = 0x03,    // the last page of a paged read (possibly empty)
  kError = 0x04,   // the command failed (or was cancelled): {code, message, ...}
  kEvent = 0x05,   // a change of a subscription: one document
};

enum class PagingMode : uint8_t { kNone = 0, kRecords = 1, kBytes = 2, kMillis = 3 };

struct Paging {
  PagingMode mode = PagingMode::kNone;
  uint32_t value = 0;  // 0 exactly when mode is kNone
};

// The role a command needs; kNone: allowed before AUTH (AUTH and PING).
enum class Need : uint8_t { kNone = 0, kRead = 1, kWrite = 2, kAdmin = 3 };

struct CommandInfo {
  Command command;
  std::string_view name;  // "FIND", also the metrics label
  Need need;
  bool paged;  // answers with PAGE/LAST frames and accepts a paging mode
};

// nullptr for a code that is not a command.
const CommandInfo* FindCommand(uint8_t code);
std::string_view CommandName(Command command);
const std::vector<CommandInfo>& AllCommands();

// One decoded request. `payload` is always an object ({} when the frame had none), checked
// against the command's field table: only known fields, each of its type, required ones present.
struct Request {
  Command command = Command::kPing;
  uint32_t id = 0;
  uint8_t flags = 0;
  Paging paging;
  Value payload;
  const CommandInfo* info = nullptr;
};

// A frame that could not be decoded: which one, where and why. `id` is the frame's message id
// when its header got that far, else 0.
struct DecodeError {
  size_t frame = 0;   // index of the frame in its message
  size_t offset = 0;  // byte offset of the frame's length prefix in the message
  uint32_t id = 0;
  Status status;  // InvalidArgument, or ResourceExhausted for oversized frames
};

// Splits a message into frame bodies. Fails (naming the first frame at fault) when the message
// is empty, a length prefix is cut short, a length is below the smallest body or above
// `max_frame`, or a body runs past the end; then no frame of the message is valid.
bool SplitFrames(std::string_view message, size_t max_frame, size_t min_body,
                 std::vector<std::string_view>* bodies, DecodeError* error);

// Decodes one request body (`frame` and `offset` only fill *error).
bool DecodeRequest(std::string_view body, size_t frame, size_t offset, Request* request,
                   DecodeError* error);

// The error frame's payload for a decode error: {code, message, frame, offset}.
Value DecodeErrorPayload(const DecodeError& error);
// The payload of an error frame for a failed command: {code, message}.
Value ErrorPayload(const Status& status);
// An error frame whose code is not a Status code ("cancelled", "overflow").
Value ErrorPayload(std::string_view code, std::string_view message);

// Encoding, for the server and for clients. Append* add one whole frame (length prefix first).
void AppendRequest(std::string* out, Command command, uint32_t id, const Value& payload,
                   Paging paging = {}, uint8_t flags = 0);
void AppendResponse(std::string* out, Kind kind, uint32_t id, const Value& payload);
// A frame built in place: BeginFrame writes the length prefix (patched by EndFrame) and the
// response header; the caller appends the payload in between.
size_t BeginFrame(std::string* out, Kind kind, uint32_t id);
void EndFrame(std::string* out, size_t start);

// Client side: one decoded response frame. Result, error and event frames fill `payload`; page
// frames fill `items`.
struct Response {
  Kind kind = Kind::kResult;
  uint32_t id = 0;
  Value payload;
  std::vector<Value> items;
};
// Decodes every frame of a server message, strictly (trailing bytes, unknown kinds and bad
// documents are errors).
Status DecodeResponses(std::string_view message, std::vector<Response>* out);

}  // namespace strata::server::ws
