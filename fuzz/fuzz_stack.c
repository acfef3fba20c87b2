/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: arbitrary frames into one long-lived stack instance
 * (addresses, echo and DNS configured) with the fake io of the unit tests.
 * Input: if the first byte is odd, the rest is a sequence of frames each
 * prefixed by a 2-byte big-endian length (fragment trains, ND exchanges);
 * otherwise the rest is one frame. Each frame ends at a guard page with no
 * spare room. After every input the accounting equation must hold and
 * every drop must carry a named reason; timers advance between inputs.
 */
#include "stack/fake.h"

static struct fake F;
static bool ready;

static void setup(void)
{
	struct tr_stack_config cfg;
	fk_default_config(&cfg);
	cfg.udp_echo_port = 7;
	cfg.dns_port = 53;
	cfg.hosts_text = "10.77.5.5 host.test alias.test\nfd77::5:5 host.test\n";
	fk_init(&F, &cfg, 0);
	fk_enable_large(&F, 65536 + 128, 4);   /* reassembly beyond one buffer */
	fk_start(&F);
	tr_stack_start(F.s, F.now);
	ready = true;
}

static void one(const uint8_t *p, size_t n)
{
	if (n > 1600)
		n = 1600;
	fk_input_guard(&F, p, (uint32_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		size_t off = 1;
		for (int k = 0; k < 64 && off + 2 <= size; k++) {
			size_t l = tr_load_be16(data + off);
			off += 2;
			if (l > size - off)
				l = size - off;
			one(data + off, l);
			off += l;
		}
	} else {
		one(data + 1, size - 1);
	}
	fk_poll(&F, (uint64_t)(data[0] >> 1) * 250000000ull);
	fk_clear_tx(&F);
	if (!fk_accounting_ok(&F) || t_failures)
		abort();
	return 0;
}
