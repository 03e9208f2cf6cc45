#!/usr/bin/env python3
"""Reference answers for the aggregate tests (tests/bats/aggdiff.bats),
computed without gpipe, exactly (fractions.Fraction), from seeded data.

    aggref.py gen SEED N KEYS > data        "KEY<TAB>VALUE" lines: random keys
                                            (empty, blanks, invalid UTF-8,
                                            long), values (negative, decimal,
                                            huge, not a number, missing)
    aggref.py stats data > want             one JSON object a group, first-seen
                                            order: count, sum, avg, min, max,
                                            stddev, p50, p90, p99 (of the values
                                            that are numbers), first, last,
                                            distinct (of every value's text),
                                            bad (values that are no number)
    aggref.py check want got                compares gpipe's -o json output
                                            with want: sums exactly (correctly
                                            rounded), avg and stddev within
                                            1e-12 relative
    aggref.py top N data                    the N keys with most records,
                                            count descending then key bytes, as
                                            gpipe prints them on a pipe (TSV)

Keys and values are bytes; JSON carries them as latin-1 text so that any
byte survives (gpipe prints invalid UTF-8 as U+FFFD in JSON, so keys with
invalid UTF-8 are compared after the same replacement)."""
import json
import math
import random
import re
import sys
from fractions import Fraction

NUM = re.compile(rb'^-?(\d+\.?\d*)([eE][-+]?\d+)?$')


def gen(seed, n, nkeys):
    rnd = random.Random(seed)
    keys = [b'', b'a b', b'\xff\xfe', b'caf\xc3\xa9', b'x' * 3000, b'-', b'0', b'a\\b']
    while len(keys) < nkeys:
        k = bytes(rnd.choice(b'abcdefghij0123456789_./:') for _ in range(rnd.randint(1, 12)))
        if k not in keys:
            keys.append(k)
    out = sys.stdout.buffer
    for _ in range(n):
        k = rnd.choice(keys)
        r = rnd.random()
        if r < 0.55:
            v = str(rnd.randint(-1000, 100000)).encode()
        elif r < 0.85:
            v = ('%.*f' % (rnd.randint(1, 4), rnd.uniform(-500, 5000))).encode()
        elif r < 0.90:
            v = str(rnd.randint(10**15, 10**17)).encode()
        elif r < 0.93:
            v = ('%de%d' % (rnd.randint(1, 9), rnd.randint(-5, 8))).encode()
        elif r < 0.97:
            v = rnd.choice([b'abc', b'--3', b'1.2.3', b'x1', b'1,5'])
        else:
            v = b''
        out.write(k + b'\t' + v + b'\n')


def number(v):
    """The number gpipe reads from a field's text, or None."""
    if not NUM.match(v):
        return None
    return Fraction(v.strip().decode())


def nearest_rank(sorted_vals, q):
    k = max(1, math.ceil(Fraction(q) / 100 * len(sorted_vals)))
    return sorted_vals[k - 1]


def read(path):
    groups = {}
    with open(path, 'rb') as f:
        for line in f:
            k, _, v = line.rstrip(b'\n').partition(b'\t')
            g = groups.setdefault(k, {'n': 0, 'vals': [], 'raw': [], 'texts': [], 'bad': 0})
            g['n'] += 1
            g['texts'].append(v)
            x = number(v)
            if x is None:
                g['bad'] += 1
            else:
                g['vals'].append(x)
                g['raw'].append(v.strip())
    return groups


def text(b):
    return b.decode('utf-8', errors='replace')


def stats(path):
    for k, g in read(path).items():
        vals = g['vals']
        row = {'key': text(k), 'count': g['n'], 'bad': g['bad'],
               'first': text(g['texts'][0]), 'last': text(g['texts'][-1]),
               'distinct': len(set(g['texts']))}
        if vals:
            s = sum(vals)
            n = len(vals)
            sv = sorted(vals)
            row.update(sum=str(s), avg=str(s / n), min=str(sv[0]), max=str(sv[-1]),
                       p50=str(nearest_rank(sv, 50)), p90=str(nearest_rank(sv, 90)),
                       p99=str(nearest_rank(sv, 99)))
            if n > 1:
                mean = s / n
                row['stddev'] = repr(math.sqrt(float(sum((x - mean) ** 2 for x in vals) / (n - 1))))
        else:
            row.update(sum='0')
        print(json.dumps(row))


def close(a, b, rel):
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def check(want_path, got_path):
    want = [json.loads(l) for l in open(want_path, encoding='utf-8')]
    # numbers kept as their text: a key such as 1e2246 is a JSON number
    got = [json.loads(l, parse_float=str, parse_int=str) for l in open(got_path, encoding='utf-8')]
    bad = 0
    if len(want) != len(got):
        print('groups: got %d, want %d' % (len(got), len(want)))
        return 1
    for w, g in zip(want, got):
        for name, exact in [('key', True), ('count', True), ('sum', True), ('min', True),
                            ('max', True), ('p50', True), ('p90', True), ('p99', True),
                            ('first', True), ('last', True), ('distinct', True),
                            ('avg', False), ('stddev', False)]:
            wv, gv = w.get(name), g.get(name)
            if wv is None:
                ok = gv in (None, '')
            elif name in ('key', 'first', 'last'):
                # -o json prints a text that is a number as a JSON number
                ok = gv == wv or (number(wv.encode()) is not None and number(str(gv).encode()) is not None
                                  and Fraction(gv) == Fraction(wv))
            elif exact:
                # the exact value, correctly rounded to a double, printed so that it reads back
                ok = gv not in (None, '') and float(gv) == float(Fraction(wv))
            else:
                ok = gv not in (None, '') and close(gv, Fraction(wv), 1e-12)
            if not ok:
                bad += 1
                if bad <= 10:
                    print('group %r: %s got %r, want %r' % (w['key'][:40], name, gv, wv))
    return 1 if bad else 0


def top(n, path):
    groups = read(path)
    order = sorted(groups.items(), key=lambda kv: (-kv[1]['n'], kv[0]))
    out = sys.stdout.buffer
    for k, g in order[:n]:
        # rows print as TSV: tab, newline, CR and backslash escaped
        k = k.replace(b'\\', b'\\\\').replace(b'\t', b'\\t').replace(b'\n', b'\\n').replace(b'\r', b'\\r')
        out.write(k + b'\t' + str(g['n']).encode() + b'\n')


def main():
    cmd = sys.argv[1]
    if cmd == 'gen':
        gen(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == 'stats':
        stats(sys.argv[2])
    elif cmd == 'check':
        sys.exit(check(sys.argv[2], sys.argv[3]))
    elif cmd == 'top':
        top(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit('aggref.py: unknown command ' + cmd)


if __name__ == '__main__':
    main()
