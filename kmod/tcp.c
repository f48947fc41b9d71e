// SPDX-License-Identifier: GPL-2.0
/*
 * TCP window tracking, the cheap part of conntrack's: a FIN or RST changes a
 * flow's state only when the receiver would accept it, judged from the
 * sequence numbers seen. A spoofer who knows a flow's addresses and ports
 * but not its sequence numbers can then neither end the flow nor, with a SYN
 * on the closing flow that follows, move the connection to another backend.
 *
 * For each direction the flow keeps the end of what was sent (the sequence
 * number after the last byte; SYN and FIN count as one), the largest window
 * it advertised, scaled as the handshake agreed, and the highest
 * acknowledgement it sent. A packet from S to R is within the window when
 *
 *	its end >= S's end - R's largest window, and
 *	its sequence number <= S's end + R's largest window, and, if it
 *	acknowledges, S's highest acknowledgement - S's largest window
 *	<= its acknowledgement <= R's end:
 *
 * R's next expected byte is at most a window behind what S sent, R's window
 * reaches at most a window ahead of that, and one acknowledges only what was
 * sent (RFC 5961's test of acknowledgements, not made of a RST, which a
 * receiver takes by its sequence number alone); a packet other than a SYN or
 * RST must acknowledge, or the receiver drops it. Only such packets move the
 * ends, windows and acknowledgements on, so other packets cannot shift them.
 * Besides, as RFC 5961 has the receiver do, a RST counts only at R's next
 * expected byte: at or after R's highest acknowledgement and at or before
 * S's end (a RST elsewhere in the window draws a challenge ACK and leaves
 * the connection up), and a FIN only where R reaches it: starting at or
 * before S's end, ending after R's highest acknowledgement. For an idle
 * connection that is a single sequence number each way.
 *
 * A direction is learnt from its first packet: the client's SYN, the
 * backend's SYN-ACK, or, for a flow taken over mid-stream (no SYN seen), the
 * first packet each way, whose window scale cannot be known: the largest, 14,
 * is assumed. Until both directions are known every packet counts as within
 * the window and learns nothing more, as conntrack picks up a connection in
 * the middle. A SYN while the flow is unconfirmed starts over (a client
 * retrying from the same port with a new initial sequence number), and so
 * does its SYN-ACK.
 *
 * Lockless: ends and acknowledgements only move on, by compare-and-exchange,
 * so no advance is lost to another CPU (a lost one could leave the other
 * side's acknowledgements beyond what was seen sent, and both sides' packets
 * out of the window for good); windows, scales and flags are read and
 * written once, each direction's by its own packets, but for the client's
 * SYN forgetting the backend's side and the SYN-ACK settling the scale.
 * After a takeover, the second side learnt moves the first side's end on to
 * what it acknowledges: the first side's packets in between were let
 * through without learning.
 */
#include <linux/skbuff.h>
#include <net/tcp.h>

#include "svclb.h"

/* struct svclb_tcp_dir flags */
#define SVCLB_TRACK_ACK		0x01	/* maxack was set */
#define SVCLB_TRACK_SYN		0x02	/* learnt from a SYN */
#define SVCLB_TRACK_WSCALE	0x04	/* ... with a window scale option */

#define SVCLB_TCP_MAX_SCALE	14		/* RFC 7323 */
#define SVCLB_TCP_MAX_WIN	(1U << 30)	/* 65535 << 14, rounded up */

/* What the tracking reads of a TCP segment. */
struct svclb_tcp_seg {
	u32 seq;
	u32 end;	/* seq + data + SYN + FIN */
	u32 ack;
	u32 win;	/* as sent, not scaled */
	int wscale;	/* a SYN's window scale option; -1: none */
	bool syn, fin, rst, has_ack;
};

/* The window scale option among a SYN's @len bytes of options at @off. */
static int svclb_tcp_wscale(const struct sk_buff *skb, unsigned int off,
			    unsigned int len)
{
	u8 buf[MAX_TCP_OPTION_SPACE];
	const u8 *opt;
	unsigned int i = 0;
	u8 olen;

	opt = skb_header_pointer(skb, off, len, buf);
	if (!opt)
		return -1;
	while (i < len) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			break;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			break;
		if (opt[i] == TCPOPT_WINDOW && olen == TCPOLEN_WINDOW)
			return min_t(int, opt[i + 2], SVCLB_TCP_MAX_SCALE);
		i += olen;
	}
	return -1;
}

/* Read the segment at @l4off; false when its header is not whole. */
static bool svclb_tcp_seg(const struct sk_buff *skb, unsigned int l4off,
			  struct svclb_tcp_seg *s)
{
	const struct tcphdr *th;
	struct tcphdr _th;
	unsigned int hlen;

	th = skb_header_pointer(skb, l4off, sizeof(_th), &_th);
	if (!th)
		return false;
	hlen = th->doff * 4;
	if (hlen < sizeof(*th) || hlen > skb->len - l4off)
		return false;
	s->seq = ntohl(th->seq);
	s->end = s->seq + (skb->len - l4off - hlen) + th->syn + th->fin;
	s->ack = ntohl(th->ack_seq);
	s->win = ntohs(th->window);
	s->syn = th->syn;
	s->fin = th->fin;
	s->rst = th->rst;
	s->has_ack = th->ack;
	s->wscale = -1;
	if (th->syn && hlen > sizeof(*th))
		s->wscale = svclb_tcp_wscale(skb, l4off + sizeof(*th),
					     hlen - sizeof(*th));
	return true;
}

/* Move a sequence number on to @v, never back, whatever other CPUs do. */
static void svclb_tcp_advance(u32 *p, u32 v)
{
	u32 old = READ_ONCE(*p);

	while (after(v, old) && !try_cmpxchg(p, &old, v))
		;
}

