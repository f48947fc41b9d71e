# svclb: `make` builds the module against the running kernel (KDIR) and svcadm.
# `make check` and `make demo` build against the packaged Debian kernel they
# boot in QEMU, installing what they need first.

KDIR ?= /lib/modules/$(shell uname -r)/build
# The release of the kernel KDIR builds for: where make install puts the module.
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
PREFIX ?= /usr/local
MODDIR ?= /lib/modules/$(KVER)/updates
DKMS_SRC ?= /usr/src/svclb-$(VERSION)
VM_KVER = $(shell selftests/vm/kver.sh)
VM_KDIR = /lib/modules/$(VM_KVER)/build
# Kbuild compiles the module's files in parallel with these.
KJOBS ?= -j$(shell nproc)

all: module svcadm

module:
	$(MAKE) $(KJOBS) -C $(KDIR) M=$(CURDIR) modules

# A module with the pure-logic self-tests, run at load time, built in a copy
# of the sources: build/debug/kmod/svclb.ko.
module-debug:
	rm -rf build/debug && mkdir -p build/debug
	cp -r Kbuild dkms.conf kmod include build/debug/
	$(MAKE) $(KJOBS) -C $(KDIR) M=$(CURDIR)/build/debug CONFIG_SVCLB_DEBUG=y modules

# svclb.ko for another kernel (KDIR: the debug kernel of check-debug), plain
# and with the in-module self-tests, in copies of the sources under
# build/debugkernel/, so that kmod/svclb.ko stays the packaged kernel's.
module-debugkernel:
	rm -rf build/debugkernel
	for v in plain selftest; do \
		mkdir -p build/debugkernel/$$v && cp -r Kbuild dkms.conf kmod include build/debugkernel/$$v/ && \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/build/debugkernel/$$v clean >/dev/null || exit 1; \
	done
	$(MAKE) $(KJOBS) -C $(KDIR) M=$(CURDIR)/build/debugkernel/plain modules
	$(MAKE) $(KJOBS) -C $(KDIR) M=$(CURDIR)/build/debugkernel/selftest CONFIG_SVCLB_DEBUG=y modules

svcadm:
	$(MAKE) -C tools/svcadm VERSION=$(VERSION)

# The module into /lib/modules/KVER/updates (depmod run unless DESTDIR is
# set: a package runs it when installed), svcadm into PREFIX/sbin, its man
# page and its bash completion.
install: all
	@test -n "$(KVER)" || { echo "make install: no kernel release in $(KDIR)"; exit 1; }
	install -D -m 0644 kmod/svclb.ko $(DESTDIR)$(MODDIR)/svclb.ko
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools/svcadm install VERSION=$(VERSION) PREFIX=$(PREFIX)

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/svclb.ko
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools/svcadm uninstall PREFIX=$(PREFIX)

# The module's sources as DKMS wants them, in DESTDIR/usr/src/svclb-VERSION.
DKMS_FILES = Makefile Kbuild dkms.conf kmod include
dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)
	cp -r $(DKMS_FILES) $(DESTDIR)$(DKMS_SRC)/
	$(MAKE) -C $(DESTDIR)$(DKMS_SRC) clean-module KDIR=$(KDIR) >/dev/null

# Register the sources with DKMS, build and install for the running kernel;
# DKMS rebuilds the module for every kernel installed later.
install-dkms: dkms-src
	dkms add -m svclb -v $(VERSION)
	dkms install -m svclb -v $(VERSION)

uninstall-dkms:
	dkms remove -m svclb -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# The packaging test (selftests/dkms_host.sh): dkms add, build and install
# for the packaged kernel in trees of its own under build/dkms, and make
# install into a DESTDIR; the suite's dkms.sh then loads the DKMS install
# with modprobe in the VM.
check-dkms:
	scripts/deps.sh dkms
	selftests/dkms_host.sh

# The module of an older commit, build/old/kmod/svclb.ko: one from before
# backend sets in parts and the generation check, with which svcadm.sh
# checks what svcadm says of a module older than itself. A tree without
# git's history (a release tarball) skips it, and svcadm.sh those checks.
OLD_COMMIT ?= 4f1dad1
module-old:
	rm -rf build/old && mkdir -p build/old
	if git cat-file -e $(OLD_COMMIT)^{commit} 2>/dev/null; then \
		git archive $(OLD_COMMIT) Kbuild kmod include | tar -x -C build/old && \
		$(MAKE) $(KJOBS) -C $(KDIR) M=$(CURDIR)/build/old modules; \
	else \
		echo "module-old: commit $(OLD_COMMIT) is not in this tree: no old module"; \
	fi

# The module of this tree with its netlink API version raised by one,
# build/newer/kmod/svclb.ko: what a newer, incompatible module looks like to
# svcadm (svcadm.sh).
module-newer:
	rm -rf build/newer && mkdir -p build/newer
	cp -r Kbuild dkms.conf kmod include build/newer/
	awk '$$1 == "#define" && $$2 == "SVCLB_GENL_VERSION" { $$3++ } 1' \
		include/uapi/linux/svclb.h >build/newer/include/uapi/linux/svclb.h
	$(MAKE) $(KJOBS) -C $(KDIR) M=$(CURDIR)/build/newer modules

