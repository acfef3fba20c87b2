/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture file writers: the front end (format by file name) and our pcapng
 * writer. libpcap reads pcapng but cannot write it, so the block encoder is
 * ours (pcapng spec, draft-ietf-opsawg-pcapng): one Section Header Block, one
 * Interface Description Block (nanosecond resolution), then one Enhanced
 * Packet Block per frame with the direction in epb_flags and an optional
 * opt_comment (the engine's drop reason).
 *
 * Blocks are written in host byte order; the SHB's byte-order magic tells
 * readers which that is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tapring/capture.h>

#include "capture_pvt.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1A2B3C4Du

#define OPT_ENDOFOPT   0
#define OPT_COMMENT    1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME    2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS  2

#define PCAPNG_MAX_COMMENT 256

struct tr_pcap_writer {
	enum tr_pcap_format fmt;
	FILE *f;
	struct tr__pcap_classic *classic;
	uint32_t snaplen;
	uint32_t dlt;       /* of interface 0 (classic pcap: of the file) */
	uint32_t n_if;      /* pcapng interfaces described so far */
	uint64_t count;
	int err;            /* first write error, sticky */
};

enum tr_pcap_format tr_pcap_format_for(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (n >= 7 && strcmp(path + n - 7, ".pcapng") == 0)
		return TR_PCAP_FORMAT_PCAPNG;
	return TR_PCAP_FORMAT_PCAP;
}

static size_t pad4(size_t n)
{
	return (n + 3u) & ~(size_t)3u;
}

/* Appends one option (code, length, value, zero padding) at p; returns bytes. */
static size_t put_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, pad4(len) - len);
	return 4 + pad4(len);
}

static size_t put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return 4;
}

static int write_all(struct tr_pcap_writer *w, const void *buf, size_t n)
{
	if (w->err)
		return w->err;
	if (n && fwrite(buf, 1, n, w->f) != n)
		w->err = -EIO;
	return w->err;
}

/* The LINKTYPE_ value a file carries for a DLT_ value: they differ only
 * for raw IP among the types tapring writes (DLT_RAW is 12 on Linux, 14 on
 * OpenBSD; the file says LINKTYPE_RAW, 101). */
static uint16_t linktype_of(uint32_t dlt)
{
	return dlt == 12 ? 101 : (uint16_t)dlt;
}

/* Interface Description Block: link type, our snaplen, ns timestamps. */
static int pcapng_idb(struct tr_pcap_writer *w, const char *ifname, uint32_t dlt)
{
	uint8_t b[256];
	size_t s = 0;
	uint16_t linktype = linktype_of(dlt), reserved = 0;
	uint8_t tsresol = 9;
	s += put_u32(b + s, PCAPNG_IDB);
	s += 4;
	memcpy(b + s, &linktype, 2);
	memcpy(b + s + 2, &reserved, 2);
	s += 4;
	s += put_u32(b + s, w->snaplen);
	if (ifname && *ifname) {
		size_t n = strnlen(ifname, 64);
		s += put_opt(b + s, OPT_IF_NAME, ifname, (uint16_t)n);
	}
	s += put_opt(b + s, OPT_IF_TSRESOL, &tsresol, 1);
	s += put_opt(b + s, OPT_ENDOFOPT, "", 0);
	s += 4;
	put_u32(b + 4, (uint32_t)s);
	put_u32(b + s - 4, (uint32_t)s);
	return write_all(w, b, s);
}