/* Learn the direction of @s from it (see the top of the file). */
static void svclb_tcp_learn(struct svclb_flow *flow,
			    const struct svclb_tcp_seg *s, bool reply)
{
	struct svclb_tcp_dir *snd = &flow->tcp[reply], *rcv = &flow->tcp[!reply];
	u8 rflags = READ_ONCE(rcv->flags), flags = 0, scale;
	u32 win = s->win;

	if (s->syn) {
		flags = SVCLB_TRACK_SYN;
		if (s->wscale >= 0)
			flags |= SVCLB_TRACK_WSCALE;
		scale = max(s->wscale, 0);
		if (!reply) {
			/* The client's SYN: the backend's side is learnt anew. */
			WRITE_ONCE(rcv->maxwin, 0);
		} else if ((rflags & SVCLB_TRACK_SYN) &&
			   !(rflags & flags & SVCLB_TRACK_WSCALE)) {
			/* Windows are scaled only if both SYNs offered it. */
			scale = 0;
			WRITE_ONCE(rcv->scale, 0);
		}
	} else {
		/* No SYN this way: the scale is unknown, assume the largest. */
		scale = SVCLB_TCP_MAX_SCALE;
		if ((rflags & (SVCLB_TRACK_SYN | SVCLB_TRACK_WSCALE)) ==
		    SVCLB_TRACK_SYN)
			scale = 0;
		win <<= scale;
	}
	if (s->has_ack) {
		flags |= SVCLB_TRACK_ACK;
		WRITE_ONCE(snd->maxack, s->ack);
		/*
		 * Taken over mid-stream, the other side's packets before this
		 * one were let through without learning: what this one
		 * acknowledges, it has sent.
		 */
		if (READ_ONCE(rcv->maxwin) && !(rflags & SVCLB_TRACK_SYN))
			svclb_tcp_advance(&rcv->end, s->ack);
	}
	WRITE_ONCE(snd->scale, scale);
	WRITE_ONCE(snd->flags, flags);
	WRITE_ONCE(snd->end, s->end);
	/* Last: a window of 0 means the direction is not known yet. */
	WRITE_ONCE(snd->maxwin, clamp(win, 1U, SVCLB_TCP_MAX_WIN));
}

/* Whether a RST or FIN within the window reaches the receiver's next byte. */
static bool svclb_tcp_reaches(const struct svclb_tcp_dir *rcv,
			      const struct svclb_tcp_seg *s, u32 end)
{
	bool acked = READ_ONCE(rcv->flags) & SVCLB_TRACK_ACK;
	u32 rack = READ_ONCE(rcv->maxack);

	if (after(s->seq, end))
		return false;
	if (!acked)
		return true;
	return s->rst ? !before(s->seq, rack) : after(s->end, rack);
}

/*
 * Track a TCP packet of @flow, from the client or (@reply) from the backend.
 * Returns whether it may change the flow's state: it lies within the window
 * of its direction and, if a RST or FIN, reaches the receiver's next byte.
 * A packet whose header is not whole may not. Under RCU.
 */
bool svclb_tcp_track(struct svclb_flow *flow, const struct sk_buff *skb,
		     unsigned int l4off, bool reply)
{
	struct svclb_tcp_dir *snd = &flow->tcp[reply], *rcv = &flow->tcp[!reply];
	u32 end, rwin, win, maxack, maxwin;
	struct svclb_tcp_seg s;
	bool in = true;
	u8 state, flags;

	if (!svclb_tcp_seg(skb, l4off, &s))
		return false;
	state = READ_ONCE(flow->state);
	if (!READ_ONCE(snd->maxwin) ||
	    (s.syn && s.has_ack == reply && (state == SVCLB_FLOW_TCP_NEW ||
					     state == SVCLB_FLOW_TCP_REPLIED))) {
		svclb_tcp_learn(flow, &s, reply);
		return true;
	}
	rwin = READ_ONCE(rcv->maxwin);
	if (!rwin)
		return true;
	/* Synchronised, a receiver drops what acknowledges nothing. */
	if (!s.has_ack && !s.rst && !s.syn)
		return false;
	end = READ_ONCE(snd->end);
	if (before(s.end, end - rwin) || after(s.seq, end + rwin))
		return false;
	flags = READ_ONCE(snd->flags);
	maxack = READ_ONCE(snd->maxack);
	maxwin = READ_ONCE(snd->maxwin);
	/* A receiver takes a RST by its sequence number alone. */
	if (s.rst)
		return svclb_tcp_reaches(rcv, &s, end);
	if (s.has_ack && (after(s.ack, READ_ONCE(rcv->end)) ||
			  ((flags & SVCLB_TRACK_ACK) &&
			   before(s.ack, maxack - maxwin))))
		return false;
	if (s.fin)
		in = svclb_tcp_reaches(rcv, &s, end);
	svclb_tcp_advance(&snd->end, s.end);
	win = s.syn ? s.win : s.win << READ_ONCE(snd->scale);
	if (win > maxwin)
		WRITE_ONCE(snd->maxwin, min(win, SVCLB_TCP_MAX_WIN));
	if (s.has_ack && !(flags & SVCLB_TRACK_ACK)) {
		WRITE_ONCE(snd->maxack, s.ack);
		WRITE_ONCE(snd->flags, flags | SVCLB_TRACK_ACK);
	} else if (s.has_ack) {
		svclb_tcp_advance(&snd->maxack, s.ack);
	}
	return in;
}

#ifdef DEBUG
#include "selftest/tcp.c"
#endif
