# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# direct: the client talks to a backend address; the node only routes. The
# baseline every other figure is divided by.
#
# Each system file defines, for SYSTEM:
#   SYSTEM_prepare          once per VM: modules and the like
#   SYSTEM_files N B DIR [--lane]
#                           write the configuration of N services of B
#                           backends into DIR (not timed)
#   SYSTEM_load NS DIR      load DIR's configuration into node namespace NS,
#                           which holds none yet (timed: the control-plane figure)
#   SYSTEM_change NS DIR    the one change of gen.py --change (timed)
#   SYSTEM_flows NS         how many flows the system tracks in NS
#   SYSTEM_caches           the slab caches that hold its flows
# and SYSTEM_target PORT prints where the client sends traffic for a port.

direct_prepare() { :; }
direct_files() { :; }
direct_load() { :; }
direct_change() { :; }
direct_flows() { echo 0; }
direct_caches() { :; }
direct_target() { echo "10.0.2.1:$(($1 == 80 ? 8080 : $1))"; }
