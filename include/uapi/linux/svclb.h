/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * svclb: in-kernel service load balancer, generic netlink API.
 *
 * Family name SVCLB_GENL_NAME ("svclb"), version SVCLB_GENL_VERSION (1).
 * The family is network-namespace aware: every request acts on the tables of
 * the network namespace of the socket that sent it. Every command needs
 * CAP_NET_ADMIN in the user namespace that owns that network namespace.
 * Attributes are validated strictly: unknown attributes, nests without
 * NLA_F_NESTED and trailing garbage are refused. Every refusal carries an
 * extended ack message (NLMSGERR_ATTR_MSG) saying what was wrong.
 *
 * A service is identified by its key: family, protocol, address and port.
 * A backend is identified, within its service, by its address and port.
 *
 * SVCLB_CMD_SERVICE_NEW: create a service. Fails if it exists.
 *
 *   SVCLB_A_SERVICE: nest
 *     SVCLB_SVC_A_FAMILY: u16, AF_INET or AF_INET6               (required)
 *     SVCLB_SVC_A_PROTO: u8, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP (required)
 *     SVCLB_SVC_A_ADDR: binary, 4 bytes (AF_INET) or 16 (AF_INET6),
 *                       network byte order; a unicast address, or
 *                       0.0.0.0 or :: for a node port (below) (required)
 *     SVCLB_SVC_A_PORT: u16, host byte order, not 0               (required)
 *     SVCLB_SVC_A_SCHED: NUL-terminated string, at most
 *                        SVCLB_SCHED_NAME_MAX bytes with the NUL;
 *                        "rr" when absent
 *     SVCLB_SVC_A_FLAGS: u32, a combination of enum svclb_svc_flags;
 *                        0 when absent
 *     SVCLB_SVC_A_BACKENDS: nest, optional: the service's backends
 *       SVCLB_A_BACKEND: nest, repeated, one per backend, at most 65521
 *         SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT, SVCLB_BE_A_WEIGHT, as for
 *         SVCLB_CMD_BACKEND_NEW; a backend may appear once
 *     The service becomes visible complete, with its backends, or not at all.
 *
 * A node port is a service whose address is 0.0.0.0 (or ::): it takes the
 * packets to its protocol and port whose destination is any local address
 * of the namespace but a loopback one, as Kubernetes' NodePort services do.
 * A service on the exact destination address is preferred to it.
 * Multicast, broadcast and loopback service addresses are refused.
 *
 * SVCLB_CMD_SERVICE_SET: change an existing service: the same attributes as
 * SVCLB_CMD_SERVICE_NEW; SCHED and FLAGS replace the current values when
 * present. With SVCLB_SVC_A_BACKENDS (possibly empty) the list replaces the
 * service's backends as a whole, atomically: the new backend set is built
 * first and swapped in under RCU, and on any failure nothing changes.
 * Backends in both lists keep their flows and counters; the others are
 * removed. Fails if the service does not exist.
 *
 * SVCLB_CMD_SERVICE_DEL: delete a service, its backends and its flows.
 *
 *   SVCLB_A_SERVICE: nest with the service key (FAMILY, PROTO, ADDR, PORT)
 *
 * SVCLB_CMD_SERVICE_GET: NLM_F_DUMP only. Every service, one or more messages
 * each, in this form:
 *
 *   SVCLB_A_SERVICE: nest
 *     SVCLB_SVC_A_FAMILY, SVCLB_SVC_A_PROTO, SVCLB_SVC_A_ADDR,
 *     SVCLB_SVC_A_PORT, SVCLB_SVC_A_SCHED, SVCLB_SVC_A_FLAGS
 *     SVCLB_SVC_A_STATS: nest of enum svclb_stats_attrs
 *     SVCLB_SVC_A_BACKENDS: nest
 *       SVCLB_A_BACKEND: nest, repeated, one per backend
 *         SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT, SVCLB_BE_A_WEIGHT
 *         SVCLB_BE_A_STATS: nest of enum svclb_stats_attrs
 *
 * When a service's backends do not fit in one message, the following message
 * repeats the service's key and carries the next backends; readers merge
 * messages with the same key. The dump may be resumed in as many recvmsg()
 * calls as needed; if the tables changed between two parts of a dump, the
 * next message carries NLM_F_DUMP_INTR and the reader should dump again.
 *
 * SVCLB_CMD_BACKEND_NEW: add a backend to a service. Fails if it exists.
 *
 *   SVCLB_A_SERVICE: nest with the service key
 *   SVCLB_A_BACKEND: nest
 *     SVCLB_BE_A_ADDR: binary, 4 or 16 bytes; the address family must be
 *                      the service's; not 0.0.0.0 or ::           (required)
 *     SVCLB_BE_A_PORT: u16, host byte order, not 0                (required)
 *     SVCLB_BE_A_WEIGHT: u32, 0 to SVCLB_WEIGHT_MAX; 1 when absent. A
 *                        backend of weight 0 keeps its flows but gets no
 *                        new ones.
 *
 * SVCLB_CMD_BACKEND_SET: change an existing backend; the same attributes as
 * SVCLB_CMD_BACKEND_NEW; WEIGHT replaces the current value when present.
 *
 * SVCLB_CMD_BACKEND_DEL: remove a backend from a service. Its flows are
 * forgotten: their next packet is scheduled afresh.
 *
 *   SVCLB_A_SERVICE: nest with the service key
 *   SVCLB_A_BACKEND: nest with SVCLB_BE_A_ADDR and SVCLB_BE_A_PORT
 *
 * SVCLB_CMD_FLUSH: delete every service, backend and flow of the namespace.
 * No attributes.
 *
 * SVCLB_CMD_CONFIG_GET: the namespace's settings; the reply has
 *
 *   SVCLB_A_CONFIG: nest
 *     SVCLB_CFG_A_TIMEOUT_TCP_SYN: u32, seconds a TCP flow lives without a
 *                                  reply from its backend
 *     SVCLB_CFG_A_TIMEOUT_TCP: u32, seconds an established TCP flow lives idle
 *     SVCLB_CFG_A_TIMEOUT_TCP_CLOSING: u32, seconds after a FIN or RST
 *     SVCLB_CFG_A_TIMEOUT_UDP: u32, seconds a UDP flow lives idle
 *     SVCLB_CFG_A_TIMEOUT_SCTP: u32, seconds an SCTP flow lives idle
 *     SVCLB_CFG_A_MAX_FLOWS: u32, the bound of the flow table
 *     SVCLB_CFG_A_FLOWS: u32, the flows in the table now (read-only)
 *     SVCLB_CFG_A_MASQ_MARK: u32, the masquerade mark (see below)
 *     SVCLB_CFG_A_MASQ_MASK: u32, the bits of the packet mark it sets
 *
 * SVCLB_CMD_CONFIG_SET: change any of the settings above but FLOWS.
 * Timeouts are 1 to SVCLB_TIMEOUT_MAX seconds and apply at once to every
 * flow; MAX_FLOWS is at least 1 and limits new flows only.
 *
 * The masquerade mark: requests from other hosts and namespaces
 * (PREROUTING) that must be masqueraded get their packet mark set to
 * (mark & ~MASQ_MASK) | MASQ_MARK after translation, for one nft rule to
 * masquerade, e.g. "meta mark & MASQ_MASK == MASQ_MARK masquerade" in a nat
 * postrouting chain. These are the requests of hairpin flows (the client is
 * the backend chosen for it, whose reply would not come back through the
 * node) and every request of a service with SVCLB_SVC_F_MASQUERADE. A mask
 * of 0 (the default) turns marking off. MASQ_MARK must lie within the mask;
 * MASQ_MARK alone sets the mask to its own bits.
 *
 *   SVCLB_A_CONFIG: nest of the settings to change
 */
