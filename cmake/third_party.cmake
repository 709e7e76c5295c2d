# Third-party libraries, built from sources fetched at set-up time (never committed):
#   .cache/third_party/  Debian source packages (scripts/fetch_third_party.sh, pinned in scripts/third_party.lock)
#   node_modules/        tree-sitter core and grammars (npm ci, pinned in package-lock.json)
#   /usr/include         header-only nlohmann-json, RapidJSON and doctest (Debian packages), exposed through a
#                        folder of symlinks so that emcc never sees /usr/include (glibc headers would leak in).
set(SMELTSEC_TP ${CMAKE_SOURCE_DIR}/.cache/third_party CACHE PATH "third-party sources from Debian")
set(SMELTSEC_NODE_MODULES ${CMAKE_SOURCE_DIR}/node_modules CACHE PATH "npm-installed third-party sources")
foreach(dir ${SMELTSEC_TP}/libsodium ${SMELTSEC_TP}/re2 ${SMELTSEC_TP}/yaml-cpp ${SMELTSEC_TP}/zlib
            ${SMELTSEC_NODE_MODULES}/tree-sitter/vendor/tree-sitter/lib)
  if(NOT EXISTS ${dir})
    message(FATAL_ERROR "${dir} is missing: run `sh scripts/setup.sh` (or `npm run build`) first")
  endif()
endforeach()

# ---- header-only libraries through a symlink folder ----
set(SMELTSEC_SHIM ${CMAKE_BINARY_DIR}/shim_include)
file(MAKE_DIRECTORY ${SMELTSEC_SHIM})
foreach(hdr nlohmann rapidjson doctest)
  if(NOT EXISTS /usr/include/${hdr})
    message(FATAL_ERROR "/usr/include/${hdr} is missing: run `sh scripts/setup.sh` first")
  endif()
  if(NOT EXISTS ${SMELTSEC_SHIM}/${hdr} AND NOT hdr STREQUAL "rapidjson")
    file(CREATE_LINK /usr/include/${hdr} ${SMELTSEC_SHIM}/${hdr} SYMBOLIC)
  endif()
