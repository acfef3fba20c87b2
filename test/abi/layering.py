#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
The library boundaries (docs/ARCHITECTURE.md, "Library boundaries"), checked
on every #include of the sources. The build already enforces them through
each library's include directories; this check also catches what include
paths cannot: a quoted include that climbs out with "../", and a file that
reaches a header of the wrong layer by its full path.

Layers, bottom up, and the headers each may include:

  api      include/tapring/          (api.h: TR_API) nothing of ours
  codecs   codecs/                   api, codecs public; its own *_pvt.h
  core     engine/*.c, engine/*.h    api, codecs, core public
           (tap, netlink, slab,      (engine/include/tapring), the
           ring, uring, worker,      stage-facing engine/include_stage/
           engine, offload, fwd)     stage_pvt.h, its own *_pvt.h;
                                     never a stage header (public or not)
  stage    engine/<stage>/           every public header, stage_pvt.h,
           (stack, filter, capture,  its own directory's headers; never
           bpf, match)               a core *_pvt.h, never another
                                     stage's private header
  tool     tool/                     public headers and its own headers
  umbrella engine/include/tapring/tapring.h: every public header; only
           embedders (the tool) include it, never the library itself

Third-party libraries follow the layers too: the codecs use none; the core
uses liburing only; libpcap, libbpf and Hyperscan belong to the stages.

usage: layering.py SOURCE_ROOT       check the tree
       layering.py --selftest        check that violations are reported
Exit 0 pass, 1 fail.
"""
import os
import re
import shutil
import sys
import tempfile

STAGES = ("stack", "filter", "capture", "bpf", "match")
INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
# third-party headers and the layers allowed to use them
THIRD = {
    "liburing.h": {"core"},
    "pcap.h": {"stage"}, "pcap/": {"stage"},
    "bpf/": {"stage"},
    "hs/": {"stage"}, "hs.h": {"stage"},
}


def public_dirs(root):
    """{layer name: public include dir (containing tapring/)}"""
    d = {"api": os.path.join(root, "include"),
         "codecs": os.path.join(root, "codecs", "include"),
         "core": os.path.join(root, "engine", "include")}
    for s in STAGES:
        d["stage:" + s] = os.path.join(root, "engine", s, "include")
    return d


def owner_of_public(root, name):
    """Which layer's public directory holds <name> (e.g. tapring/stack.h)."""
    for layer, d in public_dirs(root).items():
        if os.path.isfile(os.path.join(d, name)):
            return layer
    return None


def layer_of(root, path):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "include":
        return "api", None
    if rel[0] == "codecs":
        return "codecs", None
    if rel[0] == "tool":
        return "tool", None
    if rel[0] == "engine":
        if len(rel) == 2:
            return "core", None
        if rel[1] == "include":
            if rel[-1] == "tapring.h":
                return "umbrella", None   # every public header, for embedders
            return "core", None
        if rel[1] == "include_stage":
            return "stage_pvt", None
        if rel[1] in STAGES:
            return "stage", rel[1]
    return None, None


def allowed_public(layer, name, owner):
    if name == "tapring/tapring.h":
        return layer in ("tool",)       # the umbrella is for embedders
    if owner == "api":
        return True
    if layer == "api":
        return False
    if layer == "codecs":
        return owner == "codecs"
    if layer in ("core", "stage_pvt"):
        return owner in ("codecs", "core")
    return layer in ("stage", "tool", "umbrella")


def check(root):
    problems = []
    stage_pvt = os.path.join(root, "engine", "include_stage", "stage_pvt.h")
    files = []
    for top in ("include", "codecs", "engine", "tool"):
        for dp, _, fs in os.walk(os.path.join(root, top)):
            for f in sorted(fs):
                if f.endswith((".c", ".h")):
                    files.append(os.path.join(dp, f))
    if not files:
        return ["no source file found under " + root]
    for path in files:
        layer, stage = layer_of(root, path)
        if layer is None:
            continue
        rel = os.path.relpath(path, root)
        bpf_prog = path.endswith(".bpf.c")
        text = open(path, errors="replace").read()
        for m in INC.finditer(text):
            kind, name = m.group(1), m.group(2)
            line = text.count("\n", 0, m.start()) + 1
            where = f"{rel}:{line}"
            what = f"{kind}{name}{'>' if kind == '<' else kind}"
            if name.startswith("tapring/"):
                owner = owner_of_public(root, name)
                if owner is None:
                    problems.append(f"{where}: {what} is not a public header of any layer "
                                    f"(public headers live in include/, codecs/include/, engine/include/, "
                                    f"engine/<stage>/include/)")
                elif not allowed_public(layer, name, owner):
                    problems.append(f"{where}: {what} belongs to {owner}; the {layer} may not include it. "
                                    + hint(layer, owner))
                continue
            if kind == "<":
                for pfx, layers in THIRD.items():
                    if name == pfx or (pfx.endswith("/") and name.startswith(pfx)):
                        ok = layer in layers
                        if bpf_prog and pfx == "bpf/":
                            ok = True
                        if layer == "tool" and pfx in ("pcap.h", "pcap/"):
                            ok = True   # the tool reads and writes pcap files itself
                        if not ok:
                            problems.append(f"{where}: {what}: this library belongs to "
                                            f"{'/'.join(sorted(layers))} code, not to the {layer}")
                continue
            # quoted include: own directory only, or the stage-facing header
            if name == "stage_pvt.h":
                if layer not in ("core", "stage"):
                    problems.append(f"{where}: {what}: only the engine core and the stages see stage_pvt.h")
                continue
            here = os.path.dirname(path)
            target = os.path.normpath(os.path.join(here, name))
            if "/" in name or ".." in name:
                problems.append(f"{where}: {what} reaches outside its own directory "
                                f"({os.path.relpath(target, root)}); include only headers of your own "
                                f"directory, public headers as <tapring/...>, and the stage-facing "
                                f"\"stage_pvt.h\"")
                continue
            if not os.path.isfile(target) and not name.endswith(".skel.h"):
                problems.append(f"{where}: {what} is not in {os.path.relpath(here, root)}/")
        if layer == "stage_pvt" and path != stage_pvt:
            problems.append(f"{rel}: engine/include_stage/ holds exactly one header, stage_pvt.h")
    return problems


def hint(layer, owner):
    if layer in ("core", "stage_pvt") and owner.startswith("stage:"):
        return ("The core knows frames and stages, not protocols: call the stage through struct tr_stage "
                "or a registration hook (like tr_engine_set_mirror), never its header.")
    if layer == "codecs":
        return "The codecs are pure: no engine header."
    return ""


def selftest():
    """Build a small tree with one violation of each rule; all must be found."""
    tmp = tempfile.mkdtemp(prefix="tapring-layering.")
    try:
        def w(rel, body):
            p = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(body)
        w("include/tapring/api.h", "\n")
        w("codecs/include/tapring/ipv4.h", "#include <tapring/api.h>\n")
        w("engine/include/tapring/engine.h", "#include <tapring/ipv4.h>\n")
        w("engine/include_stage/stage_pvt.h", "#include <tapring/engine.h>\n")
        w("engine/stack/include/tapring/stack.h", "#include <tapring/engine.h>\n")
        w("engine/stack/stack_pvt.h", "\n")
        w("engine/worker_pvt.h", "\n")
        w("engine/include/tapring/tapring.h", "#include <tapring/engine.h>\n#include <tapring/stack.h>\n")
        good = {
            "engine/worker.c": '#include <tapring/engine.h>\n#include "worker_pvt.h"\n#include "stage_pvt.h"\n'
                               '#include <liburing.h>\n',
            "engine/stack/ip4.c": '#include <tapring/stack.h>\n#include <tapring/engine.h>\n'
                                  '#include "stack_pvt.h"\n#include "stage_pvt.h"\n',
            "codecs/ipv4.c": '#include <tapring/ipv4.h>\n#include <string.h>\n',
            "tool/main.c": '#include <tapring/stack.h>\n#include <pcap/pcap.h>\n',
        }
        for rel, body in good.items():
            w(rel, body)
        if check(tmp):
            print("FAIL: selftest: a clean tree reports problems:\n  " + "\n  ".join(check(tmp)))
            return 1
        bad = [
            ("engine/engine.c", "#include <tapring/stack.h>\n", "belongs to stage:stack"),
            ("engine/tap.c", '#include "stack/stack_pvt.h"\n', "reaches outside"),
            ("engine/stack/arp.c", '#include "../worker_pvt.h"\n', "reaches outside"),
            ("codecs/udp.c", "#include <tapring/engine.h>\n", "belongs to core"),
            ("codecs/dns.c", "#include <pcap/pcap.h>\n", "this library belongs"),
            ("engine/slab.c", "#include <hs/hs.h>\n", "this library belongs"),
            ("engine/include/tapring/tap.h", "#include <tapring/stack.h>\n", "belongs to stage:stack"),
            ("tool/up.c", '#include "../engine/worker_pvt.h"\n', "reaches outside"),
            ("engine/include_stage/other_pvt.h", "\n", "exactly one header"),
            ("engine/stack/udp.c", "#include <tapring/tapring.h>\n", "belongs to core"),
        ]
        rc = 0
        for rel, body, expect in bad:
            w(rel, body)
            got = check(tmp)
            if not any(expect in p and p.startswith(rel) for p in got):
                print(f"FAIL: selftest: {rel} with {body.strip()!r} not reported as '{expect}' (got {got})")
                rc = 1
            else:
                print(f"ok: selftest: {rel} {body.strip()} -> reported")
            os.remove(os.path.join(tmp, rel))
        return rc
    finally:
        shutil.rmtree(tmp)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--selftest":
        return selftest()
    if len(sys.argv) != 2:
        print(__doc__)
        return 1
    root = os.path.abspath(sys.argv[1])
    problems = check(root)
    if problems:
        for p in problems:
            print("FAIL: " + p)
        print(f"{len(problems)} layering violation(s); see docs/ARCHITECTURE.md, \"Library boundaries\"")
        return 1
    print("ok: every #include in include/, codecs/, engine/ and tool/ keeps to its layer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
