/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS wire layout (RFC 1035 §4). No logic. */
#ifndef TAPRING_WIRE_DNS_H
#define TAPRING_WIRE_DNS_H

#include <tapring/wire/common.h>

struct tr_dns_hdr {
	tr_be16 id;
	tr_be16 flags;
	tr_be16 qdcount;
	tr_be16 ancount;
	tr_be16 nscount;
	tr_be16 arcount;
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_dns_hdr) == 12, "dns header is 12 bytes");

#define TR_DNS_HDR_LEN     12u
#define TR_DNS_OFF_ID      0u
#define TR_DNS_OFF_FLAGS   2u
#define TR_DNS_OFF_QDCOUNT 4u
#define TR_DNS_OFF_ANCOUNT 6u
#define TR_DNS_OFF_NSCOUNT 8u
#define TR_DNS_OFF_ARCOUNT 10u

/* Flags word (host order after load). */
#define TR_DNS_F_QR          0x8000u
#define TR_DNS_OPCODE_SHIFT  11
#define TR_DNS_OPCODE_MASK   0x7800u
#define TR_DNS_F_AA          0x0400u
#define TR_DNS_F_TC          0x0200u
#define TR_DNS_F_RD          0x0100u
#define TR_DNS_F_RA          0x0080u
#define TR_DNS_F_Z           0x0040u
#define TR_DNS_F_AD          0x0020u
#define TR_DNS_F_CD          0x0010u
#define TR_DNS_RCODE_MASK    0x000fu

/* Name encoding. */
#define TR_DNS_LABEL_MAX     63u     /* label length byte 0..63 */
#define TR_DNS_NAME_MAX      255u    /* wire length incl. length bytes and root */
#define TR_DNS_PTR_MASK      0xc0u   /* top two bits 11 = compression pointer */
#define TR_DNS_PTR_OFF_MASK  0x3fffu

/* Fixed part after a question name: type(2) class(2). After an RR name:
 * type(2) class(2) ttl(4) rdlength(2). */
#define TR_DNS_QFIXED_LEN    4u
#define TR_DNS_RRFIXED_LEN   10u

/* Types, classes, opcodes, rcodes. */
#define TR_DNS_T_A      1
#define TR_DNS_T_NS     2
#define TR_DNS_T_CNAME  5
#define TR_DNS_T_SOA    6
#define TR_DNS_T_PTR    12
#define TR_DNS_T_MX     15
#define TR_DNS_T_TXT    16
#define TR_DNS_T_AAAA   28
#define TR_DNS_T_SRV    33
#define TR_DNS_T_OPT    41
#define TR_DNS_T_ANY    255
#define TR_DNS_C_IN     1
#define TR_DNS_C_ANY    255
#define TR_DNS_OP_QUERY  0
#define TR_DNS_OP_IQUERY 1
#define TR_DNS_OP_STATUS 2
#define TR_DNS_OP_NOTIFY 4
#define TR_DNS_OP_UPDATE 5
#define TR_DNS_RC_NOERROR  0
#define TR_DNS_RC_FORMERR  1
#define TR_DNS_RC_SERVFAIL 2
#define TR_DNS_RC_NXDOMAIN 3
#define TR_DNS_RC_NOTIMP   4
#define TR_DNS_RC_REFUSED  5

#define TR_DNS_PORT        53
#define TR_MDNS_PORT       5353

#endif /* TAPRING_WIRE_DNS_H */
