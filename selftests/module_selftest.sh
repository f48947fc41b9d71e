#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The debug build's in-module self-tests (checksums, flow table, schedulers,
# Maglev against its reference, backend states and backend set replacement)
# pass at load time.
source "$(dirname "$0")/lib.sh"

DEBUG_MODULE=${SVCLB_DEBUG_MODULE:-$TOP/build/debug/kmod/svclb.ko}
[[ -f $DEBUG_MODULE ]] || skip_all "no debug module (make module-debug)"
plan 2
unload_module
dmesg_mark
MODULE=$DEBUG_MODULE
check "debug module loads" load_module
dmesg_since | grep svclb | sed 's/^/# /'
check "svclb: self-tests: pass" grep -q "svclb: self-tests: pass" <<<"$(dmesg_since)"
rmmod svclb
finish
