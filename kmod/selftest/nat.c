// SPDX-License-Identifier: GPL-2.0
/* Self-tests of the packet rewrite, compiled into DEBUG builds. */

/* Bitwise CRC32c (Castagnoli, reflected), independent of the kernel's. */
static u32 __init ref_crc32c(const u8 *p, size_t len)
{
	u32 crc = ~0U;
	int i;

	while (len--) {
		crc ^= *p++;
		for (i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0x82F63B78U & -(crc & 1));
	}
	return ~crc;
}

#define ST_PAYLOAD 37	/* odd, to exercise the checksum's odd-byte path */

/* Client, VIP and backend of the tests; IPv6 ones differ in every word. */
static const union svclb_addr st_client4 = { .ip = htonl(0x0a000102) };
static const union svclb_addr st_vip4 = { .ip = htonl(0x0a60000a) };
static const union svclb_addr st_be4 = { .ip = htonl(0x0a000203) };
static const union svclb_addr st_client6 = {
	.all = { htonl(0xfd000001), htonl(0x00010000), 0, htonl(2) } };
static const union svclb_addr st_vip6 = {
	.all = { htonl(0xfd000096), htonl(0x12345678), htonl(0x9abc), htonl(0x10) } };
static const union svclb_addr st_be6 = {
	.all = { htonl(0xfd000002), htonl(0xfedc0000), htonl(0xffff0001), htonl(3) } };

static unsigned int __init st_l3len(u8 family)
{
	return family == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
}

static const __be32 *__init st_daddr(struct sk_buff *skb, u8 family)
{
	return family == AF_INET ? &ip_hdr(skb)->daddr :
				   ipv6_hdr(skb)->daddr.s6_addr32;
}

/* The TCP or UDP checksum of @skb's datagram over its current addresses. */
static __sum16 __init st_l4_magic(struct sk_buff *skb, u8 family, u8 proto,
				  __wsum sum)
{
	unsigned int l4len = skb->len - st_l3len(family);

	if (family == AF_INET)
		return csum_tcpudp_magic(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
					 l4len, proto, sum);
	return csum_ipv6_magic(&ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
			       l4len, proto, sum);
}

/*
 * A client-to-VIP datagram of @family and @proto, port 40000 to 80, with
 * valid checksums (none for UDP if @udp_check_zero).
 */
static struct sk_buff *__init st_build(u8 family, u8 proto, bool udp_check_zero)
{
	unsigned int l3len = st_l3len(family), l4len, len;
	struct sk_buff *skb;
	u8 *l4;
	int i;

	l4len = (proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
		 proto == IPPROTO_UDP ? sizeof(struct udphdr) :
		 sizeof(struct sctphdr)) + ST_PAYLOAD;
	len = l3len + l4len;
	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_put(skb, len);
	skb_reset_network_header(skb);
	memset(skb->data, 0, len);
	if (family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = proto;
		iph->tot_len = htons(len);
		iph->saddr = st_client4.ip;
		iph->daddr = st_vip4.ip;
		iph->check = ip_fast_csum(iph, iph->ihl);
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->version = 6;
		ip6h->nexthdr = proto;
		ip6h->payload_len = htons(l4len);
		ip6h->hop_limit = 64;
		ip6h->saddr = st_client6.in6;
		ip6h->daddr = st_vip6.in6;
	}
	skb_set_transport_header(skb, l3len);
	l4 = skb->data + l3len;
	((__be16 *)l4)[0] = htons(40000);
	((__be16 *)l4)[1] = htons(80);
	for (i = 0; i < ST_PAYLOAD; i++)
		l4[l4len - ST_PAYLOAD + i] = i * 7 + 1;

	switch (proto) {
	case IPPROTO_TCP:
		((struct tcphdr *)l4)->doff = 5;
		((struct tcphdr *)l4)->check =
			st_l4_magic(skb, family, proto, csum_partial(l4, l4len, 0));
		break;
	case IPPROTO_UDP:
		((struct udphdr *)l4)->len = htons(l4len);
		if (!udp_check_zero)
			((struct udphdr *)l4)->check =
				st_l4_magic(skb, family, proto,
					    csum_partial(l4, l4len, 0));
		break;
	default:
		((struct sctphdr *)l4)->checksum =
			cpu_to_le32(ref_crc32c(l4, l4len));
		break;
	}
	return skb;
}

/*
 * The IPv4 header checksum and the L4 checksum are right; a UDP datagram
 * has one if and only if @udp_check.
 */
static bool __init st_l4_ok(struct sk_buff *skb, u8 family, u8 proto,
			    bool udp_check)
{
	unsigned int l4len = skb->len - st_l3len(family);
	u8 *l4 = skb_transport_header(skb);
	struct sctphdr *sh = (void *)l4;
	__le32 want;

	if (family == AF_INET && ip_fast_csum(ip_hdr(skb), ip_hdr(skb)->ihl))
		return false;
	if (proto == IPPROTO_SCTP) {
		want = sh->checksum;
		sh->checksum = 0;
		sh->checksum = cpu_to_le32(ref_crc32c(l4, l4len));
		return want == sh->checksum;
	}
	if (proto == IPPROTO_UDP && !((struct udphdr *)l4)->check)
		return !udp_check;
	return !st_l4_magic(skb, family, proto, csum_partial(l4, l4len, 0));
}

