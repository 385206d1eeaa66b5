#!/bin/sh
# Thaw guest init (PID 1 of the initramfs): load the virtio drivers, stack the language's
# layer disks at /newroot with overlayfs, then hand PID 1 to the guest agent. On any failure it says why on
# the serial console and powers off; QEMU runs with -no-reboot, so the host sees the VM exit
# and can show the serial log. Every command used here is a busybox applet linked in /bin.
export PATH=/bin

fail() {
    echo "thaw-init: $*" > /dev/ttyS0
    poweroff -f
}

mount -t proc proc /proc || fail "cannot mount /proc"
mount -t sysfs sysfs /sys || fail "cannot mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "cannot mount /dev"

while read -r module; do
    insmod "/lib/modules/$module" || fail "cannot load kernel module $module"
done < /lib/modules/load-order

# Asked only whether this accelerator can run a guest at all: answer and stop.
case " $(cat /proc/cmdline) " in
    *" thaw.probe=1 "*)
        echo "THAW-PROBE-OK" > /dev/ttyS0
        poweroff -f
        ;;
esac

# Disks appear asynchronously once virtio_blk has probed them; each is found by its serial:
# thaw-root for the writable one, thaw-layer for the language's own layer, a layer digest's
# prefix for the read-only layers under it.
disk_with_serial() {
    for _ in $(seq 1 500); do
        for serial in /sys/block/vd*/serial; do
            if [ "$(cat "$serial" 2>/dev/null)" = "$1" ]; then
                disk=${serial%/serial}
                echo "/dev/${disk##*/}"
                return 0
            fi
        done
        usleep 10000
    done
    return 1
}

# Mounts the EROFS layer on disk $1 at $2; its files are in $2/tree. Without
# cache_strategy=disabled EROFS keeps the compressed clusters it read in memory beside the
# files' pages, and every snapshot carries them (c's grew from 99 to 116 MiB).
mount_layer() {
    mkdir -p "$2"
    mount -t erofs -o ro,cache_strategy=disabled "$1" "$2" || fail "cannot mount layer $1 (erofs) at $2"
}

root=$(disk_with_serial thaw-root) || fail "no root disk (serial thaw-root) after 5 s; is a virtio-blk device attached?"
mkdir -p /newroot /thaw/top
mount -t ext4 -o rw "$root" /thaw/top || fail "cannot mount $root (ext4) at /thaw/top"
layer=$(disk_with_serial thaw-layer) || fail "no layer disk (serial thaw-layer) after 5 s"
mount_layer "$layer" /thaw/layer
# A layer lists the layers under it in lowers, nearest first.
lowerdirs=/thaw/layer/tree
n=0
while read -r serial; do
    disk=$(disk_with_serial "$serial") || fail "no layer disk with serial $serial after 5 s"
    mount_layer "$disk" "/thaw/lower$n"
    lowerdirs="$lowerdirs:/thaw/lower$n/tree"
    n=$((n + 1))
done < /thaw/layer/lowers
# The writable disk's tree/ takes the sandbox's writes over the read-only layers.
mount -t overlay overlay -o "lowerdir=$lowerdirs,upperdir=/thaw/top/tree,workdir=/thaw/top/work,redirect_dir=off,index=off,metacopy=off,xino=off" /newroot \
    || fail "cannot stack the layers $lowerdirs under /thaw/top/tree"
mount -t proc proc /newroot/proc || fail "cannot mount /newroot/proc"
mount -t sysfs sysfs /newroot/sys || fail "cannot mount /newroot/sys"
mount -t devtmpfs devtmpfs /newroot/dev || fail "cannot mount /newroot/dev"
# Programs run in /tmp/thaw/run-N. In RAM their files skip ext4, its journal and overlayfs's
# copy-up, kernel code that TCG would translate afresh on every restore (about 1,500 of a bash
# hello's 19,000 translation blocks); the directory holds at most half the guest's memory.
mkdir -p /newroot/tmp/thaw && mount -t tmpfs -o mode=0711,nosuid,nodev tmpfs /newroot/tmp/thaw || fail "cannot mount a tmpfs at /newroot/tmp/thaw"
# devtmpfs has no /dev/fd or /dev/std*, which programs (sqlite's .import /dev/stdin) expect.
for link in fd:fd stdin:fd/0 stdout:fd/1 stderr:fd/2; do
    ln -s "/proc/self/${link#*:}" "/newroot/dev/${link%%:*}" || fail "cannot link /dev/${link%%:*}"
done

# Loopback for programs that talk to themselves; eth0 when the command line gives its
# address as thaw.net=ADDRESS/PREFIX,GATEWAY. Every clone of a snapshot keeps this address:
# the host gives each clone that has network a namespace of its own.
ip link set lo up || fail "cannot bring up lo"
net=""
agent_args=""
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        thaw.net=*) net="${arg#thaw.net=}" ;;
        # A cold boot runs its program with the language's own command and is never
        # snapshotted: loading and warming the image's resident runner would be wasted work.
        thaw.resident=off) agent_args="--no-resident" ;;
    esac
done
if [ -n "$net" ]; then
    for _ in $(seq 1 500); do
        [ -e /sys/class/net/eth0 ] && break
        usleep 10000
    done
    ip addr add "${net%,*}" dev eth0 && ip link set eth0 up && ip route add default via "${net#*,}" ||
        fail "cannot configure eth0 as $net; is a virtio-net device attached?"
fi

[ -x /sbin/thaw-agent ] || fail "no executable /sbin/thaw-agent in the initramfs"
# The initramfs lives in RAM, so every snapshot would carry busybox and the loaded modules'
# files (3 MiB); nothing runs them after this point. The shell keeps its own busybox mapped
# until the exec below.
rm -rf /lib/modules /bin /init
# If exec itself fails, the shell exits, PID 1 dies and the kernel panics; with panic=-1
# and -no-reboot QEMU exits, and the serial log shows the panic.
exec /sbin/thaw-agent $agent_args
