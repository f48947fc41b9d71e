#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS, guest part: the module that dkms installed for this kernel on the
# host (selftests/dkms_host.sh, make check-dkms), with depmod's indexes, laid
# over this kernel's /lib/modules (an overlay: the host's stays as it is);
# modprobe svclb loads it from updates/dkms with its dependencies, and
# svcadm talks to it.
source "$(dirname "$0")/lib.sh"

kver=$(uname -r)
dkmsdir=$TOP/build/dkms/root/lib/modules/$kver
[[ -f $dkmsdir/updates/dkms/svclb.ko ]] ||
	skip_all "no DKMS install for $kver: run make check-dkms first"
plan 4
unload_module || exit 1

kdir=/lib/modules/$kver
tmp=$(mktemp -d)
mkdir -p "$tmp/upper/updates/dkms" "$tmp/work"
cp "$dkmsdir"/updates/dkms/svclb.ko "$tmp/upper/updates/dkms/"
cp "$dkmsdir"/modules.* "$tmp/upper/"
mount -t overlay overlay -o "lowerdir=$kdir,upperdir=$tmp/upper,workdir=$tmp/work" "$kdir" || exit 1
trap 'rmmod svclb 2>/dev/null; umount "$kdir"; rm -rf "$tmp"' EXIT

ko=$(modinfo -n svclb 2>/dev/null)
check "modinfo finds svclb in updates/dkms ($ko)" test "$ko" = "$kdir/updates/dkms/svclb.ko"
out=$(modprobe svclb 2>&1)
check "modprobe svclb loads it, with its dependencies" test -d /sys/module/svclb
[[ -n $out ]] && diag "$out"
# The kernel shows a module's GNU build ID note; its last 20 bytes are the ID.
loaded_id=$(tail -c 20 /sys/module/svclb/notes/.note.gnu.build-id 2>/dev/null | od -An -tx1 | tr -d ' \n')
file_id=$(readelf -n "$ko" | sed -n 's/.*Build ID: *//p')
check "the module loaded is the one DKMS built (build ID $file_id)" \
	test -n "$file_id" -a "$loaded_id" = "$file_id"
out=$("$SVCADM" list 2>&1)
check "svcadm talks to it" test "$?/$out" = "0/"
finish
