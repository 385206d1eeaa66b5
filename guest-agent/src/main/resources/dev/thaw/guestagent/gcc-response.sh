# gcc-response.sh, read with `.` by Thaw's scripts that stand in for gcc where ghc calls it
# (cc-memo.sh, ghci-toolchain.sh): ghc may pass gcc's arguments in a response file, @FILE, one
# per line in double quotes with backslash escapes. This makes them the script's own arguments.
# A line with an escape, which only gcc itself reads right, hands the call to $compiler as it came.
if [ $# = 1 ] && [ "${1#@}" != "$1" ] && [ -f "${1#@}" ]; then
    response=${1#@}
    set --
    while IFS= read -r line; do
        case $line in *\\*) exec "$compiler" "@$response" ;; esac
        line=${line#\"}
        set -- "$@" "${line%\"}"
    done < "$response"
fi
