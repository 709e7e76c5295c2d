#!/bin/sh
# Fetches the C/C++ libraries that come as Debian source packages into .cache/third_party/.
# apt verifies the archive's signatures; every .dsc is additionally pinned by SHA-256 in
# scripts/third_party.lock, and dpkg-source then checks each tarball against its .dsc.
# npm-borne sources (tree-sitter and grammars) come from `npm ci` (package-lock.json pins them).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/third_party"
lock="$root/scripts/third_party.lock"
stamp="$dest/.stamp"
if [ -f "$stamp" ] && cmp -s "$stamp" "$lock"; then exit 0; fi
echo "smeltsec: fetching third-party sources (Debian source packages) into .cache/third_party" >&2
rm -rf "$dest"; mkdir -p "$dest"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/src.list" <<'L'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
L
mkdir -p "$work/lists/partial"
opts="-o APT::Sandbox::User=root -o Dir::Etc::SourceList=$work/src.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$work/lists"
# shellcheck disable=SC2086
apt-get $opts update -qq
cd "$work"
grep -v '^#' "$lock" | while read -r sha dsc ver target; do
  [ -n "$sha" ] || continue
  pkg=${dsc%%_*}
  # shellcheck disable=SC2086
  apt-get $opts source --download-only -qq "$pkg=$ver" >/dev/null
  echo "$sha  $dsc" | sha256sum -c --quiet - || { echo "checksum mismatch for $dsc" >&2; exit 1; }
  dpkg-source -x "$dsc" "$work/x-$target" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; exit 1; }
  mv "$work/x-$target" "$dest/$target"
done
# RE2's +dfsg tarball lacks its generated Unicode tables; regenerate them from Debian's unicode-data.
( cd "$dest/re2" && perl re2/make_perl_groups.pl > re2/perl_groups.cc &&
  cd re2 && python3 make_unicode_casefold.py > unicode_casefold.cc && python3 make_unicode_groups.py > unicode_groups.cc )
cp "$lock" "$stamp"
echo "smeltsec: third-party sources ready" >&2