#ifndef _UAPI_LINUX_SVCLB_H
#define _UAPI_LINUX_SVCLB_H

#define SVCLB_GENL_NAME		"svclb"
#define SVCLB_GENL_VERSION	1

#define SVCLB_SCHED_NAME_MAX	16
#define SVCLB_SCHED_DEFAULT	"rr"	/* of a service created without one */
#define SVCLB_WEIGHT_MAX	65535
#define SVCLB_TIMEOUT_MAX	2000000
#define SVCLB_AFFINITY_TIMEOUT_DEFAULT	10800

enum svclb_cmd {
	SVCLB_CMD_UNSPEC,
	SVCLB_CMD_SERVICE_NEW,
	SVCLB_CMD_SERVICE_SET,
	SVCLB_CMD_SERVICE_DEL,
	SVCLB_CMD_SERVICE_GET,
	SVCLB_CMD_BACKEND_NEW,
	SVCLB_CMD_BACKEND_SET,
	SVCLB_CMD_BACKEND_DEL,
	SVCLB_CMD_FLUSH,
	SVCLB_CMD_CONFIG_GET,
	SVCLB_CMD_CONFIG_SET,
	__SVCLB_CMD_MAX
};
#define SVCLB_CMD_MAX (__SVCLB_CMD_MAX - 1)

enum svclb_attrs {
	SVCLB_A_UNSPEC,
	SVCLB_A_SERVICE,	/* nest: enum svclb_svc_attrs */
	SVCLB_A_BACKEND,	/* nest: enum svclb_be_attrs */
	SVCLB_A_CONFIG,		/* nest: enum svclb_cfg_attrs */
	__SVCLB_A_MAX
};
#define SVCLB_A_MAX (__SVCLB_A_MAX - 1)

