/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * <tapring/api.h>: the export marker of the public API.
 *
 * libtapring is built with -fvisibility=hidden and a linker version script
 * (libtapring.map): a function is in the shared library's ABI only when its
 * declaration in a public header starts with TR_API AND its name is listed
 * in a version node of libtapring.map. Everything else, including every
 * tr__* name and the internal modules, stays local to the library. See
 * docs/API.md, "ABI policy", for what is stable and how to add a symbol.
 *
 * Every public header includes this one; an embedder never needs it directly.
 */
#ifndef TAPRING_API_H
#define TAPRING_API_H

#if defined(__GNUC__) || defined(__clang__)
#define TR_API __attribute__((visibility("default")))
#else
#define TR_API
#endif

#endif /* TAPRING_API_H */
