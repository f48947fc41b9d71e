// SPDX-License-Identifier: GPL-2.0
/*
 * Packet rewriting: one address and one port, with incremental checksum
 * updates that are right for CHECKSUM_PARTIAL and GSO packets too.
 */
#include <linux/crc32.h>
#include <linux/crc32c.h>
#include <linux/ip.h>
#include <linux/sctp.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
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

/*
 * Rewrite the L4 port at @portp and fix the checksum for it and for the
 * change of one pseudo-header address from @old_addr to @new_addr.
 */
static void svclb_nat_l4(struct sk_buff *skb, unsigned int l4off, u8 proto,
			 __be16 *portp, __be16 new_port,
			 const __be32 *old_addr, const __be32 *new_addr,
			 unsigned int addr_words)
{
	__sum16 *check;
	unsigned int i;

	switch (proto) {
	case IPPROTO_TCP:
		check = &((struct tcphdr *)(skb->data + l4off))->check;
		break;
	case IPPROTO_UDP:
		check = &((struct udphdr *)(skb->data + l4off))->check;
		/* A zero UDP checksum over IPv4 means "none": keep it so. */
		if (!*check && skb->ip_summed != CHECKSUM_PARTIAL)
			check = NULL;
		break;
	default:
		/* CRC32c covers the ports, not the addresses. */
		if (*portp != new_port) {
			struct sctphdr *sh = (void *)(skb->data + l4off);

			*portp = new_port;
			if (skb->ip_summed != CHECKSUM_PARTIAL) {
				sh->checksum = svclb_sctp_csum(skb, l4off);
				skb->ip_summed = CHECKSUM_NONE;
			}
		}
		return;
	}

	if (check) {
		for (i = 0; i < addr_words; i++)
			inet_proto_csum_replace4(check, skb, old_addr[i],
						 new_addr[i], true);
		inet_proto_csum_replace2(check, skb, *portp, new_port, false);
		if (proto == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
	}
	*portp = new_port;
}

/*
 * Rewrite the destination (@dst) or the source address and port of an IPv4
 * or IPv6 packet of @family whose L4 header starts @l4off bytes into
 * skb->data. Returns 0 or -ENOMEM.
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

#ifdef DEBUG
#include <net/ip6_checksum.h>
#include "selftest/nat.c"
#endif
