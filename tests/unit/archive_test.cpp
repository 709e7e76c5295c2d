// Archive intake (smeltsec::unpack_archive): tar, tar.gz and zip archives written byte by byte here, with
// zlib for the compressed parts, covering the formats' corners and every limit in src/intake/archive.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.h"

#include <zlib.h>  // the tests build archives with zlib's one-shot API

namespace {

using smeltsec::Limits;
using smeltsec::SkippedFile;
using smeltsec::SourceBundle;
using smeltsec::test::Stopwatch;

// ---- compression ----

std::uint32_t crc_of(std::string_view data) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const unsigned char*>(data.data()), static_cast<unsigned>(data.size())));
}

// A raw deflate stream: compress2's zlib stream without its 2-byte header and 4-byte Adler-32 trailer.
std::string deflate_raw(std::string_view data, int level = 9) {
  unsigned long len = compressBound(static_cast<unsigned long>(data.size()));
  std::string out(len, '\0');
  REQUIRE(compress2(reinterpret_cast<unsigned char*>(out.data()), &len,
                    reinterpret_cast<const unsigned char*>(data.data()), static_cast<unsigned long>(data.size()),
                    level) == 0);
  return out.substr(2, len - 6);
}

void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}
void put64(std::string& s, std::uint64_t v) {
  put32(s, static_cast<std::uint32_t>(v));
  put32(s, static_cast<std::uint32_t>(v >> 32));
}

// One gzip member (RFC 1952).
std::string gzip(std::string_view data, int level = 9) {
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03", 10);
  out += deflate_raw(data, level);
  put32(out, crc_of(data));
  put32(out, static_cast<std::uint32_t>(data.size()));
  return out;
}

// ---- tar ----

void put_field(std::string& block, std::size_t at, std::string_view value) {
  value = value.substr(0, 512 - at);
  std::memcpy(block.data() + at, value.data(), value.size());
}

std::string octal(std::uint64_t v, std::size_t digits) {
  std::string s(digits, '0');
  for (std::size_t i = digits; i-- > 0; v >>= 3) s[i] = static_cast<char>('0' + (v & 7));
  return s;
}

void set_checksum(std::string& block) {
  put_field(block, 148, "        ");
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  put_field(block, 148, octal(sum, 6) + std::string("\0 ", 2));
}

struct TarHeader {
  std::string name;
  std::uint64_t size = 0;
  char type = '0';
  std::string linkname;
  std::string prefix;
  std::string magic = std::string("ustar") + '\0' + "00";  // POSIX; GNU is "ustar  \0", v7 has none
  bool base256_size = false;
};

std::string tar_header(const TarHeader& h) {
  std::string block(512, '\0');
  put_field(block, 0, h.name.substr(0, 100));
  put_field(block, 100, "0000644");
  put_field(block, 108, "0000000");
  put_field(block, 116, "0000000");
  if (h.base256_size) {
    std::string field(12, '\0');
    field[0] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) field[11 - i] = static_cast<char>((h.size >> (8 * i)) & 0xFF);
    put_field(block, 124, field);
  } else {
    put_field(block, 124, octal(h.size, 11));
  }
  put_field(block, 136, "14530000000");
  block[156] = h.type;
  put_field(block, 157, h.linkname.substr(0, 100));
  put_field(block, 257, h.magic);
  put_field(block, 345, h.prefix.substr(0, 155));
  set_checksum(block);
  return block;
}

