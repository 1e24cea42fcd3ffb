#include "server/http_status.h"

#include "codec/json.h"
#include "strata/value.h"

namespace strata::server {

int HttpStatusFor(const Status& status) {
  using Code = Status::Code;
  switch (status.code()) {
    case Code::kOk:
      return 200;
    case Code::kNotFound:
      return 404;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotSupported:  // a feature the request asks for that Strata lacks: the client's to
                               // change
      return 400;
    case Code::kAlreadyExists:
    case Code::kConflict:
      return 409;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kResourceExhausted:
      return 413;
    case Code::kBusy:
    case Code::kNoSpace:
      return 503;
    case Code::kTimedOut:
      return 408;
    case Code::kAborted:
      return 409;
    case Code::kCorruption:
    case Code::kIOError:
      return 500;
  }
  return 500;
}

std::string ErrorCodeFor(const Status& status) {
  using Code = Status::Code;
  switch (status.code()) {
    case Code::kOk:
      return "ok";
    case Code::kNotFound:
      return "not_found";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotSupported:
      return "not_supported";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kConflict:
      return "conflict";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kResourceExhausted:
      return "too_large";
    case Code::kBusy:
      return "busy";
    case Code::kNoSpace:
      return "no_space";
    case Code::kTimedOut:
      return "timed_out";
    case Code::kAborted:
      return "aborted";
    case Code::kCorruption:
      return "corruption";
    case Code::kIOError:
      return "io_error";
  }
  return "internal";
}

HttpResponse ErrorResponse(const Status& status) {
  HttpResponse response;
  response.status = HttpStatusFor(status);
  Object error;
  error.emplace_back("code", Value(ErrorCodeFor(status)));
  error.emplace_back("message", Value(status.message()));
  Object body;
  body.emplace_back("error", Value(std::move(error)));
  response.body = codec::ToJson(Value(std::move(body)));
  return response;
}

}  // namespace strata::server
