#!/bin/busybox sh
# Thaw guest init (PID 1 of the initramfs): load virtio drivers, mount the language's root
# disk at /newroot, then hand PID 1 to the guest agent. On any failure it says why on the
# serial console and powers off; QEMU runs with -no-reboot, so the host sees the VM exit.

fail() {
    echo "thaw-init: $*" > /dev/ttyS0
    /bin/busybox poweroff -f
}

/bin/busybox mount -t proc proc /proc || fail "cannot mount /proc"
/bin/busybox mount -t sysfs sysfs /sys || fail "cannot mount /sys"
/bin/busybox mount -t devtmpfs devtmpfs /dev || fail "cannot mount /dev"

while read -r module; do
    /bin/busybox insmod "/lib/modules/$module" || fail "cannot load module $module"
done < /lib/modules/load-order

case " $(/bin/busybox cat /proc/cmdline) " in
    *" thaw.probe=1 "*)
        echo "THAW-PROBE-OK" > /dev/ttyS0
        /bin/busybox poweroff -f
        ;;
esac

# Devices appear asynchronously after the driver loads.
for _ in $(/bin/busybox seq 1 500); do
    [ -b /dev/vda ] && break
    /bin/busybox usleep 10000
done
[ -b /dev/vda ] || fail "no root disk /dev/vda"

/bin/busybox mkdir -p /newroot
/bin/busybox mount -t ext4 /dev/vda /newroot || fail "cannot mount the root disk"
/bin/busybox mount -t proc proc /newroot/proc || fail "cannot mount /newroot/proc"
/bin/busybox mount -t sysfs sysfs /newroot/sys || fail "cannot mount /newroot/sys"
/bin/busybox mount -t devtmpfs devtmpfs /newroot/dev || fail "cannot mount /newroot/dev"

exec /sbin/thaw-agent
