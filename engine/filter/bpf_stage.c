/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Engine prescreen stage: run a cBPF program on every frame of a burst and
 * drop the rejected ones with a named, counted reason. Accepted frames keep
 * TR_ACT_NEXT. Per frame this is one tr_bpf_run() (JIT code): no lock, no
 * allocation, no syscall, no copy.
 */
#include <errno.h>
#include <stdlib.h>

#include <tapring/engine.h>
#include <tapring/filter.h>
#include <tapring/slab.h>

struct bpf_stage {
	struct tr_stage st;              /* first: tr_bpf_stage_free gets this pointer back */
	const struct tr_bpf_prog *prog;  /* immutable; shared by all workers */
	uint32_t drop_act;               /* TR_ACT_DROP(reason id) */
};

static void bpf_stage_process(void *arg, struct tr_worker *w, struct tr_buf **bufs,
			      uint32_t *acts, unsigned n)
{
	const struct bpf_stage *s = arg;
	const struct tr_bpf_prog *p = s->prog;
	(void)w;
	for (unsigned i = 0; i < n; i++) {
		const struct tr_buf *b = bufs[i];
		if (tr_bpf_run(p, b->data, b->len, b->len) == 0)
			acts[i] = s->drop_act;
	}
}

struct tr_stage *tr_bpf_stage(struct tr_engine *e, const struct tr_bpf_prog *p,
			      const char *reason, int *err)
{
	int dummy, id;
	struct bpf_stage *s;

	if (!err)
		err = &dummy;
	if (!e || !p) {
		*err = -EINVAL;
		return NULL;
	}
	id = tr_engine_counter(e, reason ? reason : "bpf_reject");
	if (id < 0) {
		*err = id;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->prog = p;
	s->drop_act = TR_ACT_DROP((uint32_t)id);
	s->st.name = "bpf";
	s->st.arg = s;
	s->st.process = bpf_stage_process;
	*err = 0;
	return &s->st;
}

void tr_bpf_stage_free(struct tr_stage *st)
{
	free(st);   /* st is the first member of its struct bpf_stage */
}