enum svclb_svc_attrs {
	SVCLB_SVC_A_UNSPEC,
	SVCLB_SVC_A_FAMILY,	/* u16 */
	SVCLB_SVC_A_PROTO,	/* u8 */
	SVCLB_SVC_A_ADDR,	/* binary: 4 or 16 bytes */
	SVCLB_SVC_A_PORT,	/* u16 */
	SVCLB_SVC_A_SCHED,	/* string */
	SVCLB_SVC_A_FLAGS,	/* u32: enum svclb_svc_flags */
	SVCLB_SVC_A_STATS,	/* nest: enum svclb_stats_attrs (dump only) */
	SVCLB_SVC_A_BACKENDS,	/* nest: SVCLB_A_BACKEND... */
	__SVCLB_SVC_A_MAX
};
#define SVCLB_SVC_A_MAX (__SVCLB_SVC_A_MAX - 1)

enum svclb_svc_flags {
	/*
	 * When the service has no backend that can take a new flow, drop the
	 * packet silently instead of answering with a TCP RST or an ICMP port
	 * unreachable.
	 */
	SVCLB_SVC_F_SILENT_DROP = 1U << 0,
	/*
	 * Mark every request from another host or namespace with the
	 * masquerade mark (SVCLB_CFG_A_MASQ_MARK), for backends whose replies
	 * would not come back through this node otherwise, as for a node port
	 * in front of backends on other nodes.
	 */
	SVCLB_SVC_F_MASQUERADE = 1U << 1,
};
#define SVCLB_SVC_F_ALL (SVCLB_SVC_F_SILENT_DROP | SVCLB_SVC_F_MASQUERADE)

enum svclb_affinity {
	SVCLB_AFFINITY_NONE,
	SVCLB_AFFINITY_CLIENT_IP,	/* by the client's address */
	__SVCLB_AFFINITY_MAX
};
#define SVCLB_AFFINITY_MAX (__SVCLB_AFFINITY_MAX - 1)

enum svclb_be_attrs {
	SVCLB_BE_A_UNSPEC,
	SVCLB_BE_A_ADDR,	/* binary: 4 or 16 bytes */
	SVCLB_BE_A_PORT,	/* u16 */
	SVCLB_BE_A_WEIGHT,	/* u32 */
	SVCLB_BE_A_STATS,	/* nest: enum svclb_stats_attrs (dump only) */
	__SVCLB_BE_A_MAX
};
#define SVCLB_BE_A_MAX (__SVCLB_BE_A_MAX - 1)

enum svclb_be_state {
	/* Takes new flows. */
	SVCLB_BE_STATE_ACTIVE,
	/*
	 * Keeps its flows; takes new flows only when the service has no
	 * active backend of weight above 0.
	 */
	SVCLB_BE_STATE_TERMINATING,
	__SVCLB_BE_STATE_MAX
};
#define SVCLB_BE_STATE_MAX (__SVCLB_BE_STATE_MAX - 1)

enum svclb_cfg_attrs {
	SVCLB_CFG_A_UNSPEC,
	SVCLB_CFG_A_TIMEOUT_TCP_SYN,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_TCP,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_TCP_CLOSING,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_UDP,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_SCTP,	/* u32, seconds */
	SVCLB_CFG_A_MAX_FLOWS,		/* u32 */
	SVCLB_CFG_A_FLOWS,		/* u32, read-only */
	SVCLB_CFG_A_MASQ_MARK,		/* u32 */
	SVCLB_CFG_A_MASQ_MASK,		/* u32 */
	__SVCLB_CFG_A_MAX
};
#define SVCLB_CFG_A_MAX (__SVCLB_CFG_A_MAX - 1)

/*
 * Counters of a service or a backend. "in" is the client-to-backend direction,
 * "out" the replies. Flows counts the flows ever created, active_flows those
 * in the flow table now. Services also count the packets that would have
 * started a flow: refused, for want of a backend that can take it (answered
 * with a TCP RST or an ICMP port unreachable, or dropped with the
 * silent-drop flag), and dropped, for want of room in the flow table.
 */
enum svclb_stats_attrs {
	SVCLB_STATS_A_UNSPEC,
	SVCLB_STATS_A_PAD,
	SVCLB_STATS_A_FLOWS,		/* u64 */
	SVCLB_STATS_A_PKTS_IN,		/* u64 */
	SVCLB_STATS_A_BYTES_IN,		/* u64 */
	SVCLB_STATS_A_PKTS_OUT,		/* u64 */
	SVCLB_STATS_A_BYTES_OUT,	/* u64 */
	SVCLB_STATS_A_ACTIVE_FLOWS,	/* u32 */
	SVCLB_STATS_A_REFUSED,		/* u64, services only */
	SVCLB_STATS_A_DROPPED,		/* u64, services only */
	__SVCLB_STATS_A_MAX
};
#define SVCLB_STATS_A_MAX (__SVCLB_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_SVCLB_H */
