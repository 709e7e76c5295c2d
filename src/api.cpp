// The public API: runs the pipeline steps, measures them, and turns every failure into an Error value.
#include <algorithm>
#include <chrono>
#include <exception>
#include <new>

#include "analyze/code/javascript.h"
#include "analyze/code/python.h"
#include "analyze/code/source_files.h"
#include "analyze/code/syntax.h"
#include "analyze/openapi_operations.h"
#include "codegen/project.h"
#include "common/json.h"
#include "intake/openapi_spec.h"
#include "intake/archive.h"
#include "manifest/code_tools.h"
#include "manifest/tools.h"
#include "smeltsec/smeltsec.h"

namespace smeltsec {
namespace {

class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    return ms;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// No exception leaves the core: allocation failures and library bugs become an "internal" error value.
template <class F>
auto guarded(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Error{"out_of_memory", "the input needs more memory than is available", ""};
  } catch (const std::exception& e) {
    return Error{"internal", std::string("internal error: ") + e.what(), ""};
  } catch (...) {
    return Error{"internal", "internal error", ""};
  }
}

json::Value notes_value(const std::vector<std::string>& a, const std::vector<std::string>& b, json::Allocator& alloc) {
  json::Value notes(rapidjson::kArrayType);
  for (const auto* list : {&a, &b}) {
    for (const auto& n : *list) notes.PushBack(json::make_string(n, alloc), alloc);
  }
  return notes;
}

}  // namespace

const char* version() { return "0.1.0"; }

Result<std::string> analyze_spec(const SourceBundle& bundle, const SpecOptions& options) {
  return guarded([&]() -> Result<std::string> {
    auto spec = intake::load_openapi(bundle, options.entry);
    if (!spec) return spec.error();
    auto ops = analyze::collect_operations(spec.value());
    if (!ops) return ops.error();
    return manifest::candidates_json(spec.value(), ops.value());
  });
}

Result<ManifestOutput> generate_manifest(const SourceBundle& bundle, const SpecOptions& options) {
  return guarded([&]() -> Result<ManifestOutput> {
    Stopwatch clock;
    auto spec = intake::load_openapi(bundle, options.entry);
    if (!spec) return spec.error();
    const double intake_ms = clock.lap();
    auto ops = analyze::collect_operations(spec.value());
    if (!ops) return ops.error();
    const double analyze_ms = clock.lap();
    manifest::BuildOptions build_options{options.mode, options.max_tools};
    auto built = manifest::build_manifest(spec.value(), ops.value(), build_options);
    if (!built) return built.error();
    const double tools_ms = clock.lap();

    json::Document report(rapidjson::kObjectType);
    json::Allocator& a = report.GetAllocator();
    json::add(report, "source", manifest::source_json(spec.value(), a), a);
    json::add(report, "mode", built.value().mode, a);
    json::add(report, "operations", json::Value(static_cast<uint64_t>(ops.value().size())), a);
    json::add(report, "tools", json::Value(static_cast<uint64_t>(built.value().tools)), a);
    json::add(report, "notes", notes_value(spec.value().notes, built.value().notes, a), a);
    std::string manifest_json = std::move(built.value().manifest_json);
    json::add(report, "manifestBytes", json::Value(static_cast<uint64_t>(manifest_json.size())), a);
    json::Value timings(rapidjson::kObjectType);
    json::add(timings, "intake", json::Value(intake_ms), a);
    json::add(timings, "analyze", json::Value(analyze_ms), a);
    json::add(timings, "tools", json::Value(tools_ms), a);
    json::add(report, "timingsMs", std::move(timings), a);
    return ManifestOutput{std::move(manifest_json), json::write(report, false)};
  });
}

Status unpack_archive(std::string_view bytes, SourceBundle& bundle, std::vector<SkippedFile>& skipped) {
  return guarded([&]() -> Status { return intake::unpack_archive(bytes, bundle, skipped); });
}

namespace {
analyze::code::CodeAnalysis run_code_analysis(const SourceBundle& bundle) {
  analyze::code::CodeAnalysis analysis;
  const auto files = analyze::code::collect_source_files(bundle, analysis);
  std::vector<analyze::code::SourceFile> python, javascript;
  for (const auto& f : files) (f.language == "python" ? python : javascript).push_back(f);
  if (!python.empty()) analyze::code::analyze_python(python, analysis);
  if (!javascript.empty()) analyze::code::analyze_javascript(javascript, analysis);
  return analysis;
}
}  // namespace