std::string padded(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

std::string tar_file(const std::string& name, const std::string& data, char type = '0') {
  TarHeader h;
  h.name = name;
  h.size = data.size();
  h.type = type;
  return tar_header(h) + padded(data);
}

std::string tar_dir(const std::string& name) {
  return tar_file(name, "", '5');
}

std::string tar_end() {
  return std::string(1024, '\0');
}

std::string pax_record(const std::string& key, const std::string& value) {
  const std::string body = " " + key + "=" + value + "\n";
  std::size_t len = body.size() + 1;
  while (std::to_string(len).size() + body.size() != len) ++len;
  return std::to_string(len) + body;
}

std::string pax_header(const std::string& records, char type = 'x') {
  return tar_file("PaxHeader/entry", records, type);
}

std::string gnu_long_name(const std::string& name) {
  TarHeader h;
  h.name = "././@LongLink";
  h.type = 'L';
  h.size = name.size() + 1;
  h.magic = std::string("ustar  \0", 8);
  return tar_header(h) + padded(name + '\0');
}

// ---- zip ----

struct ZipEntry {
  std::string name;
  std::string data;
  std::uint16_t method = 8;  // 0 stored, 8 deflate; others are stored as given
  std::uint32_t unix_mode = 0100644;
  std::uint16_t flags = 0x800;  // UTF-8 names
  bool descriptor = false;      // sizes and CRC in a data descriptor after the data (flag 8)
  bool zip64 = false;           // sizes in zip64 extra fields
};

struct ZipOptions {
  bool share_first_entry = false;  // a second central record pointing at the first entry's bytes
};

std::string make_zip(const std::vector<ZipEntry>& entries, ZipOptions options = {}) {
  std::string out, central;
  std::size_t records = 0;
  for (const ZipEntry& e : entries) {
    const std::string stored = e.method == 8 ? deflate_raw(e.data) : e.data;
    const std::uint32_t crc = crc_of(e.data);
    const std::uint16_t flags = static_cast<std::uint16_t>(e.flags | (e.descriptor ? 8 : 0));
    const auto offset = static_cast<std::uint32_t>(out.size());
    std::string extra;
    if (e.zip64) {
      put16(extra, 1);
      put16(extra, 16);
      put64(extra, e.data.size());
      put64(extra, stored.size());
    }
    const std::uint32_t csize = e.zip64 ? 0xFFFFFFFF : static_cast<std::uint32_t>(stored.size());
    const std::uint32_t usize = e.zip64 ? 0xFFFFFFFF : static_cast<std::uint32_t>(e.data.size());
    put32(out, 0x04034b50);
    put16(out, e.zip64 ? 45 : 20);
    put16(out, flags);
    put16(out, e.method);
    put16(out, 0);
    put16(out, 0x21);
    put32(out, e.descriptor ? 0 : crc);
    put32(out, e.descriptor ? 0 : csize);
    put32(out, e.descriptor ? 0 : usize);
    put16(out, static_cast<std::uint32_t>(e.name.size()));
    put16(out, static_cast<std::uint32_t>(extra.size()));
    out += e.name + extra + stored;
    if (e.descriptor) {
      put32(out, 0x08074b50);
      put32(out, crc);
      put32(out, csize);
      put32(out, usize);
    }
    const int copies = options.share_first_entry && records == 0 ? 2 : 1;
    for (int c = 0; c < copies; ++c, ++records) {
      put32(central, 0x02014b50);
      put16(central, (3u << 8) | 30u);  // made by Unix, version 3.0
      put16(central, e.zip64 ? 45 : 20);
      put16(central, flags);
      put16(central, e.method);
      put16(central, 0);
      put16(central, 0x21);
      put32(central, crc);
      put32(central, csize);
      put32(central, usize);
      put16(central, static_cast<std::uint32_t>(e.name.size()));
      put16(central, static_cast<std::uint32_t>(extra.size()));
      put16(central, 0);
      put16(central, 0);
      put16(central, 0);
      put32(central, e.unix_mode << 16);
      put32(central, offset);
      central += e.name + extra;
    }
  }
  const auto central_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(records));
  put16(out, static_cast<std::uint32_t>(records));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, central_offset);
  put16(out, 0);
  return out;
}

// ---- unpacking ----

struct Unpacked {
  smeltsec::Status status = smeltsec::Ok{};
  SourceBundle bundle;
  std::vector<SkippedFile> skipped;

  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& [path, bytes] : bundle.files()) out.push_back(path);
    return out;
  }
  std::string file(const std::string& path) const {
    const std::string* bytes = bundle.find(path);
    return bytes ? *bytes : "<missing>";
  }
  std::string reason(const std::string& path) const {
    for (const auto& s : skipped) {
      if (s.path == path) return s.reason;
    }
    return "<not skipped>";
  }
  std::string code() const { return status.ok() ? "ok" : status.error().code; }
  std::string message() const { return status.ok() ? "" : status.error().message; }
};

