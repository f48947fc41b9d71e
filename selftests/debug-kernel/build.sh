#!/bin/bash
# Build, or reuse, the debug kernel of `make check-debug`: Debian's
# linux-source-6.1 configured as x86_64_defconfig + debug.config, everything
# the suite needs built in. Prints the cache entry, a directory holding
#   vmlinuz-KVER, config-KVER  the kernel, for selftests/vm/run.sh --kernel
#   build/                     the O= build tree: KDIR for external modules
#   src/                       the source tree that build/ refers to
#   build.log, build-seconds   the log and the duration of the cold build
# Entries live outside the work tree (a build is a few GB and ~20 minutes) in
# $SVCLB_DEBUG_KERNEL_CACHE, default /var/cache/svclb-debug-kernel, named by a
# hash of everything that shapes the kernel: the source package version, the
# base config, the fragment and this script.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
pkg=linux-source-6.1
base=x86_64_defconfig
fragment=$here/debug.config

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

"$top/scripts/deps.sh" "$pkg" flex bison libelf-dev libssl-dev bc xz-utils >&2
tarball=/usr/src/$pkg.tar.xz
[[ -r $tarball ]] || die "$tarball missing"

srcver=$(dpkg-query -W -f='${Version}' "$pkg")
hash=$( (echo "$pkg $srcver $base"; cat "$fragment" "${BASH_SOURCE[0]}") | sha256sum | cut -c1-16)
cache=${SVCLB_DEBUG_KERNEL_CACHE:-/var/cache/svclb-debug-kernel}
entry=$cache/$hash
mkdir -p "$cache"

# One build of an entry at a time: a concurrent caller waits, then reuses it.
exec 9>"$entry.lock"
flock 9
if [[ -f $entry/done ]]; then
	touch "$entry/done" # marks it used, for the pruning below
	echo "$entry"
	exit 0
fi
# Old entries are several GB each: drop those unused for 30 days.
find "$cache" -mindepth 2 -maxdepth 2 -name 'done' -mtime +30 -printf '%h\n' |
	while read -r old; do log "removing unused $old"; rm -rf "$old" "$old.lock"; done

# An interrupted build resumes: the source is extracted once (marked by
# src/.extracted), and make is incremental.
log "building $pkg $srcver into $entry (10 to 20 minutes on 2 cores)"
start=$SECONDS
mkdir -p "$entry"
if [[ ! -f $entry/src/.extracted ]]; then
	rm -rf "$entry/src"
	mkdir "$entry/src"
	tar -xJf "$tarball" -C "$entry/src" --strip-components=1
	touch "$entry/src/.extracted"
fi

kmake() { make -C "$entry/src" O="$entry/build" "$@" >>"$entry/build.log" 2>&1; }
fail() { tail -n 40 "$entry/build.log" >&2; die "$* failed, see $entry/build.log"; }
: >"$entry/build.log"
mkdir -p "$entry/build"
kmake "$base" || fail "make $base"
"$entry/src/scripts/kconfig/merge_config.sh" -m -O "$entry/build" \
	"$entry/build/.config" "$fragment" >>"$entry/build.log" 2>&1 || fail merge_config.sh
kmake olddefconfig || fail "make olddefconfig"

# olddefconfig drops what a dependency rules out without a word: every value
# the fragment sets must be in the result. Trims that did not stick only
# cost build time, so they are reported, not fatal.
bad=0
while read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$entry/build/.config" && continue
		log "required $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$entry/build/.config" || echo "${line%%=*} absent")"
		bad=1
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$entry/build/.config" && log "note: $opt is still enabled ($(grep "^$opt=" "$entry/build/.config"))"
		;;
	esac
done <"$fragment"
((bad == 0)) || die "the kernel config lacks options of $fragment"

# The default target builds bzImage, the modules and Module.symvers, which
# external modules (svclb.ko) link against.
kmake -j"$(nproc)" || fail "kernel build"
kver=$(make -s -C "$entry/src" O="$entry/build" kernelrelease)
# selftests/vm/run.sh reads config-KVER beside the image: it boots a kernel
# without /lib/modules/KVER only when virtio and 9p are built in.
cp "$entry/build/arch/x86/boot/bzImage" "$entry/vmlinuz-$kver"
cp "$entry/build/.config" "$entry/config-$kver"
echo $((SECONDS - start)) >"$entry/build-seconds"
touch "$entry/done"
log "built $kver in $((SECONDS - start))s"
echo "$entry"
