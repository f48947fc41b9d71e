#!/bin/bash
# Run a command inside a throwaway QEMU VM booted on Debian's packaged kernel.
#
# The guest sees the host's / read-only (9p) and the work tree (the git
# top-level of the current directory) read-write at the same path, and starts
# in the current directory. Output goes to this stdout through the serial
# console; the exit status is the command's.
#
# Exit status: the command's; 124 on timeout; 125 if the VM failed or died.
set -euo pipefail

usage() {
	cat <<-EOF
	usage: ${0##*/} [--smp N] [--mem SIZE] [--kernel VMLINUZ] [--timeout SECS]
	                [--dmesg FILE] [--append ARGS] -- COMMAND [ARGS...]
	  --smp N           guest CPUs (default 2)
	  --maxcpus N       possible CPUs, of which --smp run: per-CPU memory is
	                    then sized as on an N-thread node
	  --icount          count instructions (-icount shift=3,sleep=off): guest
	                    time is then a cost that host load does not move; one
	                    vCPU
	  --mem SIZE        guest memory (default 2G)
	  --kernel VMLINUZ  kernel image (default /boot/vmlinuz-\$(kver.sh)); its
	                    modules must be in /lib/modules/<its version>, unless
	                    config-<its version> beside it has virtio and 9p built in
	  --timeout SECS    kill the VM after SECS seconds (default 1500)
	  --dmesg FILE      where to save the guest's kernel log at the end
	                    (default <worktree>/.vm-run/dmesg.log, replaced each run)
	  --append ARGS     more kernel command line, e.g. slub_nomerge
	Without COMMAND, runs bash. Inside the guest SVCLB_VM=1 is set.
	EOF
}

die() { echo "run.sh: $*" >&2; exit 125; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
smp=2 maxcpus="" icount=0 mem=2G kernel="" timeout=1500 dmesg="" append=""
while (($#)); do
	case $1 in
	--smp) smp=$2; shift 2 ;;
	--maxcpus) maxcpus=$2; shift 2 ;;
	--icount) icount=1; smp=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--dmesg) dmesg=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 2 ;;
	esac
