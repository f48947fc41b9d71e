# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# svclb, loaded as a node agent would: svcadm apply of the whole desired state
# (one netlink message per changed service, many to a sendmsg call); a change
# is the whole state again, of which apply sends the difference. The messages
# are those apply reports having sent.
# svclb-nl (functions svclb_nl_*): one netlink request per service and per
# backend over one socket (bench/nlload.py), to tell the kernel's share of the
# load time from svcadm's; the datapath lanes are set up with it.

svclb_prepare() { load_module; }
svclb_files() {
	"$BENCH/gen.py" state "$1" "$2" "${@:4}" >"$3/state.json"
	"$BENCH/gen.py" svcadm "$1" "$2" "${@:4}" >"$3/svcadm"
}
svclb_load() {
	ip netns exec "$1" "$SVCADM" -j apply -f "$2/state.json" >"$2/apply.json"
}
svclb_change() { svclb_load "$@"; }
# After the load or change: the netlink messages apply sent.
svclb_messages() {
	"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"])' \
		"$1/apply.json" 2>/dev/null || echo null
}
svclb_flows() {
	ip netns exec "$1" "$SVCADM" list -j |
		"$PY" -c 'import json,sys; print(sum(s["stats"]["active_flows"] for s in json.load(sys.stdin)["services"]))'
}
svclb_caches() { echo svclb_flow; }

svclb_nl_prepare() { svclb_prepare; }
svclb_nl_files() { svclb_files "$@"; }
svclb_nl_load() { ip netns exec "$1" "$BENCH/nlload.py" <"$2/svcadm" >/dev/null; }
svclb_nl_change() { svclb_nl_load "$@"; }
svclb_nl_messages() { wc -l <"$1/svcadm"; }
svclb_nl_flows() { svclb_flows "$@"; }
svclb_nl_caches() { svclb_caches; }