endforeach()
# RapidJSON, copied and patched (the rest of its headers unchanged): cmake/rapidjson/<header>-<name>.old/.new
# are exact fragments of <header>.h and their replacements (every occurrence; see each .new for why):
# - *-sse2-control: its SSE2 string scans test "byte < 0x20" as max(byte, 0x19) == 0x19, so 0x1A-0x1F pass
#   as ordinary characters: the writer leaves them unescaped (invalid JSON) and the parser accepts them raw
#   in a string, both only inside 16-byte-aligned blocks. Upstream fixed it by comparing with 0x1F.
# - reader-skip-*: unaligned 16-byte scans; document-capacity: room for 4 members, not 16.
# A fragment that is not found stops configuration. tests/unit/json_test.cpp covers them.
file(GLOB SMELTSEC_RJ_PATCHES ${CMAKE_CURRENT_LIST_DIR}/rapidjson/*.old ${CMAKE_CURRENT_LIST_DIR}/rapidjson/*.new)
set(SMELTSEC_RJ_STAMP "")
foreach(f ${SMELTSEC_RJ_PATCHES})
  file(SHA256 ${f} h)
  string(APPEND SMELTSEC_RJ_STAMP ${h})
endforeach()
string(SHA256 SMELTSEC_RJ_STAMP "${SMELTSEC_RJ_STAMP}")
string(SUBSTRING ${SMELTSEC_RJ_STAMP} 0 16 SMELTSEC_RJ_STAMP)
set(rj_marker ${SMELTSEC_SHIM}/rapidjson/.patched)
set(rj_done "")
if(EXISTS ${rj_marker})
  file(READ ${rj_marker} rj_done)
endif()
if(NOT rj_done STREQUAL SMELTSEC_RJ_STAMP)
  if(IS_SYMLINK ${SMELTSEC_SHIM}/rapidjson)
    file(REMOVE ${SMELTSEC_SHIM}/rapidjson)  # a build folder made before the headers were patched
  endif()
  file(REMOVE_RECURSE ${SMELTSEC_SHIM}/rapidjson)
  file(COPY /usr/include/rapidjson DESTINATION ${SMELTSEC_SHIM})
  file(GLOB olds ${CMAKE_CURRENT_LIST_DIR}/rapidjson/*.old)
  foreach(old_file ${olds})
    string(REGEX REPLACE "\\.old$" ".new" new_file ${old_file})
    get_filename_component(name ${old_file} NAME_WE)
    string(REGEX MATCH "^[a-z]+" header ${name})
    file(READ ${old_file} old)
    file(READ ${new_file} new)
    file(READ ${SMELTSEC_SHIM}/rapidjson/${header}.h text)
    string(FIND "${text}" "${old}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "RapidJSON ${header}.h: the fragment of ${old_file} was not found")
    endif()
    string(REPLACE "${old}" "${new}" text "${text}")
    file(WRITE ${SMELTSEC_SHIM}/rapidjson/${header}.h "${text}")
  endforeach()
  file(WRITE ${rj_marker} ${SMELTSEC_RJ_STAMP})
endif()
add_library(smeltsec_headers INTERFACE)
target_include_directories(smeltsec_headers SYSTEM INTERFACE ${SMELTSEC_SHIM})
# RapidJSON: std::string support, and 64-bit size types are not needed (documents are capped far below 4 GB).
target_compile_definitions(smeltsec_headers INTERFACE RAPIDJSON_HAS_STDSTRING=1)
# Names the header patches above: a build folder compiled against other headers (dependency files made
# through the old symlink name /usr/include) sees changed flags and recompiles.
target_compile_definitions(smeltsec_headers INTERFACE SMELTSEC_RAPIDJSON_PATCH=${SMELTSEC_RJ_STAMP})
# RapidJSON's SSE2 paths skip whitespace and scan strings 16 bytes at a time: GitHub's description is half
# indentation. x86-64 always has SSE2; the wasm build gets it from 128-bit wasm SIMD (-msimd128 -msse2,
# set for the whole wasm build in CMakeLists.txt). json::parse pads its buffer for the aligned 16-byte reads.
if(EMSCRIPTEN OR CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  target_compile_definitions(smeltsec_headers INTERFACE RAPIDJSON_SSE2)
endif()

# ---- tree-sitter core and grammars ----
set(TS_LIB ${SMELTSEC_NODE_MODULES}/tree-sitter/vendor/tree-sitter/lib)
add_library(ts_core STATIC ${TS_LIB}/src/lib.c)
target_include_directories(ts_core SYSTEM PUBLIC ${TS_LIB}/include PRIVATE ${TS_LIB}/src)
target_compile_definitions(ts_core PRIVATE _POSIX_C_SOURCE=200112L _DEFAULT_SOURCE)
target_compile_options(ts_core PRIVATE -w)
set(SMELTSEC_GRAMMARS
  python=tree-sitter-python/src
  javascript=tree-sitter-javascript/src
  typescript=tree-sitter-typescript/typescript/src
  tsx=tree-sitter-typescript/tsx/src)
set(SMELTSEC_GRAMMAR_LIBS "")
foreach(entry ${SMELTSEC_GRAMMARS})
  string(REPLACE "=" ";" kv ${entry})
  list(GET kv 0 lang)
  list(GET kv 1 dir)
  file(GLOB gsrc ${SMELTSEC_NODE_MODULES}/${dir}/parser.c ${SMELTSEC_NODE_MODULES}/${dir}/scanner.c)
  add_library(ts_${lang} STATIC ${gsrc})
  target_include_directories(ts_${lang} PRIVATE ${SMELTSEC_NODE_MODULES}/${dir})
  target_compile_options(ts_${lang} PRIVATE -w)
  list(APPEND SMELTSEC_GRAMMAR_LIBS ts_${lang})
endforeach()
add_library(ts_all INTERFACE)
target_link_libraries(ts_all INTERFACE ts_core ${SMELTSEC_GRAMMAR_LIBS})

# ---- libsodium 1.0.18 (portable C only; built without autotools) ----
set(SODIUM_DIR ${SMELTSEC_TP}/libsodium/src/libsodium)
file(GLOB_RECURSE SODIUM_SRCS ${SODIUM_DIR}/*.c)
set(VERSION 1.0.18)
set(SODIUM_LIBRARY_VERSION_MAJOR 10)
set(SODIUM_LIBRARY_VERSION_MINOR 3)
set(SODIUM_LIBRARY_MINIMAL_DEF "")
configure_file(${SODIUM_DIR}/include/sodium/version.h.in ${SODIUM_DIR}/include/sodium/version.h @ONLY)
add_library(sodium_static STATIC ${SODIUM_SRCS})
target_include_directories(sodium_static SYSTEM PUBLIC ${SODIUM_DIR}/include PRIVATE ${SODIUM_DIR}/include/sodium)
target_compile_definitions(sodium_static PUBLIC SODIUM_STATIC=1 PRIVATE CONFIGURED=1 NATIVE_LITTLE_ENDIAN=1 _GNU_SOURCE=1)
if(NOT EMSCRIPTEN AND CMAKE_SIZEOF_VOID_P EQUAL 8)
  target_compile_definitions(sodium_static PRIVATE HAVE_TI_MODE=1)
endif()
target_compile_options(sodium_static PRIVATE -w)

# ---- RE2 2022-06-01 (the last release line without abseil) ----
set(RE2_DIR ${SMELTSEC_TP}/re2)
set(RE2_SRCS bitstate.cc compile.cc dfa.cc filtered_re2.cc mimics_pcre.cc nfa.cc onepass.cc
  parse.cc perl_groups.cc prefilter.cc prefilter_tree.cc prog.cc re2.cc regexp.cc set.cc
  simplify.cc stringpiece.cc tostring.cc unicode_casefold.cc unicode_groups.cc)
list(TRANSFORM RE2_SRCS PREPEND ${RE2_DIR}/re2/)
add_library(re2_static STATIC ${RE2_SRCS} ${RE2_DIR}/util/rune.cc ${RE2_DIR}/util/strutil.cc)
target_include_directories(re2_static SYSTEM PUBLIC ${RE2_DIR})
target_compile_options(re2_static PRIVATE -w)

# ---- yaml-cpp 0.7.0 (reports errors by throwing: wasm builds use -fwasm-exceptions) ----
set(YAMLCPP_DIR ${SMELTSEC_TP}/yaml-cpp)
file(GLOB YAMLCPP_SRCS ${YAMLCPP_DIR}/src/*.cpp)
add_library(yamlcpp_static STATIC ${YAMLCPP_SRCS})
target_include_directories(yamlcpp_static SYSTEM PUBLIC ${YAMLCPP_DIR}/include PRIVATE ${YAMLCPP_DIR}/src)
target_compile_definitions(yamlcpp_static PUBLIC YAML_CPP_STATIC_DEFINE)
target_compile_options(yamlcpp_static PRIVATE -w)

# ---- zlib 1.2.13 (emcc's -sUSE_ZLIB port is not in Debian's frozen cache) ----
set(ZLIB_DIR ${SMELTSEC_TP}/zlib)
add_library(zlib_static STATIC
  ${ZLIB_DIR}/adler32.c ${ZLIB_DIR}/compress.c ${ZLIB_DIR}/crc32.c ${ZLIB_DIR}/deflate.c
  ${ZLIB_DIR}/infback.c ${ZLIB_DIR}/inffast.c ${ZLIB_DIR}/inflate.c ${ZLIB_DIR}/inftrees.c
  ${ZLIB_DIR}/trees.c ${ZLIB_DIR}/uncompr.c ${ZLIB_DIR}/zutil.c)
target_include_directories(zlib_static SYSTEM PUBLIC ${ZLIB_DIR})
target_compile_definitions(zlib_static PRIVATE HAVE_UNISTD_H HAVE_STDARG_H)
target_compile_options(zlib_static PRIVATE -w)
