#!/usr/bin/env bash
# The PyTorch peer in one command: the C# bench exports weights, inputs and expected outputs, then
# bench.py checks and times them with Debian's torch (python3-torch).
#
#   bench/pytorch/run.sh [--system-blas] [--quick]
#
# Debian's torch calls whatever libblas.so.3 the system provides; on a stock Debian 12 that is the
# reference (netlib) BLAS, several times slower than any tuned BLAS. By default this script unpacks
# Debian's OpenBLAS package into bench/pytorch/.deps (nothing is installed system-wide) and puts it
# first on the library path, single-threaded; --system-blas keeps the system's BLAS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/data"
blas=openblas
args=()
for arg in "$@"; do
  case "$arg" in
    --system-blas) blas=system ;;
    *) args+=("$arg") ;;
  esac
done

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "bench/pytorch: /usr/bin/python3 cannot import torch; install Debian's python3-torch (apt-get install python3-torch)." >&2
  exit 1
fi

dotnet run -c Release --project "$here/../LstmGen.Bench" -- export-pytorch "$data"

if [[ "$blas" == openblas ]]; then
  lib="$here/.deps/usr/lib/x86_64-linux-gnu/openblas-pthread"
  if [[ ! -e "$lib/libblas.so.3" ]]; then
    mkdir -p "$here/.deps"
    if (cd "$here/.deps" && apt-get download libopenblas0-pthread >/dev/null 2>&1); then
      dpkg -x "$here"/.deps/libopenblas0-pthread_*.deb "$here/.deps"
    else
      echo "bench/pytorch: could not download libopenblas0-pthread (run apt-get update?); using the system BLAS." >&2
    fi
  fi
  if [[ -e "$lib/libblas.so.3" ]]; then
    export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export OPENBLAS_NUM_THREADS=1
  fi
fi

/usr/bin/python3 "$here/bench.py" "$data" ${args[@]+"${args[@]}"}
