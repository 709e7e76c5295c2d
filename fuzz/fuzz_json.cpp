// libFuzzer target: the in-place JSON reader (common/json_reader.h) against RapidJSON's, on arbitrary
// bytes. They must accept exactly the same texts, and on those send the same events (same strings at the
// same places, same number kinds, same counts) and stop at the same byte; and both must stop at the same
// event when the handler says stop there. Any difference aborts.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../tests/unit/json_events.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 16)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto fast = smeltsec::test::read_fast(text);
  const auto reference = smeltsec::test::read_rapidjson(text);
  require(fast.ok == reference.ok);
  if (!reference.ok) return 0;
  require(fast.end == reference.end && fast.events == reference.events);
  // Stop at one of its events, chosen by the input.
  std::size_t events = 0;
  for (char c : reference.events) events += c == '\x1F';
  const std::size_t stop = size % (events + 1);
  const auto fast_stopped = smeltsec::test::read_fast(text, stop);
  const auto reference_stopped = smeltsec::test::read_rapidjson(text, stop);
  require(fast_stopped.ok == reference_stopped.ok && fast_stopped.events == reference_stopped.events);
  return 0;
}