/* Two checksums are the same ones' complement number (0 and 0xffff alike). */
static bool __init st_csum_eq(__wsum a, __wsum b)
{
	u16 x = (__force u16)csum_fold(a), y = (__force u16)csum_fold(b);

	return x == y || ((x | y) == 0xffff && !(x & y));
}

/* CHECKSUM_COMPLETE: skb->csum, from the network header on as at our hooks. */
static void __init st_set_complete(struct sk_buff *skb)
{
	skb->ip_summed = CHECKSUM_COMPLETE;
	skb->csum = csum_partial(skb->data, skb->len, 0);
}

/* Request and reply rewrite of every family and protocol. */
static bool __init st_nat_all(void)
{
	static const u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
	static const u8 families[] = { AF_INET, AF_INET6 };
	const union svclb_addr *be, *vip;
	unsigned int f, i, l3len;
	struct sk_buff *skb;
	bool ok = true;

	for (f = 0; f < ARRAY_SIZE(families); f++) {
		be = families[f] == AF_INET ? &st_be4 : &st_be6;
		vip = families[f] == AF_INET ? &st_vip4 : &st_vip6;
		l3len = st_l3len(families[f]);
		for (i = 0; i < ARRAY_SIZE(protos); i++) {
			skb = st_build(families[f], protos[i], false);
			if (!skb)
				return false;
			/* Request direction, then the reply back. */
			if (svclb_nat(skb, families[f], l3len, protos[i], true,
				      be, htons(8080)) ||
			    memcmp(st_daddr(skb, families[f]), be,
				   families[f] == AF_INET ? 4 : 16) ||
			    ((__be16 *)skb_transport_header(skb))[1] != htons(8080) ||
			    !st_l4_ok(skb, families[f], protos[i], true)) {
				pr_err("svclb: nat self-test: family %u proto %u dnat failed\n",
				       families[f], protos[i]);
				ok = false;
			}
			if (svclb_nat(skb, families[f], l3len, protos[i], false,
				      vip, htons(443)) ||
			    !st_l4_ok(skb, families[f], protos[i], true)) {
				pr_err("svclb: nat self-test: family %u proto %u snat failed\n",
				       families[f], protos[i]);
				ok = false;
			}
			kfree_skb(skb);
		}
	}
	return ok;
}

/*
 * CHECKSUM_COMPLETE (a receiving device summed the packet): after the
 * rewrite skb->csum is still the sum of the packet, for every family and
 * protocol, with and without a UDP checksum, and the L4 checksum is right.
 */
static bool __init st_complete(void)
{
	static const struct {
		u8 proto;
		bool zero;
		bool same_port;
	} c[] = {
		{ IPPROTO_TCP }, { IPPROTO_UDP }, { IPPROTO_UDP, true },
		/* A new port means a new CRC, and no device sum to keep. */
		{ IPPROTO_SCTP, false, true },
	};
	static const u8 families[] = { AF_INET, AF_INET6 };
	const union svclb_addr *be, *vip;
	unsigned int f, i, l3len;
	struct sk_buff *skb;
	bool ok = true;
	__be16 port;

	for (f = 0; f < ARRAY_SIZE(families); f++) {
		be = families[f] == AF_INET ? &st_be4 : &st_be6;
		vip = families[f] == AF_INET ? &st_vip4 : &st_vip6;
		l3len = st_l3len(families[f]);
		for (i = 0; i < ARRAY_SIZE(c); i++) {
			skb = st_build(families[f], c[i].proto, c[i].zero);
			if (!skb)
				return false;
			port = c[i].same_port ? htons(80) : htons(8080);
			st_set_complete(skb);
			if (svclb_nat(skb, families[f], l3len, c[i].proto, true,
				      be, port) ||
			    skb->ip_summed != CHECKSUM_COMPLETE ||
			    !st_csum_eq(skb->csum,
					csum_partial(skb->data, skb->len, 0)) ||
			    !st_l4_ok(skb, families[f], c[i].proto, !c[i].zero)) {
				pr_err("svclb: nat self-test: CHECKSUM_COMPLETE family %u proto %u%s dnat failed\n",
				       families[f], c[i].proto,
				       c[i].zero ? " (no checksum)" : "");
				ok = false;
			}
			port = c[i].same_port ? htons(40000) : htons(443);
			if (svclb_nat(skb, families[f], l3len, c[i].proto, false,
				      vip, port) ||
			    !st_csum_eq(skb->csum,
					csum_partial(skb->data, skb->len, 0))) {
				pr_err("svclb: nat self-test: CHECKSUM_COMPLETE family %u proto %u%s snat failed\n",
				       families[f], c[i].proto,
				       c[i].zero ? " (no checksum)" : "");
				ok = false;
			}
			kfree_skb(skb);
		}
	}
	return ok;
}

