#!/bin/sh
# compile-hold.sh: starts a compiled language's resident compiler (languages.json: "hold"):
# COMMAND, the language's own compile, run in DIR under premain.so and compile-hold.so, which
# hold it where it first opens DIR/SOURCE until the guest's last program comes.
#
#   compile-hold.sh [--lock] [--then SHELL-COMMAND] [--env NAME=VALUE]... DIR SOURCE OUTPUT COMMAND...
#
# --lock: the compile command shares DIR and takes DIR/lock, so the held compile takes it too.
# --then: what the compile command runs after the compiler, in DIR (vala: the C compiler).
# --env: a variable the compile command sets for the compiler alone; the compiler keeps it once
#        it has taken the program's environment, and the program does not get it.
# OUTPUT: the program the compile writes in DIR, which becomes the working directory's main.
# THAW_LIBRARY_DIR says where Thaw's libraries are (tests on the host); /opt/thaw by default.
set -u
libraries=${THAW_LIBRARY_DIR:-/opt/thaw}
lock= then= compiler_env=
newline='
'
while :; do
    case ${1:-} in
        --lock) lock=1; shift ;;
        --then) then=$2; shift 2 ;;
        --env) export "$2"; compiler_env=$compiler_env$2$newline; shift 2 ;;
        *) break ;;
    esac
done
dir=$1 source=$2 output=$3
shift 3
mkdir -p "$dir" && cd "$dir" && : >> "$source" || exit # a compiler may check at start that its source exists
export LD_PRELOAD="$libraries/premain.so $libraries/compile-hold.so" THAW_HOLD_SOURCE="$dir/$source" \
    THAW_HOLD_OUTPUT="$dir/$output"
if [ -n "$lock" ]; then export THAW_HOLD_LOCK="$dir/lock"; fi
if [ -n "$then" ]; then export THAW_HOLD_THEN="$then"; fi
if [ -n "$compiler_env" ]; then export THAW_HOLD_ENV="$compiler_env"; fi
exec "$@"
