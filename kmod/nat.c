// SPDX-License-Identifier: GPL-2.0
/*
 * Packet rewriting: one address and one port, with incremental checksum
 * updates that are right for CHECKSUM_PARTIAL, CHECKSUM_COMPLETE and GSO
 * packets too, and for tunnels' UDP datagrams.
 */
#include <linux/crc32.h>
#include <linux/crc32c.h>
#include <linux/ip.h>
#include <linux/sctp.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/dst_metadata.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "svclb.h"

static unsigned int svclb_l4_hdrlen(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	default:
		return sizeof(struct sctphdr);
	}
}

static __wsum svclb_crc32c_update(const void *buf, int len, __wsum crc)
{
	return (__force __wsum)crc32c((__force u32)crc, buf, len);
}

static __wsum svclb_crc32c_combine(__wsum crc1, __wsum crc2, int offset,
				   int len2)
{
	return (__force __wsum)__crc32c_le_combine((__force u32)crc1,
						   (__force u32)crc2, len2);
}

static const struct skb_checksum_ops svclb_crc32c_ops = {
	.update = svclb_crc32c_update,
	.combine = svclb_crc32c_combine,
};

/* The CRC32c of an SCTP packet (RFC 9260, appendix A). */
__le32 svclb_sctp_csum(struct sk_buff *skb, unsigned int l4off)
{
	struct sctphdr *sh = (struct sctphdr *)(skb->data + l4off);
	__le32 old = sh->checksum;
	__wsum crc;

	sh->checksum = 0;
	crc = ~__skb_checksum(skb, l4off, skb->len - l4off, ~(__wsum)0,
			      &svclb_crc32c_ops);
	sh->checksum = old;
	return cpu_to_le32((__force u32)crc);
}

/* What the TCP or UDP checksum field of a packet holds. */
enum svclb_l4_csum {
	SVCLB_L4_CSUM_FULL,	/* the checksum of the datagram */
	SVCLB_L4_CSUM_SEED,	/* the pseudo-header sum, for offload to complete */
	SVCLB_L4_CSUM_NONE,	/* nothing: a UDP checksum of zero */
};

static enum svclb_l4_csum svclb_l4_csum(const struct sk_buff *skb,
					unsigned int l4off, u8 proto,
					__sum16 check)
{
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		if (skb_checksum_start_offset(skb) == l4off)
			return SVCLB_L4_CSUM_SEED;
		/*
		 * The offload is for an inner header: this is a UDP tunnel's
		 * datagram. On a GSO packet its checksum, if on, is the seed
		 * of each segment's; otherwise it was computed in full ahead
		 * of the inner one (local checksum offload), or is off.
		 */
		if (check && skb_is_gso(skb) &&
		    (skb_shinfo(skb)->gso_type & SKB_GSO_UDP_TUNNEL_CSUM))
			return SVCLB_L4_CSUM_SEED;
	}
	/*
	 * A zero UDP checksum is none (over IPv6 only tunnels send it, RFC
	 * 6935): it stays none, and so acceptable to the same receivers.
	 */
	if (proto == IPPROTO_UDP && !check)
		return SVCLB_L4_CSUM_NONE;
	return SVCLB_L4_CSUM_FULL;
}

/*
 * Under CHECKSUM_COMPLETE skb->csum sums the packet from the network header
 * on. Follow a change of @len bytes (an even number, at an even offset) that
 * no L4 checksum makes up for.
 */
static void svclb_skb_csum_replace(struct sk_buff *skb, const void *from,
				   const void *to, int len)
{
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->csum = csum_add(csum_sub(skb->csum, csum_partial(from, len, 0)),
				     csum_partial(to, len, 0));
}

/*
 * The L4 checksum field @check for a change of pseudo-header address (of
 * @addr_words 32-bit words: none, IPv4 or IPv6). Under CHECKSUM_COMPLETE
 * skb->csum then changes as much as the IPv4 header and the L4 header change
 * together (inet_proto_csum_replace4), while an IPv6 header's change and the
 * L4 header's cancel out (inet_proto_csum_replace16).
 */
static void svclb_csum_addr(__sum16 *check, struct sk_buff *skb,
			    const __be32 *from, const __be32 *to,
			    unsigned int addr_words)
{
	if (addr_words == 4)
		inet_proto_csum_replace16(check, skb, from, to, true);
	else if (addr_words == 1)
		inet_proto_csum_replace4(check, skb, *from, *to, true);
}

/*
 * Rewrite the L4 port at @portp and fix the checksums for it and for the
 * change of one pseudo-header address from @old_addr to @new_addr, of
 * @addr_words 32-bit words (1 for IPv4, 4 for IPv6, 0 for none).
 */
