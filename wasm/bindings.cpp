// Embind bindings: data conversion only. Every function returns a plain JS object, {ok: true, ...} or
// {ok: false, error: {code, message, where, needs}}; no C++ exception reaches JS.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smeltsec/smeltsec.h"

using emscripten::val;

namespace {

val error_value(const smeltsec::Error& e) {
  val err = val::object();
  err.set("code", e.code);
  err.set("message", e.message);
  err.set("where", e.where);
  val needs = val::array();
  for (const auto& n : e.needs) needs.call<void>("push", n);
  err.set("needs", needs);
  val out = val::object();
  out.set("ok", false);
  out.set("error", err);
  return out;
}

val ok_value() {
  val out = val::object();
  out.set("ok", true);
  return out;
}

std::size_t number_or(const val& obj, const char* key, std::size_t fallback) {
  if (!obj.isUndefined() && !obj.isNull() && obj[key].typeOf().as<std::string>() == "number") {
    const double d = obj[key].as<double>();
    if (d >= 0) return static_cast<std::size_t>(d);
  }
  return fallback;
}

std::string string_or(const val& obj, const char* key, const std::string& fallback) {
  if (!obj.isUndefined() && !obj.isNull() && obj[key].isString()) return obj[key].as<std::string>();
  return fallback;
}

smeltsec::SpecOptions spec_options(const val& o) {
  smeltsec::SpecOptions opts;
  opts.entry = string_or(o, "entry", opts.entry);
  opts.mode = string_or(o, "mode", opts.mode);
  opts.max_tools = number_or(o, "maxTools", opts.max_tools);
  return opts;
}

// A source bundle on the wasm heap. Large files arrive through memory the core hands out (Embind's
// std::string conversion copies byte by byte); archives as (pointer, length) into memory JS allocated.
class Bundle {
 public:
  explicit Bundle(val limits) : bundle_(read_limits(limits)) {}

  // A file arrives in two steps, written by JS straight into the string the bundle keeps (a 13 MB spec is
  // copied once, not into a malloc'd block and again into a string; or read from disk straight into it):
  // stageFile(path, size) checks the bundle's limits first (a file it would refuse takes no memory: wasm
  // memory never shrinks) and returns {ok, ptr}, where to write the bytes; addStaged(written) adds the first
  // `written` of them (a file may shrink while it is read; JS checks that it is a whole number <= size).
  val stageFile(const std::string& path, std::size_t size) {
    staged_ = std::string();
    staged_path_.clear();
    if (auto st = bundle_.check_file(path, size); !st) return error_value(st.error());
#if defined(_LIBCPP_VERSION)
    staged_.__resize_default_init(size);  // libc++: no zero-filling, every byte is written next
#else
    staged_.resize(size);
#endif
    staged_path_ = path;
    val out = ok_value();
    out.set("ptr", reinterpret_cast<std::uintptr_t>(staged_.data()));
    return out;
  }
  val addStaged(std::size_t written) {
    if (written < staged_.size()) staged_.resize(written);
    auto st = bundle_.add_file(staged_path_, std::move(staged_));
    staged_ = std::string();
    staged_path_.clear();
    return st ? ok_value() : error_value(st.error());
  }

  std::size_t fileCount() const { return bundle_.files().size(); }

  // Unpacks an archive (bytes at ptr/length on the heap) into this bundle; {ok, skipped: [{path, reason}]}.
  val addArchive(std::uintptr_t ptr, std::size_t length) {
    std::vector<smeltsec::SkippedFile> skipped;
    auto st = smeltsec::unpack_archive(std::string_view(reinterpret_cast<const char*>(ptr), length), bundle_, skipped);
    if (!st) return error_value(st.error());
    val list = val::array();
    for (const auto& s : skipped) {
      val item = val::object();
      item.set("path", s.path);
      item.set("reason", s.reason);
      list.call<void>("push", item);
    }
    val out = ok_value();
    out.set("skipped", list);
    return out;
  }
  const smeltsec::SourceBundle& get() const { return bundle_; }

