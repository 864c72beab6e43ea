#!/usr/bin/env bash
# Assembles, in the directory given, the root filesystem of the worker
# image's ffmpeg variant from this machine's Debian packages: /usr/bin/ffmpeg,
# every shared library it loads (as ldd resolves them), the dynamic loader,
# ld.so.cache, and the copyright file of each Debian package those files
# come from (ffmpeg and several of its libraries are GPL/LGPL: the image
# carries their licences). Nothing is downloaded; ffmpeg must be installed
# (apt-get install ffmpeg).
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
ffmpeg=$(command -v ffmpeg) || { echo "ffmpeg is not installed (apt-get install ffmpeg)" >&2; exit 1; }
ffmpeg=$(readlink -f "$ffmpeg")
rm -rf "$out"
mkdir -p "$out/usr/bin" "$out/etc" "$out/usr/share/doc"
cp "$ffmpeg" "$out/usr/bin/ffmpeg"
files=("$ffmpeg")
while read -r lib; do
  [ -n "$lib" ] || continue
  real=$(readlink -f "$lib")
  mkdir -p "$out$(dirname "$lib")"
  cp "$real" "$out$lib"
  files+=("$real")
done < <(ldd "$ffmpeg" | awk '/=> \// {print $3} /^[ \t]*\/.*ld-linux/ {print $1}' | sort -u)
cp /etc/ld.so.cache "$out/etc/ld.so.cache"
# Licences: the copyright file of every package a copied file belongs to.
pkgs=$(for f in "${files[@]}"; do dpkg -S "$f" 2>/dev/null || dpkg -S "${f#/usr}" 2>/dev/null || true; done | cut -d: -f1 | sort -u)
for p in $pkgs; do
  if [ -f "/usr/share/doc/$p/copyright" ]; then
    mkdir -p "$out/usr/share/doc/$p"
    cp "/usr/share/doc/$p/copyright" "$out/usr/share/doc/$p/copyright"
  fi
done
printf '%s\n' $pkgs > "$out/usr/share/doc/PACKAGES"
echo "ffmpeg root filesystem in $out: $(du -sh "$out" | cut -f1), $(echo "$pkgs" | wc -w) Debian packages, $(ffmpeg -version | head -1)"