done
(($#)) || set -- bash

# Kernel and its version (the version picks the modules for the initramfs).
if [[ -z $kernel ]]; then
	kver=$("$here/kver.sh") || exit 125
	kernel=/boot/vmlinuz-$kver
else
	# bzImage header: a 16-bit pointer at 0x20e (+0x200) to "VERSION (builder)...".
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$kernel" | tr -d ' ')
	kver=$(dd if="$kernel" bs=1 skip=$((off + 0x200)) count=128 2>/dev/null | tr '\0' '\n' | head -n1)
	kver=${kver%% *}
fi
[[ -r $kernel ]] || die "cannot read kernel $kernel (run scripts/deps.sh)"
# A kernel with virtio and 9p built in (the debug kernel of make check-debug)
# boots without modules; the config beside it tells.
built_in() { grep -qx "CONFIG_$1=y" "${kernel%/*}/config-$kver" 2>/dev/null; }
[[ -d /lib/modules/$kver ]] || { built_in VIRTIO_PCI && built_in NET_9P_VIRTIO && built_in 9P_FS; } ||
	die "no /lib/modules/$kver for $kernel"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run scripts/deps.sh)"

# The work tree exported read-write: the git top-level of the current directory,
# else the tree holding this script.
top=$(git rev-parse --show-toplevel 2>/dev/null) || top=$(cd "$here/../.." && pwd)
dmesg=${dmesg:-$top/.vm-run/dmesg.log}

# Modules the initramfs needs to reach the 9p root, in dependency order.
mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p"

# /init of the initramfs: load 9p, mount the host root and the work tree, set
# up /dev and the like, then switch_root (a real root, so that modprobe and
# module autoloading work) to guest-init.sh. System setup is done here with the
# static busybox because every exec from the 9p root is slow under TCG.
initramfs_init() {
	cat <<-'EOF'
	#!/bin/sh
	export PATH=/bin
	mount -t devtmpfs dev /dev
	exec </dev/console >/dev/console 2>&1
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	# -no-reboot makes a reboot end QEMU: the host sees no status and reports it.
	fail() { echo "svclb-vm init: $*"; echo b >/proc/sysrq-trigger; sleep 60; }
	for m in $(cat /modules); do insmod "/lib/modules/$m.ko" || fail "insmod $m"; done
	o=trans=virtio,version=9p2000.L,msize=512000
	mount -t 9p -o "ro,cache=loose,$o" hostroot /newroot || fail "cannot mount host root"
	for d in tmp run var/tmp root; do mount -t tmpfs -o mode=1777 tmpfs "/newroot/$d"; done
	chmod 700 /newroot/root
	# cache=mmap: uncached (the host sees writes at once) but shared mmap works.
	mount -t 9p -o "cache=mmap,$o" worktree /wt || fail "cannot mount work tree"
	# svclb_vm_run comes from the kernel command line; the work tree path is in
	# a file since it may hold any character.
	run=/.vm-run/$svclb_vm_run
	read -r top <"/wt$run/top" || fail "no run directory $run"
	mkdir -p "/newroot$top"
	mount --move /wt "/newroot$top"
	ln -s /proc/self/fd /dev/fd # devtmpfs lacks these; bash needs /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	mkdir /dev/pts /dev/shm
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t tracefs tracefs /sys/kernel/tracing
	hostname svclb-vm
	ip link set lo up
	for d in proc sys dev; do mount --move "/$d" "/newroot/$d"; done
	unset svclb_vm_run
	exec switch_root /newroot /bin/bash "$top$run/guest-init.sh" "$top$run"
	EOF
}

# Boot files are cached, keyed by kernel (version, date and size of image and
# modules) and by this script. Entries unused for a few days are dropped.
cache=${XDG_CACHE_HOME:-/tmp}/svclb-vm
mkdir -p "$cache"
find "$cache" -type f -atime +3 -delete
kfiles=("$kernel")
[[ -e /lib/modules/$kver/modules.dep ]] && kfiles+=("/lib/modules/$kver/modules.dep")
kstamp=$(stat -Lc %Y-%s "${kfiles[@]}" | tr '\n' -)
hash=$( (cat "${BASH_SOURCE[0]}"; echo "$kstamp") | sha256sum | cut -c1-16)
initrd=$cache/initramfs-$kver-$hash.cpio
if [[ ! -s $initrd ]]; then
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,wt,lib/modules}
	cp /bin/busybox "$stage/bin/" || die "/bin/busybox missing (run scripts/deps.sh)"
	for a in sh mount insmod mkdir chmod cat sleep ln hostname ip switch_root; do ln -s busybox "$stage/bin/$a"; done
	: >"$stage/modules" # stays empty when all is built in
	for m in $mods; do
		f=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || continue # not built
		[[ $f == /* ]] || continue                             # built in
		# busybox insmod only takes plain .ko files.
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -dcq "$f" ;;
		*.gz) gzip -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$stage/lib/modules/$m.ko"
		echo "$m" >>"$stage/modules"
	done
	initramfs_init >"$stage/init"
	chmod +x "$stage/init"
	(cd "$stage" && find . | cpio -o -H newc --quiet) >"$initrd.$$"
	mv "$initrd.$$" "$initrd"
	rm -rf "$stage"
fi

# Under TCG, decompressing the bzImage takes seconds; a kernel built with PVH
# boots straight from the ELF vmlinux inside it. Cache that when possible.
vmlinux=$cache/vmlinux-$kver-$(stat -Lc %Y-%s "$kernel")
# Not with KASAN: in 6.1 the PVH entry runs instrumented code (xen_prepare_pvh)
# before the shadow exists, and the guest resets at once.
if [[ ! -s $vmlinux ]] && built_in PVH && ! built_in KASAN; then
	if python3 - "$kernel" "$vmlinux.$$" <<-'EOF'; then mv "$vmlinux.$$" "$vmlinux"; else rm -f "$vmlinux.$$"; fi
	import lzma, sys, zlib
	img = open(sys.argv[1], "rb").read()
	for magic, dec in ((b"\xfd7zXZ\x00", lambda: lzma.LZMADecompressor()),
	                   (b"\x1f\x8b\x08", lambda: zlib.decompressobj(31))):
	    i = img.find(magic)
	    if i >= 0:
	        elf = dec().decompress(img[i:])
	        if elf[:4] == b"\x7fELF":
	            open(sys.argv[2], "wb").write(elf)
	            sys.exit(0)
	sys.exit(1)
	EOF
fi
[[ -s $vmlinux ]] && kernel=$vmlinux

# Per-run directory in the work tree: how the guest learns what to run and
# where it reports back. The .gitignore keeps all of .vm-run/ out of git.
mkdir -p "$top/.vm-run"
[[ -e $top/.vm-run/.gitignore ]] || echo '*' >"$top/.vm-run/.gitignore"
rundir=$(mktemp -d "$top/.vm-run/run.XXXXXX")
trap 'rm -rf "$rundir"' EXIT
printf '%s\n' "$top" >"$rundir/top"
cp "$here/guest-init.sh" "$rundir/"
interactive=0
[[ -t 0 && -t 1 ]] && interactive=1
{
	printf 'CMD=('; printf '%q ' "$@"; printf ')\n'
	printf 'CWD=%q\n' "$PWD"
	printf 'INTERACTIVE=%q\n' "$interactive"
	printf 'HOST_TERM=%q\n' "${TERM:-dumb}"
} >"$rundir/cmd"

icount_args=()
((icount)) && icount_args=(-icount shift=3,sleep=off)
((icount)) && [[ $smp != 1 ]] && die "--icount runs one vCPU, not $smp"
qemu=(
	qemu-system-x86_64 -accel tcg -nodefaults -no-user-config -nographic
	-machine pc -cpu max -smp "$smp${maxcpus:+,maxcpus=$maxcpus}" -m "$mem"
	-nic none -no-reboot
	-bios qboot.rom # boots a -kernel image faster than SeaBIOS
	-serial stdio
	${icount_args[@]+"${icount_args[@]}"}
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off svclb_vm_run=${rundir##*/}${append:+ $append}"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=${top//,/,,},mount_tag=worktree,security_model=none,multidevs=remap"
)
# QEMU takes the terminal only when interactive; CI may have no stdin at all.
((interactive)) || exec </dev/null
rc=0
timeout --foreground -k 10 "$timeout" "${qemu[@]}" || rc=$?

[[ -f $rundir/dmesg.log ]] && mv "$rundir/dmesg.log" "$dmesg"
if [[ -f $rundir/status ]]; then
	if grep -qE 'Oops|BUG:|WARNING:|Call Trace:|general protection' "$dmesg" 2>/dev/null; then
		echo "run.sh: note: the guest kernel logged a warning or oops, see $dmesg" >&2
	fi
	exit "$(cat "$rundir/status")"
fi
if ((rc == 124 || rc == 137)); then
	echo "run.sh: timed out after ${timeout}s, VM killed" >&2
	exit 124
fi
echo "run.sh: the VM ended without reporting a status (QEMU exit $rc): boot failure or kernel panic, see the console output above" >&2
exit 125
