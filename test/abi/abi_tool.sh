#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The tapring tool is an embedder like any other: it links libtapring.so
# (so only exported API resolves, see abi_symbols), not the static library,
# and it exports no symbol of its own (its dynamic symbol table defines only
# the C library's copy-relocated data, e.g. stdout@GLIBC).
# usage: abi_tool.sh TAPRING_EXE LIBTAPRING_MAP
set -eu
exe=$1; map=$2
command -v nm >/dev/null && command -v readelf >/dev/null || { echo "SKIP: binutils not installed"; exit 77; }
if ! readelf -d "$exe" | grep -q 'NEEDED.*\[libtapring\.so\.'; then
	echo "FAIL: $exe does not link libtapring.so; tool/meson.build must use tapring_so_dep (exported API only)"
	exit 1
fi
# No library function compiled into the executable (a static link would be).
lib=$(grep -E '^[[:space:]]+tr_[a-z0-9_]+;' "$map" | tr -d ' \t;' | sort)
[ -n "$lib" ] || { echo "FAIL: no name read from $map"; exit 1; }
T=$(mktemp /tmp/tapring-abi-tool.XXXXXX)
trap 'rm -f "$T"' EXIT INT TERM
nm --defined-only "$exe" 2>/dev/null | awk '{print $3}' | sort >"$T"
both=$(printf '%s\n' "$lib" | comm -12 - "$T")
if [ -n "$both" ]; then
	echo "FAIL: $exe defines library functions itself (static link?):"; echo "$both" | head -5
	exit 1
fi
own=$(nm -D --defined-only "$exe" | awk '{print $3}' | grep -v '@GLIBC_' || true)
# A sanitizer build exports the runtime's interceptors (malloc, read, ...)
# from the executable: there, check only that none of ours is among them.
if printf '%s\n' "$own" | grep -Eq '^__(asan|tsan|ubsan|sanitizer)_'; then
	own=$(printf '%s\n' "$own" | grep -E '^(tr_|tr__|tool_|up_)' || true)
fi
if [ -n "$own" ]; then
	echo "FAIL: $exe exports symbols of its own:"; echo "$own" | head -20
	exit 1
fi
echo "ok: $exe links libtapring.so and exports nothing of its own"
