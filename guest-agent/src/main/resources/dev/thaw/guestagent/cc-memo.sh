#!/bin/sh
# cc-memo.sh: the C compiler a language's own compiler calls (haskell: ghc -pgmc), which is gcc
# except that a compile of one source with -c that it has done before in this guest, with the
# same arguments (paths of the source and the object aside) and the same source, copies the
# object it made then instead of compiling again.
#
# ghc links every program with two files it writes afresh, identical from one program to the
# next for the same packages and flags: a C file holding main() and an assembler file holding
# a note of the link's options. Each is a gcc driver, and cc1 or as, that TCG translates anew
# after a restore. The snapshot's warm-up compile leaves both objects here, so a run finds them.
# Entries are directories written whole and renamed into place, so a compile killed halfway
# leaves no entry that a later one could take.
set -u
memo=${CC_MEMO_DIR:-/tmp/thaw-cc-memo}
max_entries=16
compiler=${CC_MEMO_COMPILER:-gcc}

. "${0%/*}/gcc-response.sh"

source= object= compiles=0 sources=0 previous=
for arg in "$@"; do
    [ "$previous" = -o ] && object=$arg
    case $arg in
        -c) compiles=1 ;;
        -*) ;;
        *.c | *.s) source=$arg sources=$((sources + 1)) ;;
    esac
    previous=$arg
done
if [ "$compiles" = 0 ] || [ "$sources" != 1 ] || [ -z "$object" ]; then
    exec "$compiler" "$@"
fi

# The arguments on one line, each ended by a unit separator, with the source's and the
# object's paths as placeholders. Reading it back is a shell builtin: no process.
separator=$(printf '\037')
key=
for arg in "$@"; do
    case $arg in
        "$source") arg='{source}' ;;
        "$object") arg='{object}' ;;
    esac
    key="$key$arg$separator"
done

for entry in "$memo"/entry.*; do
    [ -f "$entry/object" ] && IFS= read -r stored < "$entry/arguments" || continue
    [ "$stored" = "$key" ] && cmp -s "$source" "$entry/source" && cp "$entry/object" "$object" && exit 0
done

"$compiler" "$@" || exit
set -- "$memo"/entry.*
[ -e "$1" ] && [ $# -ge "$max_entries" ] && exit 0
mkdir -p "$memo" && new=$(mktemp -d "$memo/new.XXXXXX") || exit 0
if printf '%s\n' "$key" > "$new/arguments" && cp "$source" "$new/source" && cp "$object" "$new/object"; then
    mv "$new" "$memo/entry.${new##*.}" 2>/dev/null && exit 0
fi
rm -rf "$new"
exit 0
