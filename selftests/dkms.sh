#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS, guest part: dkms install of the build that selftests/dkms_host.sh
# (make check-dkms) made on the host for this kernel, into this kernel's
# /lib/modules (made writable by an overlay, the host's stays as it is),
# then modprobe svclb: the module DKMS installed loads and answers svcadm.
source "$(dirname "$0")/lib.sh"

kver=$(uname -r)
out=$TOP/build/dkms
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
[[ -d $out/tree/svclb/$version/$kver ]] || skip_all "no DKMS build for $kver: run make check-dkms first"
command -v dkms >/dev/null || skip_all "dkms is not installed"
plan 5
unload_module || exit 1

kdir=/lib/modules/$kver
tmp=$(mktemp -d)
mkdir "$tmp/upper" "$tmp/work"
mount -t overlay overlay -o "lowerdir=$kdir,upperdir=$tmp/upper,workdir=$tmp/work" "$kdir" || exit 1
cleanup() {
	rmmod svclb 2>/dev/null
	umount "$kdir"
	rm -rf "$tmp"
	# The guest's install must not leave the build "installed" in the tree.
	rm -f "$out/tree/svclb/$version/$kver/x86_64/log/make.log.install" 2>/dev/null
}
trap cleanup EXIT

dkms=(dkms --dkmstree "$out/tree" --sourcetree "$out/src" -m svclb -v "$version" -k "$kver")
check "dkms install -k $kver" "${dkms[@]}" install
check "dkms status: installed" grep -q "installed" <<<"$("${dkms[@]}" status 2>&1)"
ko=$(modinfo -n svclb 2>/dev/null)
check "modinfo finds svclb in updates/dkms ($ko)" test "${ko#"$kdir"/updates/dkms/}" != "$ko"
check "modprobe svclb loads it, with its dependencies" modprobe svclb
check "svcadm talks to the module DKMS installed" "$SVCADM" list
"${dkms[@]}" uninstall >/dev/null 2>&1
finish
