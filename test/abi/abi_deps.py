#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
libtapring links and requires exactly the libraries it uses.

  - every package in tapring.pc's Requires.private is really used: one of
    its library's exported functions is an undefined symbol of
    libtapring.so, and libtapring.so has it as DT_NEEDED;
  - every DT_NEEDED library of libtapring.so is either the C runtime (libc,
    libm, the dynamic loader, a sanitizer runtime) or provided by a package
    in Requires.private;
  - every -l in Libs.private names a library libtapring.so really needs.

usage: abi_deps.py LIBTAPRING.SO TAPRING.PC
Exit 0 pass, 1 fail, 77 skip.
"""
import os
import re
import subprocess
import sys

# The C runtime and toolchain libraries: never a pkg-config requirement.
RUNTIME = re.compile(r"^(libc|libm|libpthread|libdl|librt|ld-linux.*|libgcc_s|libstdc\+\+|"
                     r"libclang_rt\..*|libasan|libubsan|libtsan|liblsan)\.so")


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def pc_field(text, field):
    m = re.search(rf"^{re.escape(field)}:\s*(.*)$", text, re.M)
    return m.group(1).strip() if m else ""


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 1
    lib, pc = sys.argv[1:]
    for tool in ("nm", "readelf", "pkg-config"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            print(f"SKIP: {tool} not installed")
            return 77
    if not os.path.exists(pc):
        print(f"FAIL: {pc} not generated")
        return 1
    text = open(pc).read()
    requires = [r.split()[0] for r in pc_field(text, "Requires.private").split(",") if r.strip()]
    libs_private = pc_field(text, "Libs.private").split()
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", lib]))
    undef = {re.split(r"@", l.split()[-1])[0]
             for l in run(["nm", "-D", "--undefined-only", lib]).splitlines() if l.strip()}
    fails = []
    claimed = set()
    for pkg in requires:
        try:
            libdir = run(["pkg-config", "--variable=libdir", pkg]).strip()
            lnames = [f[2:] for f in run(["pkg-config", "--libs-only-l", pkg]).split()]
        except subprocess.CalledProcessError:
            fails.append(f"Requires.private names {pkg}, which pkg-config does not know")
            continue
        used = False
        for ln in lnames:
            so = [n for n in needed if n == f"lib{ln}.so" or n.startswith(f"lib{ln}.so.")]
            claimed.update(so)
            path = os.path.join(libdir, f"lib{ln}.so")
            if not so or not os.path.exists(path):
                continue
            defs = {re.split(r"@", l.split()[-1])[0]
                    for l in run(["nm", "-D", "--defined-only", path]).splitlines() if len(l.split()) == 3}
            hit = sorted(undef & defs)
            if hit:
                used = True
                print(f"{pkg}: lib{ln} used ({len(hit)} functions, e.g. {', '.join(hit[:3])})")
        if not used:
            fails.append(f"Requires.private names {pkg}, but libtapring.so uses none of its functions: "
                         f"remove it from requires_private in meson.build and from the library's dependencies")
    for n in needed:
        if n not in claimed and not RUNTIME.match(n):
            fails.append(f"libtapring.so needs {n}, which no package in Requires.private provides: "
                         f"add its pkg-config name to requires_private in meson.build")
    for flag in libs_private:
        if flag.startswith("-l"):
            ln = flag[2:]
            if not any(n == f"lib{ln}.so" or n.startswith(f"lib{ln}.so.") for n in needed):
                fails.append(f"Libs.private has {flag}, but libtapring.so does not need lib{ln}: "
                             f"drop that dependency from the library in meson.build")
    if fails:
        for f in fails:
            print("FAIL: " + f)
        return 1
    print(f"ok: Requires.private = {', '.join(requires)}; NEEDED = {', '.join(needed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
