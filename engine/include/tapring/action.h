/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stage actions: what happens to a frame after a stage (or the stack core,
 * which speaks the same encoding without depending on the engine) looked
 * at it. One 32-bit word per frame: the kind in the low 8 bits, and for
 * the two kinds that take one, an argument above (a drop reason id, a
 * port). Shared by <tapring/engine.h> and <tapring/stack.h>.
 */
#ifndef TAPRING_ACTION_H
#define TAPRING_ACTION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tr_act_kind {
	TR_ACT_NEXT = 0,          /* continue to the next stage (after the last stage: deliver to the app ring) */
	TR_ACT_TX = 1,            /* transmit this buffer (modified in place) on the same queue and port */
	TR_ACT_DELIVER = 2,       /* hand to the application's ring for this queue */
	TR_ACT_STOLEN = 3,        /* the stage keeps the buffer; it must later tr_worker_tx() or tr_worker_drop() it */
	TR_ACT_KIND_DROP = 4,     /* TR_ACT_DROP(reason): drop and bump the named counter */
	TR_ACT_KIND_TX_PORT = 5,  /* TR_ACT_TX_PORT(port): transmit on the same queue of port */
};

/* Drop the frame and count it under reason_id (an engine reason id, see
 * tr_engine_add_reason; the stack core uses its TR_STACK_C_* ids, which its
 * stage maps onto engine reasons). */
#define TR_ACT_DROP(reason_id)  ((uint32_t)TR_ACT_KIND_DROP | ((uint32_t)(reason_id) << 8))
/* Transmit on the same queue of another port (a two-port engine). */
#define TR_ACT_TX_PORT(port)    ((uint32_t)TR_ACT_KIND_TX_PORT | ((uint32_t)(port) << 8))
/* The kind of an action (an enum tr_act_kind value). */
#define TR_ACT_KIND(act)        ((uint32_t)(act) & 0xffu)
/* The reason id of a TR_ACT_DROP, the port of a TR_ACT_TX_PORT. */
#define TR_ACT_REASON(act)      ((uint32_t)(act) >> 8)

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_ACTION_H */