Unpacked unpack(std::string_view bytes, Limits limits = {}) {
  Unpacked u{smeltsec::Ok{}, SourceBundle(limits), {}};
  u.status = smeltsec::unpack_archive(bytes, u.bundle, u.skipped);
  return u;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("archive: tar.gz with nested folders, the shared top folder stripped") {
  const std::string tar = tar_dir("app/") + tar_file("app/main.py", "print('hi')\n") + tar_dir("app/pkg/") +
                          tar_file("app/pkg/util.py", "def f(): pass\n") +
                          tar_file("app/web/static/index.js", "export const x = 1;\n") + tar_end();
  const auto u = unpack(gzip(tar));
  REQUIRE(u.code() == "ok");
  CHECK(u.paths() == std::vector<std::string>{"main.py", "pkg/util.py", "web/static/index.js"});
  CHECK(u.file("pkg/util.py") == "def f(): pass\n");
  CHECK(u.file("web/static/index.js") == "export const x = 1;\n");
  CHECK(u.skipped.empty());
}

TEST_CASE("archive: GitHub's tarball layout (pax global header, owner-repo-sha/) is stripped") {
  const std::string tar = pax_header(pax_record("comment", "0123456789abcdef0123456789abcdef01234567"), 'g') +
                          tar_dir("octo-hello-0123456/") + tar_file("octo-hello-0123456/app.py", "a") +
                          tar_file("octo-hello-0123456/src/lib.js", "b") + tar_end();
  const auto u = unpack(gzip(tar));
  REQUIRE(u.code() == "ok");
  CHECK(u.paths() == std::vector<std::string>{"app.py", "src/lib.js"});
  CHECK(u.skipped.empty());
}

TEST_CASE("archive: the top folder stays when not every entry shares it") {
  struct Case {
    std::string name, tar;
    std::vector<std::string> paths;
  };
  const Case cases[] = {
      {"a file at the root", tar_file("repo/a.py", "a") + tar_file("README", "r") + tar_end(), {"README", "repo/a.py"}},
      {"two top folders", tar_file("one/a.py", "a") + tar_file("two/b.py", "b") + tar_end(), {"one/a.py", "two/b.py"}},
      {"a single file", tar_file("only.py", "o") + tar_end(), {"only.py"}},
      {"a single folder", tar_file("src/a.py", "a") + tar_end(), {"a.py"}},
      {"`tar -C dir .` names",
       tar_dir("./") + tar_file("./a.py", "a") + tar_file("./lib/b.py", "b") + tar_end(),
       {"a.py", "lib/b.py"}},
      {"a symlink at the root", tar_file("repo/a.py", "a") + tar_file("link", "", '2') + tar_end(), {"repo/a.py"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const auto u = unpack(c.tar);
    REQUIRE(u.code() == "ok");
    CHECK(u.paths() == c.paths);
  }
}

TEST_CASE("archive: skipped entries are reported with the paths the bundle uses") {
  const std::string tar = tar_file("repo/a.py", "a") + tar_file("repo/link.py", "", '2') + tar_end();
  const auto stripped = unpack(tar);
  REQUIRE(stripped.code() == "ok");
  CHECK(stripped.reason("link.py") == "symlink");
  const auto kept =
      unpack(tar_file("repo/a.py", "a") + tar_file("repo/link.py", "", '2') + tar_file("other.py", "o") + tar_end());
  REQUIRE(kept.code() == "ok");
  CHECK(kept.reason("repo/link.py") == "symlink");
}

TEST_CASE("archive: plain tar with ustar prefixes, GNU long names, pax paths and sizes, v7 headers") {
  const std::string long_dir(120, 'd');
  const std::string long_name = "repo/" + long_dir + "/" + std::string(150, 'n') + ".py";
  TarHeader prefixed;
  prefixed.prefix = "repo/" + long_dir;
  prefixed.name = "prefixed.py";
  prefixed.size = 3;
  TarHeader v7;
  v7.name = "repo/v7.py";
  v7.size = 2;
  v7.type = '\0';
  v7.magic = std::string(8, '\0');
  TarHeader gnu_prefix_ignored;  // GNU headers keep other data where POSIX has the prefix
  gnu_prefix_ignored.name = "repo/gnu.py";
  gnu_prefix_ignored.size = 1;
  gnu_prefix_ignored.magic = std::string("ustar  \0", 8);
  gnu_prefix_ignored.prefix = "not-a-prefix";
  TarHeader base256;
  base256.name = "repo/base256.py";
  base256.size = 5;
  base256.base256_size = true;
  TarHeader pax_sized;  // the pax size wins over the header's
  pax_sized.name = "repo/header-name.py";
  pax_sized.size = 999;

  const std::string tar =
      tar_header(prefixed) + padded("pre") + gnu_long_name(long_name) + tar_file("repo/ignored", "long") +
      pax_header(pax_record("path", "repo/caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC.py") + pax_record("mtime", "1.5")) +
      tar_file("repo/short", "pax") + tar_header(v7) + padded("v7") + tar_header(gnu_prefix_ignored) + padded("g") +
      tar_header(base256) + padded("b256!") + pax_header(pax_record("size", "4")) + tar_header(pax_sized) +
      padded("four") + tar_end();
  const auto u = unpack(tar);
  REQUIRE(u.code() == "ok");
  CHECK(u.file(long_dir + "/prefixed.py") == "pre");
  CHECK(u.file(long_name.substr(5)) == "long");
  CHECK(u.file("caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC.py") == "pax");
  CHECK(u.file("v7.py") == "v7");
  CHECK(u.file("gnu.py") == "g");
  CHECK(u.file("base256.py") == "b256!");
  CHECK(u.file("header-name.py") == "four");
  CHECK(u.paths().size() == 7);
  CHECK(u.skipped.empty());
}

TEST_CASE("archive: zip with stored and deflated entries, folders and data descriptors") {
  const std::string big = smeltsec::test::repeat("def handler(request):\n    return 'ok'\n", 2000);
  ZipEntry dir{"proj/", ""};
  dir.method = 0;
  dir.unix_mode = 040755;
  ZipEntry stored{"proj/README.md", "# hello\n"};
  stored.method = 0;
  ZipEntry deflated{"proj/src/app.py", big};
  ZipEntry described{"proj/src/index.js", "module.exports = {};\n"};
  described.descriptor = true;
  ZipEntry empty{"proj/empty.txt", ""};
  const auto u = unpack(make_zip({dir, stored, deflated, described, empty}));
  REQUIRE(u.code() == "ok");
  CHECK(u.paths() == std::vector<std::string>{"README.md", "empty.txt", "src/app.py", "src/index.js"});
  CHECK(u.file("src/app.py") == big);
  CHECK(u.file("README.md") == "# hello\n");
  CHECK(u.file("src/index.js") == "module.exports = {};\n");
  CHECK(u.skipped.empty());
}

TEST_CASE("archive: zip64 sizes, encrypted entries and unsupported methods") {
  ZipEntry wide{"z/wide.py", "print(64)\n"};
  wide.zip64 = true;
  ZipEntry secret{"z/secret.py", "xxxx"};
  secret.method = 0;
  secret.flags = 0x801;
  ZipEntry bzip{"z/packed.py", "BZh91AY&SY"};
  bzip.method = 12;
  const auto u = unpack(make_zip({wide, secret, bzip}));
  REQUIRE(u.code() == "ok");
  CHECK(u.paths() == std::vector<std::string>{"wide.py"});
  CHECK(u.file("wide.py") == "print(64)\n");
  CHECK(u.reason("secret.py") == "encrypted");
  CHECK(u.reason("packed.py") == "compression method 12 (bzip2) not supported");
}

TEST_CASE("archive: entries that escape the root are skipped, the rest is kept") {
  const std::vector<std::string> hostile = {"../evil.py", "/abs.py",         "a/../../b.py", "C:/win.py",
                                            "..\\up.py",  "a\\..\\..\\c.py", "./../dot.py"};
  std::string tar;
  std::vector<ZipEntry> zip_entries;
  for (const auto& name : hostile) {
    tar += tar_file(name, "x");
    zip_entries.push_back({name, "x"});
  }
  tar += tar_file("ok/inner/../fine.py", "fine") + pax_header(pax_record("path", std::string("ok/nul\0.py", 10))) +
         tar_file("ok/placeholder", "x") + tar_end();
  zip_entries.push_back({"ok/fine.py", "fine"});
  for (const auto& archive : {std::pair{"tar.gz", gzip(tar)}, std::pair{"zip", make_zip(zip_entries)}}) {
    CAPTURE(archive.first);  // not a structured binding: clang 14 cannot capture those
    const auto u = unpack(archive.second);
    REQUIRE(u.code() == "ok");
    CHECK(u.paths() == std::vector<std::string>{"fine.py"});  // escaping names do not keep "ok/" from being stripped
    for (const auto& name : hostile) {
      CAPTURE(name);
      CHECK(u.reason(name) == "path escapes the archive root");
    }
  }
  const auto with_nul = unpack(tar);
  CHECK(with_nul.reason("ok/nul\\x00.py") == "path escapes the archive root");
}

TEST_CASE("archive: symlinks, hard links, devices and FIFOs are skipped with the reason") {
  TarHeader link;
  link.name = "r/link.py";
  link.type = '2';
  link.linkname = "/etc/passwd";
  TarHeader hard = link;
  hard.name = "r/hard.py";
  hard.type = '1';
  const std::string tar = tar_header(link) + tar_header(hard) + tar_file("r/tty", "", '3') +
                          tar_file("r/disk", "", '4') + tar_file("r/pipe", "", '6') + tar_file("r/ok.py", "ok") +
                          tar_file("r/weird", "zz", 'Z') + tar_end();
  const auto u = unpack(tar);
  REQUIRE(u.code() == "ok");
  CHECK(u.paths() == std::vector<std::string>{"ok.py"});
  CHECK(u.reason("link.py") == "symlink");
  CHECK(u.reason("hard.py") == "hard link");
  CHECK(u.reason("tty") == "character device");
  CHECK(u.reason("disk") == "block device");
  CHECK(u.reason("pipe") == "FIFO");
  CHECK(u.reason("weird") == "unsupported entry type 'Z'");

  ZipEntry zlink{"z/link.py", "/etc/passwd"};
  zlink.method = 0;
  zlink.unix_mode = 0120777;
  ZipEntry zfifo{"z/pipe", ""};
  zfifo.method = 0;
  zfifo.unix_mode = 010644;
  const auto z = unpack(make_zip({zlink, zfifo, {"z/ok.py", "ok"}}));
  REQUIRE(z.code() == "ok");
  CHECK(z.paths() == std::vector<std::string>{"ok.py"});
  CHECK(z.reason("link.py") == "symlink");
  CHECK(z.reason("pipe") == "FIFO");
}

TEST_CASE("archive: decompression bombs end with archive_bomb") {
  const std::string zeros(20u << 20, '\0');
  SUBCASE("tar.gz with 20 MB of zeros") {
    Stopwatch clock;
    const auto u = unpack(gzip(tar_file("bomb/zeros.bin", zeros) + tar_end()));
    CHECK(u.code() == "archive_bomb");
    CHECK(contains(u.message(), "200 times"));
    CHECK(u.bundle.files().empty());
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  }
  SUBCASE("1 GB of zeros gzipped, the file over the size limit (skipped while streaming)") {
    // 1024 gzip members of 1 MiB of zeros each: one stream to a reader, as RFC 1952 allows.
    TarHeader h;
    h.name = "bomb/zeros.img";
    h.size = std::uint64_t{1} << 30;
    std::string archive = gzip(tar_header(h));
    const std::string member = gzip(std::string(1u << 20, '\0'));
    for (int i = 0; i < 1024; ++i) archive += member;
    archive += gzip(tar_end());
    CHECK(archive.size() < (2u << 20));
    Stopwatch clock;
    const auto u = unpack(archive);
    CHECK(u.code() == "archive_bomb");
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  }
  SUBCASE("zip entry with 20 MB of zeros") {
    const auto u = unpack(make_zip({{"z/zeros.bin", zeros}}));
    CHECK(u.code() == "archive_bomb");
  }
  SUBCASE("zip entries sharing their bytes") {
    ZipOptions shared;
    shared.share_first_entry = true;
    const auto u = unpack(make_zip({{"z/a.py", "print(1)\n"}}, shared));
    CHECK(u.code() == "archive_bomb");
    CHECK(contains(u.message(), "overlap"));
  }
  SUBCASE("the ratio is the limit: a higher one lets the same archive through") {
    Limits generous;
    generous.max_compression_ratio = 5000;
    const auto u = unpack(gzip(tar_file("bomb/zeros.bin", zeros) + tar_end()), generous);
    CHECK(u.code() == "ok");
    CHECK(u.file("zeros.bin").size() == zeros.size());
  }
  SUBCASE("small archives may compress far better than the ratio") {
    const auto u = unpack(gzip(tar_file("z/zeros.bin", std::string(3u << 20, '\0')) + tar_end()));
    CHECK(u.code() == "ok");
  }
}

TEST_CASE("archive: a 1 GB declared size with no data behind it is truncated, never allocated") {
  TarHeader h;
  h.name = "big/huge.bin";
  h.size = std::uint64_t{1} << 30;
  const std::string tar = tar_header(h) + padded("only a little data");
  Limits roomy;  // large enough that the file would be kept: the reader must still not trust the size
  roomy.max_document_bytes = std::size_t{1} << 31;
  roomy.max_bundle_bytes = std::size_t{1} << 31;
  for (const Limits& limits : {Limits{}, roomy}) {
    for (const bool gzipped : {false, true}) {
      CAPTURE(gzipped);
      CAPTURE(limits.max_document_bytes);
      Stopwatch clock;
      const auto u = unpack(gzipped ? gzip(tar) : tar, limits);
      CHECK(u.code() == "corrupt_archive");
      CHECK(contains(u.message(), "truncated"));
      CHECK(contains(u.message(), "1073741824 bytes declared"));
      CHECK(u.status.error().where == "big/huge.bin");
      CHECK(clock.seconds() < 5);
    }
  }
  // A zip entry whose central directory record says 1 GB unpacked, with 4 bytes of data (and a data
  // descriptor, so that the local header has no sizes to contradict it).
  ZipEntry liar{"z/huge.bin", "tiny"};
  liar.method = 0;
  liar.descriptor = true;
  std::string zip = make_zip({liar});
  const std::size_t central = zip.find("PK\x01\x02");
  REQUIRE(central != std::string::npos);
  zip[central + 24 + 3] = 0x40;  // uncompressed size field: 0x40000004
  const auto skipped = unpack(zip);
  REQUIRE(skipped.code() == "ok");
  CHECK(skipped.reason("huge.bin") == "too large (1073741828 bytes)");
  const auto kept = unpack(zip, roomy);
  CHECK(kept.code() == "corrupt_archive");
}

TEST_CASE("archive: 100,000 tiny files end in bounded time") {
  // Gzip members of 2,000 entries each keep the test's own memory small.
  std::string archive, chunk;
  for (int i = 0; i < 100000; ++i) {
    chunk += tar_file("repo/d" + std::to_string(i / 1000) + "/f" + std::to_string(i) + ".py", "");
    if (chunk.size() >= 2000 * 512) {
      archive += gzip(chunk, 1);
      chunk.clear();
    }
  }
  archive += gzip(chunk + tar_end(), 1);

  SUBCASE("all added when the limits allow") {
    Limits limits;
    limits.max_files = 200000;
    limits.max_archive_entries = 100000;
    Stopwatch clock;
    const auto u = unpack(archive, limits);
    REQUIRE(u.code() == "ok");
    CHECK(u.bundle.files().size() == 100000);
    CHECK(u.bundle.find("d99/f99999.py") != nullptr);
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  }
  SUBCASE("file_limit past max_archive_entries") {
    Limits limits;
    limits.max_files = 200000;
    limits.max_archive_entries = 50000;
    Stopwatch clock;
    const auto u = unpack(archive, limits);
    CHECK(u.code() == "file_limit");
    CHECK(contains(u.message(), "50000 entries"));
    CHECK(u.bundle.files().empty());
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  }
  SUBCASE("file_limit past the bundle's max_files (default limits)") {
    Stopwatch clock;
    const auto u = unpack(archive);
    CHECK(u.code() == "file_limit");
    CHECK(contains(u.message(), "10000 files"));
    CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
  }
}

TEST_CASE("archive: truncated archives are corrupt_archive") {
  const std::string tar = tar_file("t/a.py", std::string(700, 'a')) + tar_file("t/b.py", "b") + tar_end();
  SUBCASE("tar cut inside a header, inside data, inside padding") {
    for (const std::size_t cut :
         {std::size_t{512 + 300}, std::size_t{512 + 700 + 10}, std::size_t{1536 + 200}, std::size_t{2048}}) {
      CAPTURE(cut);
      const auto u = unpack(tar.substr(0, cut));
      CHECK(u.code() == "corrupt_archive");
      CHECK(contains(u.message(), "truncated"));
    }
  }
  SUBCASE("tar cut at an entry boundary, without end blocks, is complete") {
    const auto u = unpack(tar.substr(0, 1536));
    CHECK(u.code() == "ok");
    CHECK(u.paths() == std::vector<std::string>{"a.py"});
  }
  SUBCASE("tar.gz cut anywhere: an error, or every file when the cut spares the end-of-archive block") {
    const std::string gz = gzip(tar);
    for (std::size_t cut = 10; cut < gz.size(); ++cut) {
      CAPTURE(cut);
      const auto u = unpack(gz.substr(0, cut));
      if (u.code() == "ok") {
        CHECK(u.paths() == std::vector<std::string>{"a.py", "b.py"});
      } else {
        CHECK(u.code() == "corrupt_archive");
        CHECK(u.bundle.files().empty());
      }
    }
  }
  SUBCASE("zip cut anywhere") {
    const std::string zip = make_zip({{"z/a.py", std::string(700, 'a')}, {"z/b.py", "b"}});
    for (std::size_t cut = 4; cut < zip.size(); ++cut) {
      CAPTURE(cut);
      const auto u = unpack(zip.substr(0, cut));
      CHECK(u.code() == "corrupt_archive");
    }
  }
}

TEST_CASE("archive: a bad tar checksum is corrupt_archive naming the header") {
  std::string tar = tar_file("c/a.py", "a") + tar_file("c/b.py", "b") + tar_end();
  tar[1024 + 5] ^= 1;  // the second header's name
  const auto u = unpack(tar);
  CHECK(u.code() == "corrupt_archive");
  CHECK(contains(u.message(), "tar header 1 at byte 1024"));
  CHECK(contains(u.message(), "checksum"));
  CHECK(u.bundle.files().empty());

  std::string first = tar_file("c/a.py", "a") + tar_end();
  first[3] ^= 1;  // ustar magic present, checksum wrong: a damaged tar, not some other format
  CHECK(unpack(first).code() == "corrupt_archive");
  CHECK(unpack(gzip(first)).code() == "corrupt_archive");
}

TEST_CASE("archive: malformed tar metadata is corrupt_archive") {
  TarHeader bad_size;
  bad_size.name = "m/a.py";
  std::string block = tar_header(bad_size);
  std::memcpy(block.data() + 124, "12x45678901", 11);
  set_checksum(block);
  CHECK(unpack(block + tar_end()).code() == "corrupt_archive");
  CHECK(unpack(pax_header("99 path=x\n") + tar_file("m/a.py", "a") + tar_end()).code() == "corrupt_archive");
  CHECK(unpack(pax_header(pax_record("size", "-1")) + tar_file("m/a.py", "a") + tar_end()).code() == "corrupt_archive");
  TarHeader huge_meta;
  huge_meta.name = "././@LongLink";
  huge_meta.type = 'L';
  huge_meta.size = 2u << 20;
  CHECK(unpack(tar_header(huge_meta) + padded(std::string(2u << 20, 'n')) + tar_end()).code() == "corrupt_archive");
  std::string run;
  for (int i = 0; i < 40; ++i) run += pax_header(pax_record("path", "m/x.py"));
  CHECK(unpack(run + tar_file("m/a.py", "a") + tar_end()).code() == "corrupt_archive");
}

TEST_CASE("archive: zip local/central mismatches and bad CRCs are corrupt_archive") {
  ZipEntry stored{"z/a.py", "print(1)\n"};
  stored.method = 0;
  const std::string good = make_zip({stored});
  REQUIRE(unpack(good).code() == "ok");
  SUBCASE("local name differs") {
    std::string zip = good;
    zip[30] = 'y';
    const auto u = unpack(zip);
    CHECK(u.code() == "corrupt_archive");
    CHECK(contains(u.message(), "zip entry 0"));
  }
  SUBCASE("local size differs") {
    std::string zip = good;
    zip[18] ^= 1;
    CHECK(unpack(zip).code() == "corrupt_archive");
  }
  SUBCASE("data does not match the CRC") {
    std::string zip = good;
    zip[30 + 6] ^= 1;
    const auto u = unpack(zip);
    CHECK(u.code() == "corrupt_archive");
    CHECK(contains(u.message(), "CRC"));
  }
  SUBCASE("central directory pointing nowhere") {
    std::string zip = good;
    const std::size_t central = zip.find("PK\x01\x02");
    zip[central + 42] = 0x7F;
    CHECK(unpack(zip).code() == "corrupt_archive");
  }
  SUBCASE("deflate data that is not deflate") {
    ZipEntry e{"z/b.py", "hello hello hello hello"};
    std::string zip = make_zip({e});
    zip[30 + 6] = static_cast<char>(0xFF);  // reserved block type 3
    CHECK(unpack(zip).code() == "corrupt_archive");
  }
}

TEST_CASE("archive: non-archive bytes are unsupported_archive") {
  const std::string cases[] = {"",
                               "hello, world",
                               "openapi: 3.0.0\n" + std::string(600, ' '),
                               "BZh91AY&SY",
                               std::string("\3757zXZ\0", 6),
                               "Rar!\x1a\x07",
                               gzip("just some text, not a tar archive\n"),
                               gzip(std::string(600, 'x')),
                               std::string(511, '\0')};
  for (const auto& bytes : cases) {
    CAPTURE(bytes.size());
    const auto u = unpack(bytes);
    CHECK(u.code() == "unsupported_archive");
    CHECK_FALSE(u.message().empty());
  }
  CHECK(contains(unpack("BZh91AY&SY").message(), "bzip2"));
  CHECK(unpack(std::string(1024, '\0')).code() == "ok");  // an empty tar
}

TEST_CASE("archive: duplicate paths keep the first") {
  const std::string tar =
      tar_file("d/a.py", "first") + tar_file("d/./a.py", "second") + tar_file("d/b.py", "b") + tar_end();
  const auto u = unpack(tar);
  REQUIRE(u.code() == "ok");
  CHECK(u.file("a.py") == "first");
  CHECK(u.reason("a.py") == "duplicate path");

  SourceBundle bundle;
  REQUIRE(bundle.add_file("b.py", "already here").ok());
  std::vector<SkippedFile> skipped;
  REQUIRE(smeltsec::unpack_archive(tar, bundle, skipped).ok());
  CHECK(*bundle.find("b.py") == "already here");
  CHECK(*bundle.find("a.py") == "first");
  CHECK(skipped.size() == 2);
}

TEST_CASE("archive: per-file limits skip the entry, bundle limits fail the archive") {
  Limits limits;
  limits.max_document_bytes = 1000;
  limits.max_bundle_bytes = 3000;
  limits.max_path_bytes = 40;
  SUBCASE("a large file is skipped and the next one still read") {
    for (const bool gzipped : {false, true}) {
      const std::string tar = tar_file("l/big.bin", std::string(5000, 'b')) + tar_file("l/next.py", "next") + tar_end();
      const auto u = unpack(gzipped ? gzip(tar) : tar, limits);
      REQUIRE(u.code() == "ok");
      CHECK(u.reason("big.bin") == "too large (5000 bytes)");
      CHECK(u.file("next.py") == "next");
    }
  }
  SUBCASE("paths are measured without the stripped top folder") {
    const std::string fits = std::string(40, 'p');
    const auto u = unpack(tar_file("top/" + fits, "ok") + tar_file("top/" + fits + "x", "long") + tar_end(), limits);
    REQUIRE(u.code() == "ok");
    CHECK(u.file(fits) == "ok");
    CHECK(u.reason(fits + "x") == "path longer than 40 bytes");
    const auto unstripped = unpack(tar_file("top/" + fits, "ok") + tar_file("x.py", "x") + tar_end(), limits);
    REQUIRE(unstripped.code() == "ok");
    CHECK(unstripped.reason("top/" + fits) == "path longer than 40 bytes");
  }
  SUBCASE("a name that is not UTF-8") {
    const auto u = unpack(tar_file("u/caf\xE9.py", "latin-1") + tar_file("u/ok.py", "ok") + tar_end(), limits);
    REQUIRE(u.code() == "ok");
    CHECK(u.reason("caf\\xe9.py") == "name not UTF-8");
    CHECK(u.paths() == std::vector<std::string>{"ok.py"});
  }
  SUBCASE("the bundle size limit fails the archive and leaves the bundle unchanged") {
    std::string tar;
    for (int i = 0; i < 4; ++i) tar += tar_file("s/" + std::to_string(i) + ".py", std::string(900, 'x'));
    const auto u = unpack(tar + tar_end(), limits);
    CHECK(u.code() == "size_limit");
    CHECK(u.status.error().where == "s/3.py");
    CHECK(u.bundle.files().empty());
  }
  SUBCASE("inflating far past the bundle limit is size_limit even at a modest ratio") {
    std::string data;
    for (int i = 0; data.size() < 20000; ++i) data += std::to_string(i * 7919 % 10007) + ",";
    std::string tar;
    for (int i = 0; i < 10; ++i) tar += tar_file("s/" + std::to_string(i) + ".csv", data);
    const auto u = unpack(gzip(tar + tar_end()), limits);
    CHECK(u.code() == "size_limit");
    CHECK(contains(u.message(), "inflates"));
  }
}

TEST_CASE("archive: multi-member gzip and sparse or unusual tar entries") {
  const std::string first = tar_file("m/a.py", "a");
  const std::string second = tar_file("m/b.py", "b") + tar_end();
  const auto u = unpack(gzip(first) + gzip(second));
  REQUIRE(u.code() == "ok");
  CHECK(u.paths() == std::vector<std::string>{"a.py", "b.py"});

  const std::string sparse = pax_header(pax_record("GNU.sparse.major", "1") + pax_record("GNU.sparse.name", "m/s.db")) +
                             tar_file("m/GNUSparseFile.0/s.db", "map+data") + tar_file("m/ok.py", "ok") + tar_end();
  const auto s = unpack(sparse);
  REQUIRE(s.code() == "ok");
  CHECK(s.reason("s.db") == "sparse file");
  CHECK(s.paths() == std::vector<std::string>{"ok.py"});
}

// Found by fuzz_archive: "n/i:Cw.py" passes the drive-letter check, then becomes "i:Cw.py" when the top folder
// is stripped, which SourceBundle refuses; the archive must skip it, not fail.
TEST_CASE("archive_drive_letter_after_stripping_is_skipped") {
  const auto u = unpack(tar_file("../evil.py", "x") + tar_file("n/i:Cw.py", "x") + tar_file("n/ok.py", "ok") +
                        tar_file("./C:/win.py", "x") + tar_end());
  REQUIRE(u.code() == "ok");
  CHECK(u.paths() == std::vector<std::string>{"ok.py"});
  CHECK(u.reason("i:Cw.py") == "path escapes the archive root");
  CHECK(u.reason("./C:/win.py") == "path escapes the archive root");
}