 private:
  static smeltsec::Limits read_limits(const val& o) {
    smeltsec::Limits l;
    l.max_document_bytes = number_or(o, "maxDocumentBytes", l.max_document_bytes);
    l.max_bundle_bytes = number_or(o, "maxBundleBytes", l.max_bundle_bytes);
    l.max_files = number_or(o, "maxFiles", l.max_files);
    l.max_nesting = static_cast<int>(number_or(o, "maxNesting", static_cast<std::size_t>(l.max_nesting)));
    l.max_values = number_or(o, "maxValues", l.max_values);
    l.max_path_bytes = number_or(o, "maxPathBytes", l.max_path_bytes);
    l.max_archive_entries = number_or(o, "maxArchiveEntries", l.max_archive_entries);
    l.max_compression_ratio = number_or(o, "maxCompressionRatio", l.max_compression_ratio);
    l.max_code_file_bytes = number_or(o, "maxCodeFileBytes", l.max_code_file_bytes);
    l.max_manifest_bytes = number_or(o, "maxManifestBytes", l.max_manifest_bytes);
    l.max_schema_nodes = number_or(o, "maxSchemaNodes", l.max_schema_nodes);
    return l;
  }

  smeltsec::SourceBundle bundle_;
  std::string staged_;       // the file stageFile() made room for, until addStaged()
  std::string staged_path_;  // and its path
};

val analyze_spec(const Bundle& bundle, val options) {
  auto r = smeltsec::analyze_spec(bundle.get(), spec_options(options));
  if (!r) return error_value(r.error());
  val out = ok_value();
  out.set("json", r.value());
  return out;
}

// The manifest can be megabytes: it is handed over as bytes (one copy out of the heap) rather than through
// Embind's string conversion, which decodes it to a JS string every time.
val manifest_value(const smeltsec::Result<smeltsec::ManifestOutput>& r) {
  if (!r) return error_value(r.error());
  const std::string& manifest = r.value().manifest_json;
  val view(emscripten::typed_memory_view(manifest.size(), reinterpret_cast<const unsigned char*>(manifest.data())));
  val out = ok_value();
  out.set("manifestBytes", view.call<val>("slice"));
  out.set("reportJson", r.value().report_json);
  return out;
}

val generate_manifest(const Bundle& bundle, val options) {
  return manifest_value(smeltsec::generate_manifest(bundle.get(), spec_options(options)));
}

smeltsec::CodeOptions code_options(const val& o) {
  smeltsec::CodeOptions opts;
  opts.mode = string_or(o, "mode", opts.mode);
  opts.max_tools = number_or(o, "maxTools", opts.max_tools);
  return opts;
}

val analyze_code(const Bundle& bundle, val options) {
  auto r = smeltsec::analyze_code(bundle.get(), code_options(options));
  if (!r) return error_value(r.error());
  val out = ok_value();
  out.set("json", r.value());
  return out;
}

val generate_code_manifest(const Bundle& bundle, val options) {
  return manifest_value(smeltsec::generate_code_manifest(bundle.get(), code_options(options)));
}

// The manifest arrives as (pointer, length) on the heap; each file leaves as bytes (a Uint8Array copy).
val generate_server(std::uintptr_t ptr, std::size_t length, val options) {
  smeltsec::ServerOptions opts;
  opts.target = string_or(options, "target", opts.target);
  opts.name = string_or(options, "name", opts.name);
  opts.version = string_or(options, "version", opts.version);
  auto r = smeltsec::generate_server(std::string_view(reinterpret_cast<const char*>(ptr), length), opts);
  if (!r) return error_value(r.error());
  val files = val::array();
  for (const auto& f : r.value().files) {
    val file = val::object();
    file.set("path", f.path);
    val view(emscripten::typed_memory_view(f.bytes.size(), reinterpret_cast<const unsigned char*>(f.bytes.data())));
    file.set("bytes", view.call<val>("slice"));
    files.call<void>("push", file);
  }
  val out = ok_value();
  out.set("files", files);
  out.set("reportJson", r.value().report_json);
  return out;
}

std::string detect_source_kind(const Bundle& bundle) { return smeltsec::detect_source_kind(bundle.get()); }

std::string core_version() { return smeltsec::version(); }

}  // namespace

EMSCRIPTEN_BINDINGS(smeltsec) {
  emscripten::class_<Bundle>("Bundle")
      .constructor<val>()
      .function("stageFile", &Bundle::stageFile)
      .function("addStaged", &Bundle::addStaged)
      .function("fileCount", &Bundle::fileCount)
      .function("addArchive", &Bundle::addArchive);
  emscripten::function("analyzeCode", &analyze_code);
  emscripten::function("generateCodeManifest", &generate_code_manifest);
  emscripten::function("detectSourceKind", &detect_source_kind);
  emscripten::function("analyzeSpec", &analyze_spec);
  emscripten::function("generateManifest", &generate_manifest);
  emscripten::function("generateServer", &generate_server);
  emscripten::function("version", &core_version);
}
