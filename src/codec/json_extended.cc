// Helpers for JSON's extended forms: base64 for $binary and ISO-8601 for $date.
#include <string>

#include "codec/json_internal.h"

namespace strata::codec::json_internal {

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

constexpr int64_t kMillisPerDay = 86400000;

void AppendDigits(std::string* out, int64_t v, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; i--) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

// Reads exactly `width` digits at *s.
bool Digits(std::string_view* s, int width, int64_t* v) {
  if (s->size() < static_cast<size_t>(width)) return false;
  int64_t r = 0;
  for (int i = 0; i < width; i++) {
    char c = (*s)[static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    r = r * 10 + (c - '0');
  }
  s->remove_prefix(static_cast<size_t>(width));
  *v = r;
  return true;
}

bool Consume(std::string_view* s, char c) {
  if (s->empty() || s->front() != c) return false;
  s->remove_prefix(1);
  return true;
}

}  // namespace

void AppendBase64(std::string_view bytes, std::string* out) {
  size_t i = 0, n = bytes.size();
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= n; i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    char q[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63],
                 kBase64[v & 63]};
    out->append(q, 4);
  }
  if (n - i == 1) {
    uint32_t v = byte(i) << 16;
    char q[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], '=', '='};
    out->append(q, 4);
  } else if (n - i == 2) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
    char q[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63], '='};
    out->append(q, 4);
  }
}

bool DecodeBase64(std::string_view text, std::string* bytes) {
  if (text.size() % 4 == 0 && !text.empty()) {  // strip padding
    size_t pad = text.back() == '=' ? (text[text.size() - 2] == '=' ? 2 : 1) : 0;
    text.remove_suffix(pad);
  }
  if (text.size() % 4 == 1) return false;
  bytes->clear();
  bytes->reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = Base64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

bool FormatIsoDate(int64_t millis, std::string* out) {
  // Years 0000..9999 only: the range ISO-8601's four-digit years can say.
  if (millis < -62167219200000 || millis > 253402300799999) return false;
  int64_t days = millis >= 0 ? millis / kMillisPerDay : -((-millis - 1) / kMillisPerDay) - 1;
  int64_t ms = millis - days * kMillisPerDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  AppendDigits(out, y, 4);
  out->push_back('-');
  AppendDigits(out, m, 2);
  out->push_back('-');
  AppendDigits(out, d, 2);
  out->push_back('T');
  AppendDigits(out, ms / 3600000, 2);
  out->push_back(':');
  AppendDigits(out, ms / 60000 % 60, 2);
  out->push_back(':');
  AppendDigits(out, ms / 1000 % 60, 2);
  out->push_back('.');
  AppendDigits(out, ms % 1000, 3);
  out->push_back('Z');
  return true;
}

bool ParseIsoDate(std::string_view s, int64_t* millis) {
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, offset_minutes = 0;
  if (!Digits(&s, 4, &y) || !Consume(&s, '-') || !Digits(&s, 2, &mo) || !Consume(&s, '-') ||
      !Digits(&s, 2, &d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo))) return false;
  if (!s.empty()) {
    if (!Consume(&s, 'T') || !Digits(&s, 2, &h) || !Consume(&s, ':') || !Digits(&s, 2, &mi)) {
      return false;
    }
    if (Consume(&s, ':')) {
      if (!Digits(&s, 2, &sec)) return false;
      if (Consume(&s, '.')) {
        int n = 0;
        while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
          if (n < 3) ms = ms * 10 + (s.front() - '0');
          n++;
          s.remove_prefix(1);
        }
        if (n == 0) return false;
        for (; n < 3; n++) ms *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return false;
    if (Consume(&s, 'Z')) {
      // UTC
    } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      int sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
      int64_t oh, om = 0;
      if (!Digits(&s, 2, &oh)) return false;
      if (Consume(&s, ':')) {
        if (!Digits(&s, 2, &om)) return false;
      } else if (!s.empty() && !Digits(&s, 2, &om)) {
        return false;
      }
      if (oh > 23 || om > 59) return false;
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return false;  // a time without a zone would be local time: refused
    }
    if (!s.empty()) return false;
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  *millis = days * kMillisPerDay + ((h * 60 + mi - offset_minutes) * 60 + sec) * 1000 + ms;
  return true;
}

}  // namespace strata::codec::json_internal
