#!/usr/bin/env bash
# Builds liblathe_shim.so against the machine's libtorch (or $LIBTORCH, e.g. an official CUDA
# build: LIBTORCH=/opt/libtorch). Make-like: rebuilds only what changed. Usage: build.sh TARGET_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=$1
GEN=$TARGET/generated-native
OBJ=$TARGET/native-obj
OUT=$TARGET/native-out/dev/lathe/ffi/native/linux-$(uname -m)
mkdir -p "$OBJ" "$OUT"

if [ -n "${LIBTORCH:-}" ]; then
  INC=(-I"$LIBTORCH/include" -I"$LIBTORCH/include/torch/csrc/api/include")
  LIBDIR=(-L"$LIBTORCH/lib" -Wl,-rpath,"$LIBTORCH/lib")
else
  INC=(-I/usr/include/torch/csrc/api/include)
  LIBDIR=()
  if [ ! -f /usr/include/ATen/ATen.h ] && [ ! -f /usr/include/torch/csrc/api/include/torch/version.h ]; then
    echo "build.sh: libtorch headers not found: install Debian's libtorch-dev (./lathe setup) or set LIBTORCH=/path/to/libtorch" >&2
    exit 1
  fi
fi
# c10d: ProcessGroupGloo's header is guarded by USE_C10D_GLOO (libtorch is built with it; Debian's gloo
# headers come from libgloo-dev). NCCL only with a CUDA libtorch: on when $LIBTORCH has libtorch_cuda,
# unless LATHE_NCCL=0.
DIST=(-DUSE_C10D_GLOO)
DISTLIBS=()
if [ -n "${LIBTORCH:-}" ] && [ -f "$LIBTORCH/lib/libtorch_cuda.so" ] && [ "${LATHE_NCCL:-1}" != 0 ]; then
  DIST+=(-DUSE_C10D_NCCL -DLATHE_NCCL)
  DISTLIBS+=(-ltorch_cuda)
fi
# LATHE_CXXFLAGS adds flags, e.g. -D_GLIBCXX_USE_CXX11_ABI=0 for a pre-cxx11-ABI libtorch archive
CXXFLAGS=(-std=c++17 -O2 -fPIC -fvisibility=hidden -Wno-deprecated-declarations ${LATHE_CXXFLAGS:-} "${DIST[@]}" "${INC[@]}" -I"$HERE" -I"$GEN")

objs=()
pids=()
for src in "$HERE"/shim_*.cpp "$GEN/ops_gen.cpp"; do
  o="$OBJ/$(basename "${src%.cpp}").o"
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$HERE/lathe.h" -nt "$o" ] || [ "$HERE/shim_internal.h" -nt "$o" ]; then
    echo "build.sh: compiling $(basename "$src")" >&2
    g++ "${CXXFLAGS[@]}" -c "$src" -o "$o" & pids+=($!)
  fi
done
for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p"; done

so="$OUT/liblathe_shim.so"
need=0; [ -f "$so" ] || need=1
for o in "${objs[@]}"; do [ "$o" -nt "$so" ] && need=1; done
if [ $need = 1 ]; then
  g++ -shared -o "$so.tmp" "${objs[@]}" "${LIBDIR[@]}" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 "${DISTLIBS[@]}" -Wl,--as-needed
  mv "$so.tmp" "$so"
  echo "build.sh: linked $so" >&2
fi