Result<std::string> analyze_code(const SourceBundle& bundle, const CodeOptions& options) {
  return guarded([&]() -> Result<std::string> {
    if (bundle.files().empty()) return Error{"empty_input", "no files were given", ""};
    Stopwatch clock;
    auto analysis = run_code_analysis(bundle);
    return manifest::code_candidates_json(analysis, clock.lap());
  });
}

Result<ManifestOutput> generate_code_manifest(const SourceBundle& bundle, const CodeOptions& options) {
  return guarded([&]() -> Result<ManifestOutput> {
    if (bundle.files().empty()) return Error{"empty_input", "no files were given", ""};
    Stopwatch clock;
    auto analysis = run_code_analysis(bundle);
    const double analyze_ms = clock.lap();
    auto built = manifest::build_code_manifest(analysis, manifest::BuildOptions{options.mode, options.max_tools});
    if (!built) return built.error();
    const double tools_ms = clock.lap();
    json::Document report(rapidjson::kObjectType);
    json::Allocator& a = report.GetAllocator();
    json::Value source(rapidjson::kObjectType);
    json::add(source, "kind", "code", a);
    json::add(source, "files", json::Value(static_cast<uint64_t>(analysis.files_parsed)), a);
    json::add(report, "source", std::move(source), a);
    json::add(report, "mode", built.value().mode, a);
    json::add(report, "operations", json::Value(static_cast<uint64_t>(manifest::tool_candidates(analysis).size())), a);
    json::add(report, "tools", json::Value(static_cast<uint64_t>(built.value().tools)), a);
    json::add(report, "manifestBytes", json::Value(static_cast<uint64_t>(built.value().manifest_json.size())), a);
    json::add(report, "skipped", manifest::skipped_value(analysis.skipped, a), a);
    json::add(report, "notes", notes_value(analysis.notes, built.value().notes, a), a);
    json::Value timings(rapidjson::kObjectType);
    json::add(timings, "analyze", json::Value(analyze_ms), a);
    json::add(timings, "tools", json::Value(tools_ms), a);
    json::add(report, "timingsMs", std::move(timings), a);
    return ManifestOutput{std::move(built.value().manifest_json), json::write(report, false)};
  });
}

Result<ServerOutput> generate_server(std::string_view manifest_json, const ServerOptions& options) {
  return guarded([&]() -> Result<ServerOutput> {
    Stopwatch clock;
    if (options.target != "ts" && options.target != "python") {
      return Error{"bad_option", "target must be \"ts\" or \"python\", not \"" + options.target + "\"", "target"};
    }
    ServerOptions opts = options;
    if (opts.name.empty()) opts.name = "mcp-server";
    if (opts.version.empty()) opts.version = "0.1.0";
    Limits limits;
    std::string buffer;
    json::Document doc;
    if (auto parsed = json::parse(manifest_json, "manifest.json", limits, buffer, doc); !parsed) return parsed.error();
    auto view = codegen::view_manifest(doc, manifest_json);
    if (!view) return view.error();
    std::vector<std::string> notes;
    if (view.value().tools->Empty()) notes.push_back("the manifest has no tools: the server starts but lists none");
    auto files = opts.target == "ts" ? codegen::typescript_project(view.value(), opts, notes)
                                     : codegen::python_project(view.value(), opts, notes);
    if (!files) return files.error();
    std::sort(files.value().begin(), files.value().end(),
              [](const GeneratedFile& a, const GeneratedFile& b) { return a.path < b.path; });
    const double ms = clock.lap();

    json::Document report(rapidjson::kObjectType);
    json::Allocator& a = report.GetAllocator();
    json::add(report, "target", opts.target, a);
    json::Value list(rapidjson::kArrayType);
    std::size_t bytes = 0;
    for (const auto& f : files.value()) {
      list.PushBack(json::make_string(f.path, a), a);
      bytes += f.bytes.size();
    }
    json::add(report, "files", std::move(list), a);
    json::add(report, "bytes", json::Value(static_cast<uint64_t>(bytes)), a);
    json::add(report, "tools", json::Value(static_cast<uint64_t>(view.value().tools->Size())), a);
    json::add(report, "notes", notes_value(notes, {}, a), a);
    json::Value timings(rapidjson::kObjectType);
    json::add(timings, "codegen", json::Value(ms), a);
    json::add(report, "timingsMs", std::move(timings), a);
    return ServerOutput{std::move(files.value()), json::write(report, false)};
  });
}

std::string detect_source_kind(const SourceBundle& bundle) {
  for (const auto& [path, bytes] : bundle.files()) {
    if (!analyze::code::language_for_path(path).empty()) return "code";
  }
  return "spec";
}

}  // namespace smeltsec
