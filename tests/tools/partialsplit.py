#!/usr/bin/env python3
"""--partial / --merge against one run (issue 12), for tests/bats/partial.bats.

  partialsplit.py gen SEED N            JSON Lines on stdout: keys k (tabs,
                                        newlines, backslashes, the 0x1f byte,
                                        invalid UTF-8, empty, long), k2, values
                                        v (ints, decimals, negative, huge, text,
                                        missing) and timestamps t
  partialsplit.py check GPIPE DATA SEED SPLITS [GPIPE OPTIONS...] -- EXPR
        runs EXPR once over DATA, then SPLITS times: DATA cut at random line
        boundaries into 1..6 parts (some empty), `--partial --part I` over
        each, and the partial lines merged whole, shuffled, sorted as
        Hadoop's reducer gets them (LC_ALL=C sort), or through a random tree
        of `--merge --partial` combiners, some of them gzip-compressed; each
        merge's stdout must equal the one run's byte for byte. Prints the
        first difference and exits 1. Works in the current directory.
"""
import gzip
import os
import random
import subprocess
import sys

KEYS = ["a", "b", "", "tab\there", "new\nline", "back\\slash", "sep\x1fbyte", "nul\x00byte",
        "\\t not a tab", "ünï", "x" * 300, "cr\rhere", "del\x7f"]
BAD = [b"bad\xff\xfeutf8", b"\xc3(", b"\xed\xa0\x80surrogate"]


def jstr(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7f:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out).encode("utf-8")


def gen(seed, n):
    rnd = random.Random(seed)
    out = sys.stdout.buffer
    for i in range(n):
        r = rnd.random()
        if r < 0.1:
            k = b'"' + rnd.choice(BAD) + b'"'  # raw invalid UTF-8 inside the string
        else:
            k = jstr(rnd.choice(KEYS) if r < 0.6 else "k%d" % rnd.randrange(40))
        parts = [b'"k":' + k, b'"k2":' + jstr(rnd.choice(["x", "y", "z"]))]
        r = rnd.random()
        if r < 0.5:
            v = b"%d" % rnd.randrange(-1000, 100000)
        elif r < 0.8:
            v = b"%.3f" % rnd.uniform(-50, 5000)
        elif r < 0.85:
            v = b"1e300"
        elif r < 0.9:
            v = b'"n/a"'
        elif r < 0.95:
            v = b'"%dms"' % rnd.randrange(1, 900)
        else:
            v = None
        if v is not None:
            parts.append(b'"v":' + v)
        sec = 1717200000 + rnd.randrange(0, 4 * 3600)
        if rnd.random() < 0.97:
            parts.append(b'"t":%d.%03d' % (sec, rnd.randrange(1000)))
        else:
            parts.append(b'"t":"never"')
        out.write(b"{" + b",".join(parts) + b"}\n")


def run(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        sys.stderr.write("%s: exit %d\n%s" % (" ".join(cmd), p.returncode, p.stderr.decode("utf-8", "replace")))
        sys.exit(1)
    return p.stdout


def check(gp, data, seed, splits, opts, expr):
    with open(data, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    one = run([gp] + opts + [expr, data])
    rnd = random.Random(seed)
    how = ["whole", "shuffled", "sorted", "tree"]
    for s in range(splits):
        k = rnd.randint(1, 6)
        cuts = sorted(rnd.randint(0, len(lines)) for _ in range(k - 1))
        bounds = [0] + cuts + [len(lines)]
        partials = []
        for i in range(k):
            name = "part%d" % i
            with open(name, "wb") as f:
                f.writelines(lines[bounds[i]:bounds[i + 1]])
            partials.append(run([gp] + opts + ["--partial", "--part", str(i), expr, name]))
        mode = how[s % len(how)]
        if mode == "tree":
            nodes = partials
            while len(nodes) > 1:
                rnd.shuffle(nodes)
                take = rnd.randint(2, len(nodes))
                files = []
                for j, blob in enumerate(nodes[:take]):
                    name = "node%d%s" % (j, ".gz" if rnd.random() < 0.3 else "")
                    with (gzip.open(name, "wb") if name.endswith(".gz") else open(name, "wb")) as f:
                        f.write(blob)
                    files.append(name)
                nodes = nodes[take:] + [run([gp] + opts + ["--merge", "--partial", expr] + files)]
            merged = run([gp] + opts + ["--merge", expr], stdin=nodes[0])
        else:
            all_lines = b"".join(partials).splitlines(keepends=True)
            if mode == "shuffled":
                rnd.shuffle(all_lines)
            elif mode == "sorted":
                all_lines.sort()
            merged = run([gp] + opts + ["--merge", expr, "-"], stdin=b"".join(all_lines))
        if merged != one:
            sys.stderr.write("split %d (%s, %d parts at %s): merged output differs\n" % (s, mode, k, bounds))
            a, b = one.splitlines(), merged.splitlines()
            for i in range(max(len(a), len(b))):
                x = a[i] if i < len(a) else b"(none)"
                y = b[i] if i < len(b) else b"(none)"
                if x != y:
                    sys.stderr.write("line %d:\n one run: %r\n merged:  %r\n" % (i + 1, x[:300], y[:300]))
                    break
            sys.exit(1)


def main():
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "check":
        gp, data, seed, splits = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        rest = sys.argv[6:]
        dash = rest.index("--")
        check(gp, data, seed, splits, rest[:dash], rest[dash + 1])
    else:
        sys.exit("usage: partialsplit.py gen SEED N | check GPIPE DATA SEED SPLITS [OPTS...] -- EXPR")


if __name__ == "__main__":
    main()
