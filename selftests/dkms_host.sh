#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packaging, host part (make check-dkms). DKMS installs the module for the
# packaged kernel: make dkms-src puts the sources where DKMS takes them, then
# dkms add, build and install -k KVER, with trees of its own under build/dkms
# (the host's /var/lib/dkms and /lib/modules stay untouched):
# build/dkms/root/lib/modules/KVER holds the kernel's modules (a link), the
# DKMS install in updates/dkms and depmod's indexes. The suite's dkms.sh
# then lays those over /lib/modules/KVER in the VM, which boots that kernel,
# and loads the module with modprobe. Last, make install into a DESTDIR puts
# every file where it belongs. TAP.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=$("$top/selftests/vm/kver.sh") || exit 1
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
out=$top/build/dkms
lib=$out/root/lib/modules
dkms=(dkms --dkmstree "$out/tree" --sourcetree "$out/src" --installtree "$lib"
      -m svclb -v "$version" -k "$kver")

echo "TAP version 13"
echo "1..7"
command -v dkms >/dev/null || { echo "not ok 1 dkms is installed (scripts/deps.sh dkms)"; exit 1; }
rm -rf "$out" && mkdir -p "$out/tree" "$lib/$kver" || exit 1
# The kernel's own modules, for depmod to resolve svclb's dependencies.
ln -s "/lib/modules/$kver/kernel" "$lib/$kver/kernel"
cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$lib/$kver/"
fail=0 n=0
step() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$out/log" 2>&1; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		sed 's/^/# /' "$out/log"
		fail=1
	fi
}
step "make dkms-src puts the sources in svclb-$version" \
	make -C "$top" dkms-src DESTDIR="$out/src" DKMS_SRC=/svclb-"$version" \
	KDIR="/lib/modules/$kver/build"
step "dkms add" "${dkms[@]}" add
step "dkms build -k $kver" "${dkms[@]}" build
step "dkms install -k $kver" "${dkms[@]}" install --no-depmod
ko=$lib/$kver/updates/dkms/svclb.ko
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null)
if [[ $vermagic == "$kver "* ]]; then
	echo "ok 5 dkms installed svclb.ko for $kver in updates/dkms"
else
	echo "not ok 5 dkms installed svclb.ko for $kver in updates/dkms"
	echo "# $ko: vermagic \"$vermagic\""
	fail=1
fi
n=5
step "depmod finds it and its dependencies" \
	sh -c 'depmod -b "$1" "$2" && grep -E "^updates/dkms/svclb.ko: .*nf_defrag_ipv4" "$1/lib/modules/$2/modules.dep"' \
	sh "$out/root" "$kver"

# make install with DESTDIR, keeping the build flags of make check (svcadm
# with the sanitizers, the module with W=1) so that nothing is rebuilt.
sanitize=0
grep -q fsanitize "$top/tools/svcadm/.build-flags" 2>/dev/null && sanitize=1
root=$out/destdir
if make -C "$top" install DESTDIR="$root" KDIR="/lib/modules/$kver/build" \
	SANITIZE=$sanitize W=1 >"$out/log" 2>&1 &&
   modinfo -F vermagic "$root/lib/modules/$kver/updates/svclb.ko" | grep -q "^$kver " &&
   test -x "$root/usr/local/sbin/svcadm" &&
   test -f "$root/usr/local/share/man/man8/svcadm.8" &&
   test -f "$root/usr/local/share/bash-completion/completions/svcadm"; then
	echo "ok 7 make install DESTDIR: module, svcadm, man page, bash completion"
else
	echo "not ok 7 make install DESTDIR: module, svcadm, man page, bash completion"
	sed 's/^/# /' "$out/log"
	(cd "$root" 2>/dev/null && find . -type f | sed 's/^/# installed: /')
	fail=1
fi
exit $fail
