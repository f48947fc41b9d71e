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
# and optionally:
#   SYSTEM_vips NS DIR      a step before the load, timed apart (IPVS's VIPs)
#   SYSTEM_messages DIR     the netlink requests DIR's configuration takes
# A system named a-b has functions a_b_*.

direct_prepare() { :; }
direct_files() { :; }
direct_load() { :; }
direct_change() { :; }
direct_flows() { echo 0; }
direct_caches() { :; }
