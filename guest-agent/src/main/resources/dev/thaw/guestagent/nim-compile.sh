#!/bin/sh
# nim-compile.sh: nim's compile command and its resident compiler (languages.json), which must
# compile alike.
#
#   nim-compile.sh OUTPUT   compiles main.nim of the working directory into OUTPUT
#   nim-compile.sh --held   the resident: the same compile, started at boot and held by
#                           compile-hold.so where nim opens the program's source, once nim has
#                           compiled its system module
#
# Every compile runs in one directory, on one copy of the source, under one lock: nim names its
# cache's files after the source's path, so the cache the snapshot's warm-up filled (the standard
# library's C files and objects) serves the next compile only from the same path.
#
# THAW_NIM_DIR and THAW_LIBRARY_DIR move that directory and where Thaw's libraries are (tests on
# the host).
set -u
dir=${THAW_NIM_DIR:-/tmp/thaw-nim}
libraries=${THAW_LIBRARY_DIR:-/opt/thaw}
nim_compile() {
    exec nim compile --hints:off --verbosity:0 --nimcache:"$dir/cache" "-o:$1" main.nim
}

if [ "${1:-}" = --held ]; then
    mkdir -p "$dir" && cd "$dir" && : >> main.nim || exit # nim checks that its source exists at start
    export LD_PRELOAD="$libraries/premain.so $libraries/compile-hold.so" THAW_HOLD_SOURCE="$dir/main.nim" \
        THAW_HOLD_OUTPUT="$dir/main" THAW_HOLD_LOCK="$dir/lock" THAW_HOLD_PROGRAM=main
    nim_compile "$dir/main"
fi

out=$1
mkdir -p "$dir" && exec 9>"$dir/lock" && flock 9 && cp main.nim "$dir/main.nim" && cd "$dir" || exit
nim_compile "$out"

