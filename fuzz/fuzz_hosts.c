/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hosts(5) file behind `tapring up --dns-hosts`: arbitrary text as the
 * zone of a stack host (engine/stack/hosts.c through the public
 * tr_stack_host_create). The text ends exactly at its terminator in a heap
 * block of its own size, so ASan sees any read past it; every accepted
 * zone is freed again (leaks show up too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stack/fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_stack_config cfg;
	struct tr_stack_host *h;
	char *text;
	int err = 0;

	if (size > (1u << 20))
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fk_default_config(&cfg);
	cfg.dns_port = 53;
	cfg.hosts_text = text;
	h = tr_stack_host_create(&cfg, &err);
	if (!h && err != -ENOMEM)
		abort();        /* a hosts file never makes the config invalid */
	tr_stack_host_destroy(h);
	free(text);
	return 0;
}
