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

static struct sk_buff *__init st_build(u8 proto, bool udp_check_zero)
{
	unsigned int l4len, len;
	struct sk_buff *skb;
	struct iphdr *iph;
	u8 *l4;
	int i;

	l4len = (proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
		 proto == IPPROTO_UDP ? sizeof(struct udphdr) :
		 sizeof(struct sctphdr)) + ST_PAYLOAD;
	len = sizeof(*iph) + l4len;
	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_put(skb, len);
	skb_reset_network_header(skb);
	memset(skb->data, 0, len);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->tot_len = htons(len);
	iph->saddr = htonl(0x0a000102);
	iph->daddr = htonl(0x0a60000a);
	iph->check = ip_fast_csum(iph, iph->ihl);
	l4 = skb->data + sizeof(*iph);
	((__be16 *)l4)[0] = htons(40000);
	((__be16 *)l4)[1] = htons(80);
	for (i = 0; i < ST_PAYLOAD; i++)
		l4[l4len - ST_PAYLOAD + i] = i * 7 + 1;

	switch (proto) {
	case IPPROTO_TCP:
		((struct tcphdr *)l4)->doff = 5;
		((struct tcphdr *)l4)->check =
			csum_tcpudp_magic(iph->saddr, iph->daddr, l4len, proto,
					  csum_partial(l4, l4len, 0));
		break;
	case IPPROTO_UDP:
		((struct udphdr *)l4)->len = htons(l4len);
		if (!udp_check_zero)
			((struct udphdr *)l4)->check =
				csum_tcpudp_magic(iph->saddr, iph->daddr, l4len,
						  proto, csum_partial(l4, l4len, 0));
		break;
	default:
		((struct sctphdr *)l4)->checksum =
			cpu_to_le32(ref_crc32c(l4, l4len));
		break;
	}
	return skb;
}

static bool __init st_l4_ok(struct sk_buff *skb, u8 proto)
{
	struct iphdr *iph = ip_hdr(skb);
	unsigned int l4len = skb->len - sizeof(*iph);
	u8 *l4 = skb->data + sizeof(*iph);
	struct sctphdr *sh = (void *)l4;
	__le32 want;

	if (ip_fast_csum(iph, iph->ihl))
		return false;
	if (proto == IPPROTO_SCTP) {
		want = sh->checksum;
		sh->checksum = 0;
		sh->checksum = cpu_to_le32(ref_crc32c(l4, l4len));
		return want == sh->checksum;
	}
	return !csum_tcpudp_magic(iph->saddr, iph->daddr, l4len, proto,
				  csum_partial(l4, l4len, 0));
}

/* IPv6 TCP and UDP: the destination rewrite keeps the checksum valid. */
static bool __init st_nat6(void)
{
	static const u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	const union svclb_addr be = { .all = { htonl(0xfd000002), 0, 0,
					       htonl(3) } };
	const union svclb_addr vip = { .all = { htonl(0xfd000096), 0, 0,
						htonl(0x10) } };
	unsigned int i, l4len, len;
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;
	bool ok = true;
	__sum16 *check;
	u8 *l4;

	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		l4len = (protos[i] == IPPROTO_TCP ? sizeof(struct tcphdr) :
			 sizeof(struct udphdr)) + ST_PAYLOAD;
		len = sizeof(*ip6h) + l4len;
		skb = alloc_skb(len, GFP_KERNEL);
		if (!skb)
			return false;
		skb_put(skb, len);
		skb_reset_network_header(skb);
		memset(skb->data, 0, len);
		ip6h = ipv6_hdr(skb);
		ip6h->version = 6;
		ip6h->nexthdr = protos[i];
		ip6h->payload_len = htons(l4len);
		ip6h->hop_limit = 64;
		ip6h->saddr.s6_addr32[0] = htonl(0xfd000001);
		ip6h->saddr.s6_addr32[3] = htonl(2);
		ip6h->daddr = vip.in6;
		l4 = skb->data + sizeof(*ip6h);
		((__be16 *)l4)[0] = htons(40000);
		((__be16 *)l4)[1] = htons(80);
		if (protos[i] == IPPROTO_TCP) {
			((struct tcphdr *)l4)->doff = 5;
			check = &((struct tcphdr *)l4)->check;
		} else {
			((struct udphdr *)l4)->len = htons(l4len);
			check = &((struct udphdr *)l4)->check;
		}
		memset(l4 + l4len - ST_PAYLOAD, 0x5a, ST_PAYLOAD);
		*check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, l4len,
					 protos[i], csum_partial(l4, l4len, 0));

		if (svclb_nat(skb, AF_INET6, sizeof(*ip6h), protos[i], true,
			      &be, htons(8080)) ||
		    memcmp(&ipv6_hdr(skb)->daddr, &be.in6, sizeof(be.in6)) ||
		    csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, l4len,
				    protos[i], csum_partial(l4, l4len, 0))) {
			pr_err("svclb: nat self-test: IPv6 proto %u failed\n",
			       protos[i]);
			ok = false;
		}
		kfree_skb(skb);
	}
	return ok;
}

