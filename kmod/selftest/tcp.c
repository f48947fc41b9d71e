// SPDX-License-Identifier: GPL-2.0
/* Self-tests of TCP window tracking, compiled into DEBUG builds. */

#define ST_FIN	0x01
#define ST_SYN	0x02
#define ST_RST	0x04
#define ST_ACK	0x10
#define ST_FAR	0x80000000U	/* half the sequence space away */

/*
 * Track a segment (seq, ack, flags, raw window, a window scale option unless
 * -1, data bytes) on @flow: whether it may change the flow's state; false
 * also when no buffer could be had.
 */
static bool __init st_track(struct svclb_flow *flow, bool reply, u32 seq,
			    u32 ack, u8 flags, u16 win, int wscale,
			    unsigned int len)
{
	unsigned int hlen = sizeof(struct tcphdr) + (wscale >= 0 ? 4 : 0);
	struct sk_buff *skb;
	struct tcphdr *th;
	bool in;

	skb = alloc_skb(hlen + len, GFP_KERNEL);
	if (!skb)
		return false;
	th = skb_put_zero(skb, hlen + len);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = hlen / 4;
	((u8 *)th)[13] = flags;
	th->window = htons(win);
	if (wscale >= 0) {
		u8 *opt = (u8 *)(th + 1);

		opt[0] = TCPOPT_NOP;
		opt[1] = TCPOPT_WINDOW;
		opt[2] = TCPOLEN_WINDOW;
		opt[3] = wscale;
	}
	in = svclb_tcp_track(flow, skb, 0, reply);
	kfree_skb(skb);
	return in;
}

/* A header whose data offset is below 5 or beyond the packet. */
static bool __init st_track_doff(struct svclb_flow *flow, u8 doff)
{
	struct sk_buff *skb;
	struct tcphdr *th;
	bool in;

	skb = alloc_skb(sizeof(*th), GFP_KERNEL);
	if (!skb)
		return true;
	th = skb_put_zero(skb, sizeof(*th));
	th->doff = doff;
	((u8 *)th)[13] = ST_RST;
	in = svclb_tcp_track(flow, skb, 0, false);
	kfree_skb(skb);
	return in;
}

#define ST_CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err("svclb: tcp self-test failed: %s\n", #cond);	\
		return false;						\
	}								\
} while (0)

#define C false		/* from the client */
#define B true		/* from the backend */

/* A handshake with window scaling, then packets in and out of the window. */
static bool __init st_tcp_handshake(struct svclb_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->state = SVCLB_FLOW_TCP_NEW;
	ST_CHECK(st_track(f, C, 1000, 0, ST_SYN, 64240, 7, 0));
	/* Before the backend answers, anything goes and nothing is learnt. */
	ST_CHECK(st_track(f, C, 1000 + ST_FAR, 0, ST_RST, 0, -1, 0));
	ST_CHECK(st_track(f, B, 5000, 1001, ST_SYN | ST_ACK, 65160, 7, 0));
	ST_CHECK(f->tcp[0].scale == 7 && f->tcp[1].scale == 7);
	ST_CHECK(f->tcp[0].end == 1001 && f->tcp[1].end == 5001);
	ST_CHECK(f->tcp[1].maxack == 1001);
	f->state = SVCLB_FLOW_TCP_REPLIED;
	ST_CHECK(st_track(f, C, 1001, 5001, ST_ACK, 502, -1, 0));
	f->state = SVCLB_FLOW_TCP_ESTABLISHED;
	ST_CHECK(st_track(f, C, 1001, 5001, ST_ACK, 502, -1, 100));
	/* The client's window, scaled: 502 << 7. */
	ST_CHECK(f->tcp[0].end == 1101 && f->tcp[0].maxwin == 64256);
	ST_CHECK(st_track(f, B, 5001, 1101, ST_ACK, 1000, -1, 0));
	ST_CHECK(f->tcp[1].maxwin == 128000 && f->tcp[1].maxack == 1101);

	/* Far from the window, either way: nothing changes. */
	ST_CHECK(!st_track(f, C, 1101 + ST_FAR, 5001, ST_RST | ST_ACK, 0, -1, 0));
	ST_CHECK(!st_track(f, C, 1101 + ST_FAR, 5001, ST_FIN | ST_ACK, 0, -1, 0));
	ST_CHECK(!st_track(f, C, 1101 + ST_FAR, 0, ST_SYN, 1, 7, 0));
	ST_CHECK(!st_track(f, C, 1101 + 128001, 0, ST_RST, 0, -1, 0));
	ST_CHECK(!st_track(f, C, 1101 - 128001, 0, ST_RST, 0, -1, 0));
	ST_CHECK(!st_track(f, B, 5001 + 64257, 0, ST_RST, 0, -1, 0));
	ST_CHECK(!st_track(f, B, 5001 - ST_FAR, 1101, ST_FIN | ST_ACK, 0, -1, 0));
	/* Within, but acknowledging what was never sent, or long before. */
	ST_CHECK(!st_track(f, C, 1101, 5002, ST_ACK, 502, -1, 10));
	ST_CHECK(!st_track(f, C, 1101, 5001 - 64257, ST_ACK, 502, -1, 10));
	/* Within, but a RST or FIN away from the receiver's next byte. */
	ST_CHECK(!st_track(f, C, 1111, 0, ST_RST, 0, -1, 0));
	ST_CHECK(!st_track(f, C, 1100, 0, ST_RST, 0, -1, 0));
	ST_CHECK(!st_track(f, C, 1111, 5001, ST_FIN | ST_ACK, 502, -1, 0));
	ST_CHECK(f->tcp[0].end == 1112 && f->tcp[1].end == 5001);
	/* A header that is not whole never counts. */
	ST_CHECK(!st_track_doff(f, 4) && !st_track_doff(f, 6));
	/* Within: a retransmission, the receivers' next bytes. */
	ST_CHECK(st_track(f, C, 1001, 5001, ST_ACK, 502, -1, 100));
	ST_CHECK(st_track(f, C, 1101, 5001, ST_RST | ST_ACK, 0, -1, 0));
	/* A receiver takes a RST whatever it acknowledges. */
	ST_CHECK(st_track(f, C, 1101, 5001 + ST_FAR, ST_RST | ST_ACK, 0, -1, 0));
	ST_CHECK(st_track(f, B, 5001, 0, ST_RST, 0, -1, 0));
	ST_CHECK(st_track(f, C, 1101, 5001, ST_FIN | ST_ACK, 502, -1, 0));
	ST_CHECK(st_track(f, B, 5001, 1102, ST_FIN | ST_ACK, 1000, -1, 20));
	ST_CHECK(f->tcp[1].end == 5022 && f->tcp[1].maxack == 1102);
	return true;
}

