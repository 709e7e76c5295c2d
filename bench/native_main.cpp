// Native driver for benchmarks: smeltsec-native <spec-file> [--mode all|grouped|auto] [--out manifest.json]
// [--repeat N], or smeltsec-native --code <folder> [--repeat N] (code analysis of every file under it).
// Prints the report (or analysis stats) JSON of the last run and the best wall time of N runs (file reading
// excluded).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "smeltsec/smeltsec.h"

namespace {
int run_code(const char* folder, int repeat) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    files.emplace_back(fs::relative(e.path(), folder).generic_string(),
                       std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>()));
  }
  double best = 1e18;
  std::string out;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    smeltsec::SourceBundle bundle;
    for (const auto& [path, bytes] : files) {
      if (auto st = bundle.add_file(path, bytes); !st) {
        std::fprintf(stderr, "%s: %s\n", st.error().code.c_str(), st.error().message.c_str());
        return 2;
      }
    }
    auto res = smeltsec::analyze_code(bundle, smeltsec::CodeOptions{});
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!res) {
      std::fprintf(stderr, "%s: %s\n", res.error().code.c_str(), res.error().message.c_str());
      return 2;
    }
    best = ms < best ? ms : best;
    out = std::move(res.value());
  }
  const std::size_t stats = out.find("\"stats\"");
  std::printf("%s\n{\"bestMs\":%.3f,\"files\":%zu}\n", stats == std::string::npos ? "{}" : out.substr(stats, out.find('}', stats) - stats + 1).c_str(), best, files.size());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && !std::strcmp(argv[1], "--code")) {
    const int repeat = argc >= 5 && !std::strcmp(argv[3], "--repeat") ? std::atoi(argv[4]) : 1;
    return run_code(argv[2], repeat);
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: smeltsec-native <spec> [--mode M] [--out FILE] [--repeat N]\n");
    return 2;
  }
  smeltsec::SpecOptions options;
  std::string out_path;
  int repeat = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mode")) options.mode = argv[i + 1];
    if (!std::strcmp(argv[i], "--out")) out_path = argv[i + 1];
    if (!std::strcmp(argv[i], "--repeat")) repeat = std::atoi(argv[i + 1]);
  }
  std::ifstream f(argv[1], std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string name = argv[1];
  name = name.substr(name.rfind('/') + 1);
  double best = 1e18;
  std::string manifest, report;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    smeltsec::SourceBundle bundle;
    if (auto st = bundle.add_file(name, bytes); !st) {
      std::fprintf(stderr, "%s: %s\n", st.error().code.c_str(), st.error().message.c_str());
      return 2;
    }
    auto res = smeltsec::generate_manifest(bundle, options);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!res) {
      std::fprintf(stderr, "%s: %s (%s)\n", res.error().code.c_str(), res.error().message.c_str(),
                   res.error().where.c_str());
      return 2;
    }
    if (ms < best) best = ms;
    manifest = std::move(res.value().manifest_json);
    report = std::move(res.value().report_json);
  }
  if (!out_path.empty()) std::ofstream(out_path, std::ios::binary) << manifest;
  std::printf("%s\n{\"bestMs\":%.3f}\n", report.c_str(), best);
  return 0;
}