/*
 * CHECKSUM_PARTIAL for an inner header: the UDP datagram is a tunnel's and
 * carries a packet whose own checksum a device will fill in. The outer UDP
 * checksum is either none (zero; it must stay zero), a full checksum
 * computed ahead (local checksum offload: it must stay right), or, on a GSO
 * packet, the pseudo-header sum each segment's checksum starts from.
 */
static bool __init st_partial_tunnel(void)
{
	static const u8 families[] = { AF_INET, AF_INET6 };
	unsigned int f, kind, l3len;
	const union svclb_addr *be;
	struct udphdr *uh;
	struct sk_buff *skb;
	bool ok = true;

	for (f = 0; f < ARRAY_SIZE(families); f++) {
		be = families[f] == AF_INET ? &st_be4 : &st_be6;
		l3len = st_l3len(families[f]);
		for (kind = 0; kind < 3; kind++) {
			skb = st_build(families[f], IPPROTO_UDP, kind == 0);
			if (!skb)
				return false;
			uh = (void *)skb_transport_header(skb);
			/* The inner header's checksum: somewhere in the payload. */
			skb->ip_summed = CHECKSUM_PARTIAL;
			skb->csum_start = skb_headroom(skb) + l3len +
					  sizeof(*uh) + 8;
			skb->csum_offset = 2;
			if (kind == 2) {
				skb_shinfo(skb)->gso_size = 16;
				skb_shinfo(skb)->gso_type = SKB_GSO_UDP_TUNNEL_CSUM;
				uh->check = ~st_l4_magic(skb, families[f],
							 IPPROTO_UDP, 0);
			}
			if (svclb_nat(skb, families[f], l3len, IPPROTO_UDP, true,
				      be, htons(8080)) ||
			    (kind == 0 && uh->check) ||
			    (kind == 1 && !st_l4_ok(skb, families[f], IPPROTO_UDP, true)) ||
			    (kind == 2 && uh->check !=
			     (__sum16)~st_l4_magic(skb, families[f], IPPROTO_UDP, 0))) {
				pr_err("svclb: nat self-test: tunnel family %u %s outer checksum wrong\n",
				       families[f], kind == 0 ? "zero" :
				       kind == 1 ? "full" : "GSO");
				ok = false;
			}
			skb_shinfo(skb)->gso_size = 0;
			skb_shinfo(skb)->gso_type = 0;
			kfree_skb(skb);
		}
	}
	return ok;
}

bool __init svclb_nat_selftest(void)
{
	const __be16 be_port = htons(8080);
	struct sk_buff *skb;
	struct udphdr *uh;
	bool ok = true;

	ok &= st_nat_all();
	ok &= st_complete();
	ok &= st_partial_tunnel();

	/* SCTP's CRC32c does not cover addresses: same port, same CRC. */
	skb = st_build(AF_INET, IPPROTO_SCTP, false);
	if (!skb)
		return false;
	{
		struct sctphdr *sh = (void *)(skb->data + sizeof(struct iphdr));
		__le32 crc = sh->checksum;

		/* A recomputation would also drop the receiver's verdict. */
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		if (svclb_nat(skb, AF_INET, sizeof(struct iphdr), IPPROTO_SCTP,
			      true, &st_be4, htons(80)) ||
		    sh->checksum != crc ||
		    skb->ip_summed != CHECKSUM_UNNECESSARY ||
		    !st_l4_ok(skb, AF_INET, IPPROTO_SCTP, true)) {
			pr_err("svclb: nat self-test: SCTP address-only rewrite changed the CRC\n");
			ok = false;
		}
	}
	kfree_skb(skb);

	/* A UDP datagram without checksum stays without. */
	skb = st_build(AF_INET, IPPROTO_UDP, true);
	if (!skb)
		return false;
	uh = (void *)(skb->data + sizeof(struct iphdr));
	if (svclb_nat(skb, AF_INET, sizeof(struct iphdr), IPPROTO_UDP, true,
		      &st_be4, be_port) || uh->check ||
	    ip_fast_csum(ip_hdr(skb), 5)) {
		pr_err("svclb: nat self-test: zero UDP checksum changed\n");
		ok = false;
	}
	kfree_skb(skb);

	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum only. */
	skb = st_build(AF_INET, IPPROTO_TCP, false);
	if (!skb)
		return false;
	{
		struct iphdr *iph = ip_hdr(skb);
		struct tcphdr *th = (void *)(skb->data + sizeof(*iph));

		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_headroom(skb) + sizeof(*iph);
		skb->csum_offset = offsetof(struct tcphdr, check);
		th->check = ~st_l4_magic(skb, AF_INET, IPPROTO_TCP, 0);
		if (svclb_nat(skb, AF_INET, sizeof(*iph), IPPROTO_TCP, true,
			      &st_be4, be_port) ||
		    th->check != (__sum16)~st_l4_magic(skb, AF_INET,
						       IPPROTO_TCP, 0)) {
			pr_err("svclb: nat self-test: CHECKSUM_PARTIAL failed\n");
			ok = false;
		}
	}
	kfree_skb(skb);
	return ok;
}