# Helpers of the selftests written in C (selftests/lib/flood).
selftests:
	$(MAKE) -C selftests/lib

deps:
	scripts/deps.sh

# sparse over the module; fails on any warning of sparse or of W=1.
sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null
	$(MAKE) $(KJOBS) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules 2>&1 | tee build/sparse.log
	! grep -E 'warning|error' build/sparse.log

check: deps
	$(MAKE) clean
	mkdir -p build
	$(MAKE) KDIR=$(VM_KDIR) sparse module-debug module-old module-newer
	$(MAKE) -C tools/svcadm SANITIZE=1 svcadm check
	$(MAKE) -C bench loadgen
	$(MAKE) selftests
	$(MAKE) check-dkms
	selftests/vm/run.sh --timeout 2700 -- selftests/run.sh

# The suite on a kernel built with KASAN, UBSAN, lockdep, kmemleak and more
# (selftests/debug-kernel/), then a kmemleak scan and a search of the kernel
# log for their reports. The kernel is built once (~20 min) and cached
# outside the tree. SMOKE=1 runs a few tests only, DEBUG_TESTS the ones given,
# e.g. DEBUG_TESTS="'unload.sh --cycles 100' 'concurrency.sh --seconds 300'".
DEBUG_SMOKE_TESTS = module_selftest.sh netlink.sh window.sh 'unload.sh --cycles 2'
DEBUG_TESTS ?= $(if $(SMOKE),$(DEBUG_SMOKE_TESTS))
DEBUG_TIMEOUT ?= $(if $(SMOKE),1800,5400)
TEST_TIMEOUT ?= 900
check-debug: deps svcadm
	entry=$$(selftests/debug-kernel/build.sh) && \
	$(MAKE) KDIR=$$entry/build module-debugkernel && \
	selftests/vm/run.sh --kernel "$$(echo $$entry/vmlinuz-*)" --mem 3G \
		--timeout $(DEBUG_TIMEOUT) --dmesg build/debugkernel/dmesg.log -- \
		env SVCLB_MODULE=$(CURDIR)/build/debugkernel/plain/kmod/svclb.ko \
		SVCLB_DEBUG_MODULE=$(CURDIR)/build/debugkernel/selftest/kmod/svclb.ko \
		SVCLB_TEST_TIMEOUT=$(TEST_TIMEOUT) \
		selftests/debug-kernel/guest.sh $(DEBUG_TESTS)

# The netlink fuzzer's long run on the debug kernel (docs/reliability.md):
# NLFUZZ_COUNT requests in NLFUZZ_JOBS namespaces at once.
NLFUZZ_COUNT ?= 1000000
NLFUZZ_JOBS ?= 2
fuzz-netlink-debug:
	$(MAKE) check-debug DEBUG_TIMEOUT=14400 TEST_TIMEOUT=14000 \
		DEBUG_TESTS="'nlfuzz.sh --count $(NLFUZZ_COUNT) --jobs $(NLFUZZ_JOBS)'"

# svcadm under libFuzzer with ASan and UBSan: its argument parsers, its
# state-file reader and its Kubernetes translation, FUZZ_SECONDS each.
fuzz-svcadm:
	scripts/deps.sh clang
	$(MAKE) -C tools/svcadm fuzz

demo: deps
	$(MAKE) KDIR=$(VM_KDIR) module svcadm
	selftests/vm/run.sh -- selftests/demo.sh

# The benchmark (bench/run.sh; docs/performance.md): svclb against direct
# routing, IPVS, nftables and iptables in QEMU with one vCPU. BENCH_ARGS go
# to bench/run.sh, e.g. BENCH_ARGS="--rounds 5" or BENCH_ARGS=--smoke.
bench:
	scripts/deps.sh gnuplot-nox iptables
	$(MAKE) KDIR=$(VM_KDIR) module svcadm
	$(MAKE) -C bench loadgen
	BENCH_NO_BUILD=1 bench/run.sh $(BENCH_ARGS)

# The module's build products only (what DKMS's CLEAN runs).
clean-module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || rm -f kmod/*.o kmod/*.ko kmod/*.mod* kmod/.*.cmd

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || rm -f kmod/*.o kmod/*.ko kmod/*.mod* kmod/.*.cmd
	rm -rf build
	$(MAKE) -C tools/svcadm clean
	$(MAKE) -C bench clean
	$(MAKE) -C selftests/lib clean

.PHONY: all module module-debug module-debugkernel module-old module-newer sparse svcadm selftests deps check check-debug \
	fuzz-netlink-debug fuzz-svcadm demo bench clean clean-module install uninstall \
	dkms-src install-dkms uninstall-dkms check-dkms
