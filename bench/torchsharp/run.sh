#!/usr/bin/env bash
# The BenchmarkDotNet suite with the TorchSharp peer (TorchSharp-cpu 0.107.0, libtorch 2.10 for the CPU):
#
#   bench/torchsharp/run.sh [BenchmarkDotNet arguments]     default: --filter '*'
#
# TorchSharp's native library needs libstdc++ from GCC 13 or newer (GLIBCXX_3.4.32); Debian 12 has GCC 12's.
# Where the system's is older, this script takes Debian 13's libstdc++6 package from deb.debian.org into
# bench/torchsharp/.deps (nothing is installed system-wide), points its one glibc 2.38 requirement
# (__isoc23_strtoul) at a version glibc 2.36 has (retarget_version.py), builds a replacement for that function
# (isoc23.c, preloaded), and starts the suite with both on the library path. TorchSharp and libtorch run as shipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deps="$here/.deps"
if [[ $# -eq 0 ]]; then set -- --filter '*'; fi

needs_newer_libstdcxx() {
  local system
  system=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')
  [[ -z "$system" ]] || ! grep -q GLIBCXX_3.4.32 "$system"
}

if needs_newer_libstdcxx; then
  if [[ ! -e "$deps/lib/libstdc++.so.6" || ! -e "$deps/lib/libisoc23.so" ]]; then
    mkdir -p "$deps/lib" "$deps/deb"
    mirror=http://deb.debian.org/debian
    echo "bench/torchsharp: fetching Debian 13's libstdc++6 from $mirror" >&2
    curl -fsS -o "$deps/deb/Packages.xz" "$mirror/dists/trixie/main/binary-amd64/Packages.xz"
    xz -dc "$deps/deb/Packages.xz" > "$deps/deb/Packages"
    file=$(awk '/^Package: libstdc\+\+6$/ { found = 1 } found && /^Filename:/ { print $2; exit }' "$deps/deb/Packages")
    [[ -n "$file" ]] || { echo "bench/torchsharp: libstdc++6 is not in Debian 13's package index" >&2; exit 1; }
    curl -fsS -o "$deps/deb/libstdc++6.deb" "$mirror/$file"
    rm -rf "$deps/deb/x" && dpkg-deb -x "$deps/deb/libstdc++6.deb" "$deps/deb/x"
    cp "$deps"/deb/x/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.* "$deps/lib/libstdc++.so.6"
    python3 "$here/retarget_version.py" "$deps/lib/libstdc++.so.6" GLIBC_2.38
    gcc -shared -fPIC -O2 -o "$deps/lib/libisoc23.so" "$here/isoc23.c"
  fi
  export LD_LIBRARY_PATH="$deps/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_PRELOAD="$deps/lib/libisoc23.so${LD_PRELOAD:+:$LD_PRELOAD}"
  echo "bench/torchsharp: libstdc++ from $deps/lib" >&2
fi

export LSTMGEN_TORCHSHARP=1
cd "$here/../LstmGen.Bench"
exec dotnet run -c Release -- "$@"
