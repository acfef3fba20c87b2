#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
The exported ABI of libtapring.so (docs/API.md, "ABI policy"; STYLE.md 13).

Three lists must be one and the same:
  1. the functions declared with TR_API in the public headers (read from
     clang's AST of a file that includes every public header),
  2. the names listed in libtapring.map's version nodes,
  3. the dynamic symbols libtapring.so defines (nm -D --defined-only),
and every exported symbol carries the version node the map puts it in.
Beyond that: no public header declares a non-inline function without
TR_API (it would be a declaration with no symbol behind it), no exported
name is internal (tr__*, tr_nl_*, tr_uring_*), and the library exports no
data, only functions.

usage: abi_symbols.py LIBTAPRING.SO MAPFILE CLANG PUBLIC_INCLUDE_DIR...
Exit 0 pass, 1 fail, 77 skip.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

INTERNAL = re.compile(r"^(tr__|tr_nl_|tr_uring_)")
HOWTO = ("To export a function: write TR_API before its declaration in the "
         "public header (<tapring/api.h> is already included there) and add "
         "'<name>;' to the NEWEST version node of libtapring.map (keep the "
         "node sorted; a new release gets a new node, see docs/API.md "
         "\"Adding a symbol\"). An internal function (tr__*, tr_nl_*, "
         "tr_uring_*) gets neither: declare it in a *_pvt.h header instead.")

fails = []


def fail(msg):
    fails.append(msg)


def parse_map(path):
    """Return {name: node} and the node order; check the map's own shape."""
    text = open(path).read()
    text = re.sub(r"#[^\n]*", "", text)
    names, order = {}, []
    for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;", text, re.S):
        node, body, parent = m.group(1), m.group(2), m.group(3)
        if parent and parent not in order:
            fail(f"libtapring.map: node {node} inherits {parent}, which is not defined before it")
        order.append(node)
        section = None
        listed = []
        for tok in re.findall(r"[^;\s]+:|[^;\s]+;", body):
            if tok.endswith(":"):
                section = tok[:-1]
                continue
            name = tok[:-1]
            if section == "local":
                if name != "*":
                    fail(f"libtapring.map: node {node}: local: lists {name}; only 'local: *;' is used")
                continue
            if section != "global":
                fail(f"libtapring.map: node {node}: {name} outside a global: section")
                continue
            if name in names:
                fail(f"libtapring.map: {name} is listed twice ({names[name]} and {node})")
            names[name] = node
            listed.append(name)
        if listed != sorted(listed):
            fail(f"libtapring.map: node {node} is not sorted (keep each node sorted so merges stay clean)")
    if not order:
        fail("libtapring.map: no version node found")
    elif not re.search(r"local:\s*\*\s*;", text):
        fail("libtapring.map: no 'local: *;': names not listed would be exported unversioned")
    return names, order


def exported(lib):
    """Defined dynamic symbols: {name: (type, version or None)}."""
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        typ, full = parts[1], parts[2]
        if "@" in full:
            name, ver = re.split(r"@@?", full, maxsplit=1)
        else:
            name, ver = full, None
        syms[name] = (typ, ver)
    return syms


def header_decls(clang, incdirs):
    """Non-static, non-inline function (and extern variable) declarations in
    the public headers: {name: (header, line, has_TR_API)}."""
    headers = []
    for d in incdirs:
        for root, _, files in os.walk(d):
            for f in sorted(files):
                if f.endswith(".h"):
                    headers.append(os.path.relpath(os.path.join(root, f), d))
    if not headers:
        fail("no public header found under " + " ".join(incdirs))
        return {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "all.c")
        with open(src, "w") as f:
            for h in sorted(set(headers)):
                f.write(f"#include <{h}>\n")
        cmd = [clang, "-std=c17", "-fsyntax-only", "-Xclang", "-ast-dump=json"]
        cmd += [f"-I{d}" for d in incdirs] + [src]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            fail("the public headers do not compile together:\n" + r.stderr[-3000:])
            return {}, {}
        ast = json.loads(r.stdout)
    roots = [os.path.realpath(d) + os.sep for d in incdirs]
    # clang's JSON omits a location's file and line when they repeat the
    # previous location printed, in document order: track them.
    last = {"file": None, "line": None}

    def bare(loc):
        if not loc:
            return None
        if "file" in loc:
            last["file"] = loc["file"]
        if "line" in loc:
            last["line"] = loc["line"]
        return (last["file"], last["line"])

    def where(loc):
        if not loc:
            return None
        if "spellingLoc" in loc or "expansionLoc" in loc:
            bare(loc.get("spellingLoc"))
            return bare(loc.get("expansionLoc"))
        return bare(loc)

    funcs, data = {}, {}

    def walk(n, top):
        loc = where(n.get("loc"))
        rng = n.get("range") or {}
        where(rng.get("begin"))
        where(rng.get("end"))
        kind, name = n.get("kind"), n.get("name", "")
        if top and loc and loc[0] and any(os.path.realpath(loc[0]).startswith(r) for r in roots):
            hdr = os.path.realpath(loc[0])
            for r in roots:
                if hdr.startswith(r):
                    hdr = hdr[len(r):]
            if kind == "FunctionDecl" and n.get("storageClass") != "static" \
                    and not n.get("inline") and not n.get("isImplicit"):
                vis = any(c.get("kind") == "VisibilityAttr" for c in n.get("inner", []))
                prev = funcs.get(name)
                funcs[name] = (hdr, loc[1], vis or (prev[2] if prev else False))
            elif kind == "VarDecl" and n.get("storageClass") == "extern":
                data[name] = (hdr, loc[1])
        for c in n.get("inner", []):
            walk(c, False)

    for d in ast.get("inner", []):
        walk(d, True)
    return funcs, data


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 1
    lib, mapfile, clang = sys.argv[1:4]
    incdirs = sys.argv[4:]
    for tool in ("nm",):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            print(f"SKIP: {tool} (binutils) not installed")
            return 77

    mapped, order = parse_map(mapfile)
    syms = exported(lib)
    decls, data = header_decls(clang, incdirs)
    nodes = set(order)

    # The version-definition entries (type A, named like a node) are not symbols.
    funcs = {n: tv for n, tv in syms.items() if not (tv[0] == "A" and n in nodes)}

    for name, (typ, ver) in sorted(funcs.items()):
        if INTERNAL.match(name):
            fail(f"{name}: internal name exported from libtapring.so. Remove TR_API from its declaration "
                 f"and its line from libtapring.map; declare it in a *_pvt.h header.")
        elif not name.startswith("tr_"):
            fail(f"{name}: exported without the tr_ prefix (only public tr_* API may be exported)")
        if ver is None:
            fail(f"{name}: exported without a symbol version. {HOWTO}")
        elif name in mapped and ver != mapped[name]:
            fail(f"{name}: exported as version {ver}, libtapring.map puts it in {mapped[name]}")
        if typ not in ("T", "W", "i"):
            fail(f"{name}: exported as '{typ}' (data?): the ABI exports functions only; "
                 f"give the data an accessor function")
    for name in sorted(set(funcs) - set(mapped)):
        fail(f"{name}: exported by libtapring.so but not in libtapring.map. {HOWTO}")
    for name in sorted(set(mapped) - set(funcs)):
        where_ = decls.get(name)
        if where_ is None:
            fail(f"{name}: listed in libtapring.map ({mapped[name]}) but declared in no public header: "
                 f"remove it from libtapring.map, or declare it with TR_API in a public header")
        else:
            fail(f"{name}: listed in libtapring.map but not exported: its definition is missing or "
                 f"not compiled into libtapring (declared at {where_[0]}:{where_[1]})")
    for name, (hdr, line, vis) in sorted(decls.items()):
        if INTERNAL.match(name):
            fail(f"{name}: internal function declared in public header {hdr}:{line}: "
                 f"move the declaration to a *_pvt.h header (tests that need it link the static library)")
        elif not vis:
            fail(f"{name}: declared in public header {hdr}:{line} without TR_API, so libtapring.so "
                 f"does not export it. {HOWTO} (Or make it static inline, or move it to a *_pvt.h header.)")
        elif name not in mapped:
            fail(f"{name}: declared with TR_API at {hdr}:{line} but missing from libtapring.map, "
                 f"so the version script hides it. {HOWTO}")
    for name, (hdr, line) in sorted(data.items()):
        fail(f"{name}: extern variable declared in public header {hdr}:{line}: "
             f"the ABI exports functions only; give it an accessor function")

    if fails:
        for m in fails:
            print("FAIL: " + m)
        print(f"{len(fails)} problem(s); see docs/API.md, \"ABI policy\"")
        return 1
    print(f"ok: {len(funcs)} exported functions = {len(mapped)} names in libtapring.map "
          f"(nodes {', '.join(order)}) = {sum(1 for d in decls.values() if d[2])} TR_API declarations "
          f"in the public headers; all versioned, none internal")
    if len(funcs) == 0:
        print("FAIL: no exported symbol at all")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
