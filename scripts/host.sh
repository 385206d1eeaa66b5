# Shared by ./thaw, ./test and .ci/run: what a host needs before Thaw's Java code runs.
# Sourced, not executed.

THAW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages Thaw drives: the VMM, disk tools, image builders, the agent's compiler, and
# the network tools that give sandboxes namespaces (iproute2, nftables, conntrack), and ruby,
# node, php, tcl, zsh, elixir (with erlang, ~34 MB), jq, swi-prolog and nim for the resident runners'
# host-mode tests.
THAW_PACKAGES=(qemu-system-x86 qemu-utils e2fsprogs erofs-utils debootstrap busybox-static lz4 xz-utils zstd
               cpio kmod util-linux gcc libc6-dev iproute2 nftables conntrack ca-certificates
               ruby nodejs php-cli tcl zsh elixir jq swi-prolog-nox nim)

# What the other resident runners' host-mode tests run on (about 3.0 GB installed, ghc a
# quarter of it, kotlin, scala, groovy and clojure 0.4 GB with their Java libraries): too much
# for every host that runs ./thaw, so ./test skips those tests where these are missing, and
# .ci/run installs them.
THAW_TEST_PACKAGES=(ghc racket mono-mcs mono-runtime polyml rakudo octave emacs-nox guile-3.0 pike8.0-core
                    haxe neko sbcl r-base-core kotlin scala groovy clojure crystal gdc)

thaw_java_home() {
    local jdk=/usr/lib/jvm/temurin-25-jdk-amd64
    # The JDK's release file names its version; starting a JVM to ask costs ~0.3 s here.
    if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] ||
            ! grep -qs '^JAVA_VERSION="25' "$JAVA_HOME/release"; then
        if [ -x "$jdk/bin/java" ]; then
            export JAVA_HOME="$jdk"
        else
            echo "thaw: needs JDK 25; set JAVA_HOME to it (looked for $jdk)" >&2
            return 2
        fi
    fi
}

# One dpkg-query for all of them: a process per package cost ~0.85 s on every ./thaw here.
# It fails when it knows a package not at all; `true` keeps that from ending a `set -e` caller.
thaw_missing_packages() {
    local installed pkg
    installed=$'\n'$(dpkg-query -W -f='${Package}\t${Status}\n' "$@" 2>/dev/null |
        awk -F'\t' '$2 == "install ok installed" { print $1 }'; true)$'\n'
    for pkg in "$@"; do
        [[ $installed == *$'\n'"$pkg"$'\n'* ]] || echo "$pkg"
    done
}

# Installs missing packages when root; otherwise says exactly what to run and returns 2.
thaw_host_packages() {
    thaw_install_packages "${THAW_PACKAGES[@]}"
}

# The same for the test-only packages (.ci/run).
thaw_test_packages() {
    thaw_install_packages "${THAW_TEST_PACKAGES[@]}"
}

thaw_install_packages() {
    local missing
    missing=$(thaw_missing_packages "$@" | tr '\n' ' ')
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "thaw: this host lacks packages Thaw needs. Install them as root with:" >&2
        echo "  sudo apt-get install -y $missing" >&2
        return 2
    fi
    echo "thaw: installing host packages: $missing" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2; then
        apt-get update -q >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2
    fi
}

# Builds the CLI jar when any source or build file is newer than it.
thaw_build() {
    local jar="$THAW_ROOT/cli/target/thaw.jar"
    if [ -f "$jar" ] && [ -z "$(find "$THAW_ROOT" -path "$THAW_ROOT/.git" -prune -o \
            \( -path '*/src/*' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; then
        return 0
    fi
    echo "thaw: building (Maven, JDK 25)..." >&2
    (cd "$THAW_ROOT" && ./mvnw -B -q -DskipTests install >&2) || {
        echo "thaw: build failed; see the Maven output above" >&2
        return 1
    }
}