static void svclb_nat_l4(struct sk_buff *skb, unsigned int l4off, u8 proto,
			 __be16 *portp, __be16 new_port,
			 const __be32 *old_addr, const __be32 *new_addr,
			 unsigned int addr_words)
{
	__be16 old_port = *portp;
	__sum16 *check;
	unsigned int i;

	switch (proto) {
	case IPPROTO_TCP:
		check = &((struct tcphdr *)(skb->data + l4off))->check;
		break;
	case IPPROTO_UDP:
		check = &((struct udphdr *)(skb->data + l4off))->check;
		break;
	default:
		/*
		 * CRC32c covers the ports, not the addresses: a change of an
		 * IPv6 header shows in skb->csum alone.
		 */
		if (addr_words == 4)
			svclb_skb_csum_replace(skb, old_addr, new_addr, 16);
		if (old_port != new_port) {
			struct sctphdr *sh = (void *)(skb->data + l4off);

			*portp = new_port;
			if (skb->ip_summed != CHECKSUM_PARTIAL) {
				sh->checksum = svclb_sctp_csum(skb, l4off);
				skb->ip_summed = CHECKSUM_NONE;
			}
		}
		return;
	}

	switch (svclb_l4_csum(skb, l4off, proto, *check)) {
	case SVCLB_L4_CSUM_SEED:
		/* The port is not in it; nor is there an skb->csum. */
		svclb_csum_addr(check, skb, old_addr, new_addr, addr_words);
		break;
	case SVCLB_L4_CSUM_FULL:
		if (skb->ip_summed == CHECKSUM_PARTIAL) {
			/* A tunnel's, under an inner packet's offload. */
			for (i = 0; i < addr_words; i++)
				csum_replace4(check, old_addr[i], new_addr[i]);
			csum_replace2(check, old_port, new_port);
		} else {
			svclb_csum_addr(check, skb, old_addr, new_addr,
					addr_words);
			inet_proto_csum_replace2(check, skb, old_port, new_port,
						 false);
		}
		if (proto == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
		break;
	case SVCLB_L4_CSUM_NONE:
		svclb_skb_csum_replace(skb, &old_port, &new_port,
				       sizeof(new_port));
		if (addr_words == 4)
			svclb_skb_csum_replace(skb, old_addr, new_addr, 16);
		break;
	}
	*portp = new_port;
}

/*
 * Rewrite the destination (@dst) or the source address and port of an IPv4
 * or IPv6 packet of @family whose L4 header starts @l4off bytes into
 * skb->data, the network header's start. Returns 0 or -ENOMEM.
 */
int svclb_nat(struct sk_buff *skb, u8 family, unsigned int l4off, u8 proto,
	      bool dst, const union svclb_addr *addr, __be16 port)
{
	union svclb_addr old;
	__be32 *addrp;
	__be16 *portp;

	if (skb_ensure_writable(skb, l4off + svclb_l4_hdrlen(proto)))
		return -ENOMEM;
	/* Source and destination ports lead every header we translate. */
	portp = (__be16 *)(skb->data + l4off) + dst;

	if (family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		addrp = dst ? &iph->daddr : &iph->saddr;
		old.ip = *addrp;
		svclb_nat_l4(skb, l4off, proto, portp, port, &old.ip, &addr->ip,
			     1);
		/* The header's sum, in skb->csum, stays the same. */
		csum_replace4(&iph->check, old.ip, addr->ip);
		*addrp = addr->ip;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		addrp = (dst ? &ip6h->daddr : &ip6h->saddr)->s6_addr32;
		memcpy(old.all, addrp, sizeof(old.all));
		svclb_nat_l4(skb, l4off, proto, portp, port, old.all, addr->all,
			     4);
		memcpy(addrp, addr->all, sizeof(addr->all));
	}
	return 0;
}

/*
 * Rewrite the destination (@dst) or the source port alone, after svclb_nat()
 * made the L4 header writable: a client port remapped toward the backend.
 */
void svclb_nat_port(struct sk_buff *skb, unsigned int l4off, u8 proto,
		    bool dst, __be16 port)
{
	__be16 *portp = (__be16 *)(skb->data + l4off) + dst;

	svclb_nat_l4(skb, l4off, proto, portp, port, NULL, NULL, 0);
}

/*
 * A request rewritten before routing may carry a route to its old
 * destination, attached before this hook: an IPsec transport-mode packet
 * comes back from decryption with the route of the ESP packet, a packet
 * looped back with its output route. Drop it so that the stack routes the
 * packet to its new destination, as nf_nat does. A tunnel's metadata dst
 * is no route; it is kept for the route lookup, which reads it.
 */
void svclb_nat_reroute_in(struct sk_buff *skb)
{
	if (skb_valid_dst(skb))
		skb_dst_drop(skb);
}

#ifdef DEBUG
#include <net/ip6_checksum.h>
#include "selftest/nat.c"
#endif
