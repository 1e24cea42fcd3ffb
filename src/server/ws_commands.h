// The commands of the binary WebSocket protocol, apart from the connection that schedules them
// (ws_connection.cc). Quick commands give one result document; paged reads give an ItemSource
// that the connection's worker drains page by page. Internal to src/server.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "server/api_keys.h"
#include "server/ws_protocol.h"
#include "strata/db.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::server {
class Service;
}

namespace strata::server::ws {

struct CommandContext {
  Service* service;
  const ApiKeyInfo* principal;  // never null here: AUTH and PING are the connection's own
  // Collections this connection saw existing, so that writes skip the existence check (a write
  // to a missing collection creates it, and a failed one must then drop it again).
  std::set<std::string, std::less<>>* known_collections;
};

// Runs a command that answers with one RESULT frame (everything but the paged reads, AUTH,
// PING, CANCEL, SUBSCRIBE, UNSUBSCRIBE, and GET outside a transaction: AppendGetResult).
Result<Value> RunQuick(const CommandContext& ctx, const Request& request);

// A GET outside a transaction, answered with the stored document's bytes as the RESULT frame's
// payload (the protocol's payload format is the storage format): no Value is built, decoded or
// encoded again. Appends the frame to *out; on error appends nothing and returns why.
Status AppendGetResult(const CommandContext& ctx, const Request& request, std::string* out);

// The items of a paged read, one at a time, encoded as binary documents.
class ItemSource {
 public:
  virtual ~ItemSource() = default;
  // Appends the next item's document to *out; false at the end.
  virtual Result<bool> Next(std::string* out) = 0;
};

// Starts a paged read. The cheap part (checking the request, opening a cursor on a snapshot)
// happens here, on the I/O thread, so a read sees the writes sent before it; the rest happens in
// Next on the worker.
Result<std::unique_ptr<ItemSource>> OpenSource(const CommandContext& ctx, const Request& request);

// FindOptions from a FIND or EXPLAIN payload (projection, sort, skip, limit).
FindOptions FindOptionsFromPayload(const Value& payload);

// Transactions begun by a connection, which it cancels when it closes.
void CancelTxn(Service* service, const std::string& id, const std::string& owner);

}  // namespace strata::server::ws
