#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Every public header compiles alone, as the first and only include of a
# file, in C17 (gcc) and C++17 (g++) with -Wall -Wextra -Werror, and again
# with the build's own C/C++ compilers when they differ (clang builds).
# Only the public include directories are on the path, so a header that
# reaches a private one fails here. No -D_GNU_SOURCE: an embedder need not
# define it.
# usage: abi_headers.sh BUILD_CC BUILD_CXX PUBLIC_INCLUDE_DIR...
set -eu
BCC=$1; BCXX=$2; shift 2
T=$(mktemp -d /tmp/tapring-abi-headers.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

command -v gcc >/dev/null && command -v g++ >/dev/null || { echo "SKIP: gcc/g++ not installed"; exit 77; }
incs=""
for d in "$@"; do incs="$incs -I$d"; done

compilers="gcc:c g++:c++"
# the build's compilers too, unless they are gcc/g++ under another name (cc)
same() { [ "$(readlink -f "$(command -v "$1")")" = "$(readlink -f "$(command -v "$2")")" ]; }
same "$BCC" gcc || compilers="$compilers $BCC:c"
same "$BCXX" g++ || compilers="$compilers $BCXX:c++"

n=0; bad=0
for d in "$@"; do
	for h in $(cd "$d" && find tapring -name '*.h' | sort); do
		for cl in $compilers; do
			c=${cl%:*}; lang=${cl##*:}
			if [ "$lang" = c ]; then std=-std=c17; ext=c; else std=-std=c++17; ext=cpp; fi
			f="$T/one.$ext"
			printf '#include <%s>\n' "$h" >"$f"
			# shellcheck disable=SC2086
			if ! $c $std -Wall -Wextra -Werror $incs -fsyntax-only "$f" >"$T/err" 2>&1; then
				echo "FAIL: <$h> does not compile alone with $c $std -Wall -Wextra -Werror:"
				head -20 "$T/err"
				bad=$((bad + 1))
			fi
			n=$((n + 1))
		done
	done
done
[ "$n" -gt 0 ] || { echo "FAIL: no public header found in $*"; exit 1; }
[ "$bad" -eq 0 ] || { echo "$bad of $n compiles failed"; exit 1; }
echo "ok: $n compiles ($compilers), every public header alone"
