# svclb: `make` builds the module against the running kernel (KDIR) and svcadm.
# `make check` and `make demo` build against the packaged Debian kernel they
# boot in QEMU, installing what they need first.

KDIR ?= /lib/modules/$(shell uname -r)/build
VM_KVER = $(shell selftests/vm/kver.sh)
VM_KDIR = /lib/modules/$(VM_KVER)/build

all: module svcadm

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# A module with the pure-logic self-tests, run at load time, built in a copy
# of the sources: build/debug/kmod/svclb.ko.
module-debug:
	rm -rf build/debug && mkdir -p build/debug
	cp -r Kbuild kmod include build/debug/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/build/debug CONFIG_SVCLB_DEBUG=y modules

svcadm:
	$(MAKE) -C tools/svcadm

# Helpers of the selftests written in C (selftests/lib/flood).
selftests:
	$(MAKE) -C selftests/lib

deps:
	scripts/deps.sh

# sparse over the module; fails on any warning of sparse or of W=1.
sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules 2>&1 | tee build/sparse.log
	! grep -E 'warning|error' build/sparse.log

check: deps
	$(MAKE) clean
	mkdir -p build
	$(MAKE) KDIR=$(VM_KDIR) sparse module-debug
	$(MAKE) -C tools/svcadm SANITIZE=1 svcadm check
	$(MAKE) selftests
	selftests/vm/run.sh -- selftests/run.sh

demo: deps
	$(MAKE) KDIR=$(VM_KDIR) module svcadm
	selftests/vm/run.sh -- selftests/demo.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || rm -f kmod/*.o kmod/*.ko kmod/*.mod* kmod/.*.cmd
	rm -rf build
	$(MAKE) -C tools/svcadm clean
	$(MAKE) -C selftests/lib clean

.PHONY: all module module-debug sparse svcadm selftests deps check demo clean