bool __init svclb_nat_selftest(void)
{
	static const u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
	const union svclb_addr be_addr = { .ip = htonl(0x0a000203) };
	const union svclb_addr vip = { .ip = htonl(0x0a600001) };
	const __be16 be_port = htons(8080);
	struct sk_buff *skb;
	struct udphdr *uh;
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		skb = st_build(protos[i], false);
		if (!skb)
			return false;
		/* Request direction, then the reply back. */
		if (svclb_nat(skb, AF_INET, sizeof(struct iphdr), protos[i],
			      true, &be_addr, be_port) ||
		    ip_hdr(skb)->daddr != be_addr.ip ||
		    ((__be16 *)(skb->data + sizeof(struct iphdr)))[1] != be_port ||
		    !st_l4_ok(skb, protos[i])) {
			pr_err("svclb: nat self-test: proto %u dnat failed\n",
			       protos[i]);
			ok = false;
		}
		if (svclb_nat(skb, AF_INET, sizeof(struct iphdr), protos[i],
			      false, &vip, htons(443)) ||
		    !st_l4_ok(skb, protos[i])) {
			pr_err("svclb: nat self-test: proto %u snat failed\n",
			       protos[i]);
			ok = false;
		}
		kfree_skb(skb);
	}

	/* SCTP's CRC32c does not cover addresses: same port, same CRC. */
	skb = st_build(IPPROTO_SCTP, false);
	if (!skb)
		return false;
	{
		struct sctphdr *sh = (void *)(skb->data + sizeof(struct iphdr));
		__le32 crc = sh->checksum;

		/* A recomputation would also drop the receiver's verdict. */
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		if (svclb_nat(skb, AF_INET, sizeof(struct iphdr), IPPROTO_SCTP,
			      true, &be_addr, htons(80)) ||
		    sh->checksum != crc ||
		    skb->ip_summed != CHECKSUM_UNNECESSARY ||
		    !st_l4_ok(skb, IPPROTO_SCTP)) {
			pr_err("svclb: nat self-test: SCTP address-only rewrite changed the CRC\n");
			ok = false;
		}
	}
	kfree_skb(skb);

	/* An IPv4 UDP datagram without checksum stays without. */
	skb = st_build(IPPROTO_UDP, true);
	if (!skb)
		return false;
	uh = (void *)(skb->data + sizeof(struct iphdr));
	if (svclb_nat(skb, AF_INET, sizeof(struct iphdr), IPPROTO_UDP, true,
		      &be_addr, be_port) || uh->check ||
	    ip_fast_csum(ip_hdr(skb), 5)) {
		pr_err("svclb: nat self-test: zero UDP checksum changed\n");
		ok = false;
	}
	kfree_skb(skb);

	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum only. */
	skb = st_build(IPPROTO_TCP, false);
	if (!skb)
		return false;
	{
		struct iphdr *iph = ip_hdr(skb);
		struct tcphdr *th = (void *)(skb->data + sizeof(*iph));
		unsigned int l4len = skb->len - sizeof(*iph);

		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_headroom(skb) + sizeof(*iph);
		skb->csum_offset = offsetof(struct tcphdr, check);
		th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, l4len,
					       IPPROTO_TCP, 0);
		if (svclb_nat(skb, AF_INET, sizeof(*iph), IPPROTO_TCP, true,
			      &be_addr, be_port) ||
		    th->check != (__sum16)~csum_tcpudp_magic(iph->saddr,
							     be_addr.ip, l4len,
							     IPPROTO_TCP, 0)) {
			pr_err("svclb: nat self-test: CHECKSUM_PARTIAL failed\n");
			ok = false;
		}
	}
	kfree_skb(skb);
	return ok && st_nat6();
}
