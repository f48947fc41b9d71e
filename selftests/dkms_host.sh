#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS, host part (make check-dkms): put the module's sources where DKMS
# takes them (make dkms-src), then dkms add and dkms build for the packaged
# kernel, in DKMS trees of their own under build/dkms so that the host's
# /var/lib/dkms and /lib/modules stay untouched. The suite's dkms.sh then
# runs dkms install and modprobe in the VM, which boots that kernel. TAP.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=$("$top/selftests/vm/kver.sh") || exit 1
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
out=$top/build/dkms
dkms=(dkms --dkmstree "$out/tree" --sourcetree "$out/src" -m svclb -v "$version")

echo "TAP version 13"
echo "1..4"
command -v dkms >/dev/null || { echo "not ok 1 dkms is installed (scripts/deps.sh dkms)"; exit 1; }
rm -rf "$out" && mkdir -p "$out/tree" || exit 1
fail=0
step() {
	local n=$1 desc=$2
	shift 2
	if "$@" >"$out/log" 2>&1; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		sed 's/^/# /' "$out/log"
		fail=1
	fi
}
step 1 "make dkms-src puts the sources in svclb-$version" \
	make -C "$top" dkms-src DESTDIR="$out/src" DKMS_SRC=/svclb-"$version" \
	KDIR="/lib/modules/$kver/build"
step 2 "dkms add" "${dkms[@]}" add
start=$SECONDS
step 3 "dkms build -k $kver" "${dkms[@]}" build -k "$kver"
ko=$(find "$out/tree/svclb/$version/$kver" -name 'svclb.ko*' | head -n1)
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null)
if [[ $vermagic == "$kver "* ]]; then
	echo "ok 4 the module DKMS built is for $kver # $((SECONDS - start))s"
else
	echo "not ok 4 the module DKMS built is for $kver"
	echo "# $ko: vermagic \"$vermagic\""
	fail=1
fi
exit $fail