/* Without window scaling offered by both, windows are not scaled. */
static bool __init st_tcp_noscale(struct svclb_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->state = SVCLB_FLOW_TCP_NEW;
	ST_CHECK(st_track(f, C, 1000, 0, ST_SYN, 65535, -1, 0));
	ST_CHECK(st_track(f, B, 5000, 1001, ST_SYN | ST_ACK, 65535, 7, 0));
	ST_CHECK(f->tcp[0].scale == 0 && f->tcp[1].scale == 0);
	f->state = SVCLB_FLOW_TCP_ESTABLISHED;
	ST_CHECK(st_track(f, B, 5001, 1001, ST_ACK, 60000, -1, 0));
	ST_CHECK(f->tcp[1].maxwin == 65535);
	ST_CHECK(!st_track(f, C, 1001 + 65536, 5001, ST_ACK, 0, -1, 0));
	/* A FIN that acknowledges nothing is dropped by the receiver. */
	ST_CHECK(!st_track(f, C, 1001, 0, ST_FIN, 0, -1, 0));
	ST_CHECK(st_track(f, C, 1001 + 65535, 5001, ST_ACK, 0, -1, 0));
	return true;
}

/*
 * A flow taken over mid-stream: each direction is learnt from its first
 * packet, with the largest scale; a SYN while unconfirmed starts over.
 */
static bool __init st_tcp_midstream(struct svclb_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->state = SVCLB_FLOW_TCP_NEW;
	ST_CHECK(st_track(f, C, 7000, 9000, ST_ACK, 500, -1, 10));
	ST_CHECK(f->tcp[0].scale == 14 && f->tcp[0].maxwin == 500U << 14);
	/* Let through, not learnt: the backend's side is not known yet. */
	ST_CHECK(st_track(f, C, 7010, 9000, ST_ACK, 500, -1, 10));
	ST_CHECK(f->tcp[0].end == 7010);
	/* The backend acknowledges it: the client's end moves on. */
	ST_CHECK(st_track(f, B, 9000, 7020, ST_ACK, 600, -1, 10));
	ST_CHECK(f->tcp[1].scale == 14 && f->tcp[1].maxwin == 600U << 14);
	ST_CHECK(f->tcp[0].end == 7020);
	f->state = SVCLB_FLOW_TCP_ESTABLISHED;
	ST_CHECK(st_track(f, C, 7020, 9010, ST_ACK, 500, -1, 0));
	ST_CHECK(!st_track(f, C, 7020 + ST_FAR, 9010, ST_RST | ST_ACK, 0, -1, 0));
	ST_CHECK(!st_track(f, B, 9010 + (500U << 14) + 1, 0, ST_RST, 0, -1, 0));
	ST_CHECK(st_track(f, C, 7020, 9010, ST_RST | ST_ACK, 0, -1, 0));

	/* A new SYN from the client's port before confirmation. */
	memset(f, 0, sizeof(*f));
	f->state = SVCLB_FLOW_TCP_NEW;
	ST_CHECK(st_track(f, C, 7000, 9000, ST_ACK, 500, -1, 10));
	ST_CHECK(st_track(f, B, 0, 7010, ST_RST | ST_ACK, 0, -1, 0));
	ST_CHECK(st_track(f, C, 123456, 0, ST_SYN, 64240, 7, 0));
	ST_CHECK(f->tcp[0].end == 123457 && !f->tcp[1].maxwin);
	ST_CHECK(st_track(f, B, 42, 123457, ST_SYN | ST_ACK, 65160, 9, 0));
	ST_CHECK(f->tcp[0].scale == 7 && f->tcp[1].scale == 9);
	ST_CHECK(!st_track(f, C, 123457 + ST_FAR, 0, ST_RST, 0, -1, 0));
	return true;
}

#undef C
#undef B

bool __init svclb_tcp_selftest(void)
{
	struct svclb_flow *f;
	bool ok;

	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return false;
	ok = st_tcp_handshake(f) && st_tcp_noscale(f) && st_tcp_midstream(f);
	kfree(f);
	return ok;
}
