/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Address text: MAC (aa:bb:cc:dd:ee:ff, lowercase), IPv4 dotted quad, IPv6
 * per RFC 5952 (lowercase, no leading zeros, the longest run of two or more
 * zero groups compressed to "::" (leftmost on a tie), IPv4-mapped addresses
 * as ::ffff:a.b.c.d), and parsers for the same.
 *
 * Formatters write a NUL-terminated string into a buffer of the given
 * TR_*_STRLEN size and return its length. Parsers return 0 or -EINVAL and
 * accept exactly one address with no surrounding text.
 */
#ifndef TAPRING_ADDR_H
#define TAPRING_ADDR_H

#include <tapring/api.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TR_MAC_STRLEN  18   /* "aa:bb:cc:dd:ee:ff" + NUL */
#define TR_IPV4_STRLEN 16   /* "255.255.255.255" + NUL */
#define TR_IPV6_STRLEN 46   /* INET6_ADDRSTRLEN */

TR_API size_t tr_addr_mac_fmt(const uint8_t mac[6], char out[TR_MAC_STRLEN]);
TR_API size_t tr_addr_ipv4_fmt(const uint8_t a[4], char out[TR_IPV4_STRLEN]);
TR_API size_t tr_addr_ipv6_fmt(const uint8_t a[16], char out[TR_IPV6_STRLEN]);

/* Six hex pairs separated by ':' (or '-'), either case. */
TR_API int tr_addr_mac_parse(const char *s, uint8_t mac[6]);
/* Four decimal octets 0..255, no leading zeros beyond a single "0". */
TR_API int tr_addr_ipv4_parse(const char *s, uint8_t a[4]);
/* RFC 4291 §2.2 text forms: full, "::" compressed, trailing dotted quad. */
TR_API int tr_addr_ipv6_parse(const char *s, uint8_t a[16]);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_ADDR_H */
