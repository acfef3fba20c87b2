/* SPDX-License-Identifier: BSD-2-Clause */
/* Umbrella header: every codec (pure protocol code, no I/O). */
#ifndef TAPRING_CODECS_H
#define TAPRING_CODECS_H

#include <tapring/checksum.h>
#include <tapring/addr.h>
#include <tapring/ethernet.h>
#include <tapring/link.h>
#include <tapring/arp.h>
#include <tapring/ipv4.h>
#include <tapring/ipv6.h>
#include <tapring/icmpv4.h>
#include <tapring/icmpv6.h>
#include <tapring/udp.h>
#include <tapring/tcp.h>
#include <tapring/dns.h>
#include <tapring/decode.h>
#include <tapring/vnet.h>

#endif /* TAPRING_CODECS_H */
