#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The committed capture files are exactly what test/data/gen_golden.py
produces (so the generator and the data never drift apart).

    golden_regen.py DATA_DIR
    golden_regen.py DATA_DIR --link    (gen_link.py: link/*.pcap and the
                                        fuzz_link seeds)

Runs the generator into a temporary directory and compares golden.pcap,
golden.pcapng and demo.pcap byte for byte. Skips without scapy.
"""
import os
import subprocess
import sys
import tempfile


def main_link(data):
    """gen_link.py's files and seeds, regenerated into a temporary directory."""
    corpus = os.path.join(data, "..", "..", "fuzz", "corpus", "link")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([sys.executable, "-B", os.path.join(data, "gen_link.py"), tmp,
                            os.path.join(tmp, "corpus")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            print("gen_link.py failed: %s" % p.stderr.decode()[-500:])
            return 1
        pairs = [(os.path.join(tmp, "link", n), os.path.join(data, "link", n))
                 for n in sorted(os.listdir(os.path.join(tmp, "link")))]
        pairs += [(os.path.join(tmp, "corpus", n), os.path.join(corpus, n))
                  for n in sorted(os.listdir(os.path.join(tmp, "corpus")))]
        for fresh_p, committed_p in pairs:
            with open(fresh_p, "rb") as f:
                fresh = f.read()
            try:
                with open(committed_p, "rb") as f:
                    committed = f.read()
            except OSError:
                committed = None
            if fresh != committed:
                print("%s differs from gen_link.py's output: rerun "
                      "/usr/bin/python3 test/data/gen_link.py" % committed_p)
                bad += 1
        print("%d files compared" % len(pairs))
    return 1 if bad or not pairs else 0


def main():
    data = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--link":
        try:
            import scapy  # noqa: F401
        except ImportError:
            print("SKIP: scapy is not installed")
            return 77
        return main_link(data)
    try:
        import scapy  # noqa: F401
    except ImportError:
        print("SKIP: scapy is not installed")
        return 77
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([sys.executable, "-B", os.path.join(data, "gen_golden.py"), tmp],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            print("gen_golden.py failed: %s" % p.stderr.decode()[-500:])
            return 1
        for name in ("golden.pcap", "golden.pcapng", "demo.pcap"):
            with open(os.path.join(tmp, name), "rb") as f:
                fresh = f.read()
            with open(os.path.join(data, name), "rb") as f:
                committed = f.read()
            if fresh != committed:
                print("%s differs from the generator's output (%d vs %d bytes): "
                      "rerun /usr/bin/python3 test/data/gen_golden.py" %
                      (name, len(committed), len(fresh)))
                bad += 1
            else:
                print("%s: %d bytes, identical" % (name, len(fresh)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