static int pcapng_header(struct tr_pcap_writer *w, const char *ifname)
{
	uint8_t b[512];
	size_t o = 0;
	static const char appl[] = "tapring";
	uint16_t major = 1, minor = 0;
	int64_t section_len = -1;

	/* Section Header Block */
	o += put_u32(b + o, PCAPNG_SHB);
	o += 4; /* total length, patched below */
	o += put_u32(b + o, PCAPNG_BOM);
	memcpy(b + o, &major, 2);
	memcpy(b + o + 2, &minor, 2);
	o += 4;
	memcpy(b + o, &section_len, 8);
	o += 8;
	o += put_opt(b + o, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	o += put_opt(b + o, OPT_ENDOFOPT, "", 0);
	o += 4;
	put_u32(b + 4, (uint32_t)o);
	put_u32(b + o - 4, (uint32_t)o);
	if (write_all(w, b, o))
		return w->err;

	if (pcapng_idb(w, ifname, w->dlt))
		return w->err;
	w->n_if = 1;
	return 0;
}

struct tr_pcap_writer *tr_pcap_writer_open(const char *path, enum tr_pcap_format fmt,
					   uint32_t snaplen, const char *ifname, int *err)
{
	return tr_pcap_writer_open_link(path, fmt, snaplen, ifname, TR_PCAP_DLT_EN10MB, err);
}

struct tr_pcap_writer *tr_pcap_writer_open_link(const char *path, enum tr_pcap_format fmt,
						uint32_t snaplen, const char *ifname, uint32_t dlt,
						int *err)
{
	struct tr_pcap_writer *w;
	FILE *f;

	if (!path || !*path) {
		*err = -EINVAL;
		return NULL;
	}
	if (snaplen == 0)
		snaplen = 262144;
	w = calloc(1, sizeof(*w));
	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	if (strcmp(path, "-") == 0)
		f = fdopen(dup(STDOUT_FILENO), "wb");
	else
		f = fopen(path, "wbe");
	if (!f) {
		*err = -errno;
		free(w);
		return NULL;
	}
	w->fmt = fmt;
	w->snaplen = snaplen;
	w->dlt = dlt;
	if (fmt == TR_PCAP_FORMAT_PCAP) {
		w->classic = tr__pcap_classic_open(f, snaplen, (int)dlt, err);
		if (!w->classic) {
			fclose(f);
			free(w);
			return NULL;
		}
	} else {
		w->f = f;
		setvbuf(f, NULL, _IOFBF, 1 << 16);
		*err = pcapng_header(w, ifname);
		if (*err) {
			fclose(f);
			free(w);
			return NULL;
		}
	}
	*err = 0;
	return w;
}

int tr_pcap_writer_add_interface(struct tr_pcap_writer *w, const char *ifname, uint32_t dlt)
{
	if (w->fmt == TR_PCAP_FORMAT_PCAP)
		return dlt == w->dlt ? 0 : -EINVAL;
	if (w->n_if >= 0xffff)
		return -ENOSPC;
	int rc = pcapng_idb(w, ifname, dlt);
	if (rc)
		return rc;
	return (int)w->n_if++;
}

uint32_t tr_pcap_writer_dlt(const struct tr_pcap_writer *w)
{
	return w->dlt;
}

int tr_pcap_writer_write(struct tr_pcap_writer *w, const uint8_t *data, uint32_t caplen,
			 uint32_t len, uint64_t ts_ns, int dir, const char *comment)
{
	return tr_pcap_writer_write_on(w, 0, data, caplen, len, ts_ns, dir, comment);
}

int tr_pcap_writer_write_on(struct tr_pcap_writer *w, unsigned ifid, const uint8_t *data,
			    uint32_t caplen, uint32_t len, uint64_t ts_ns, int dir,
			    const char *comment)
{
	if (ifid >= (w->fmt == TR_PCAP_FORMAT_PCAP ? 1u : w->n_if))
		return -EINVAL;
	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (len < caplen)
		len = caplen;
	w->count++;
	if (w->fmt == TR_PCAP_FORMAT_PCAP)
		return tr__pcap_classic_write(w->classic, data, caplen, len, ts_ns);

	/* Enhanced Packet Block: header and options around the frame bytes. */
	uint8_t hdr[28];
	uint8_t opts[16 + 4 + PCAPNG_MAX_COMMENT + 4];
	size_t o = 0, clen = 0;
	static const uint8_t zeros[4];

	if (dir == TR_PCAP_DIR_IN || dir == TR_PCAP_DIR_OUT) {
		uint32_t flags = (uint32_t)dir; /* bits 0-1: 01 inbound, 10 outbound */
		o += put_opt(opts + o, OPT_EPB_FLAGS, &flags, 4);
	}
	if (comment && *comment) {
		clen = strnlen(comment, PCAPNG_MAX_COMMENT);
		o += put_opt(opts + o, OPT_COMMENT, comment, (uint16_t)clen);
	}
	if (o)
		o += put_opt(opts + o, OPT_ENDOFOPT, "", 0);

	uint32_t total = (uint32_t)(28 + pad4(caplen) + o + 4);
	put_u32(hdr, PCAPNG_EPB);
	put_u32(hdr + 4, total);
	put_u32(hdr + 8, ifid);
	put_u32(hdr + 12, (uint32_t)(ts_ns >> 32));
	put_u32(hdr + 16, (uint32_t)ts_ns);
	put_u32(hdr + 20, caplen);
	put_u32(hdr + 24, len);
	write_all(w, hdr, sizeof(hdr));
	write_all(w, data, caplen);
	write_all(w, zeros, pad4(caplen) - caplen);
	write_all(w, opts, o);
	return write_all(w, &total, 4);
}

int tr_pcap_writer_flush(struct tr_pcap_writer *w)
{
	if (w->fmt == TR_PCAP_FORMAT_PCAP)
		return tr__pcap_classic_flush(w->classic);
	if (!w->err && fflush(w->f) != 0)
		w->err = -EIO;
	return w->err;
}

int tr_pcap_writer_close(struct tr_pcap_writer *w)
{
	int rc;

	if (!w)
		return 0;
	if (w->fmt == TR_PCAP_FORMAT_PCAP) {
		rc = tr__pcap_classic_close(w->classic);
	} else {
		rc = tr_pcap_writer_flush(w);
		if (fclose(w->f) != 0 && !rc)
			rc = -EIO;
	}
	free(w);
	return rc;
}

uint64_t tr_pcap_writer_count(const struct tr_pcap_writer *w)
{
	return w->count;
}
