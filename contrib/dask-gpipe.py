#!/usr/bin/env python3
"""Run a gpipe aggregate over many files, or one big file, on a Dask cluster.

    dask-gpipe.py [--scheduler ADDR | --workers N] [--chunk BYTES] [--fan-in K]
                  [--gpipe PATH] (-f EXPRFILE | -e EXPR) FILE...

Every partition of the input (a whole file, or a line-aligned byte range of
a plain file when --chunk is given) becomes one task that runs
`gpipe --partial --part I` over it, I being the partition's index in input
order, so that the merged groups, first and last come out as one run gives
them. The partial states are combined K at a time by `gpipe --merge
--partial` tasks (a tree, --fan-in, default 8) and the last `gpipe --merge`
prints the result on standard output, byte for byte what
`gpipe -f EXPRFILE FILE...` prints.

Without --scheduler a distributed.LocalCluster of --workers processes (default:
the number of cores) runs the tasks; with it, the workers of that scheduler do,
and gpipe and the files must be at the same paths on every worker. Needs
python3-dask and python3-distributed (Debian) or `pip install "dask[distributed]"`.
"""
import argparse
import os
import subprocess
import sys

# First bytes of the formats gpipe decompresses or unpacks: such a file is one
# partition (a byte range of it would not decode).
MAGIC = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"\xfd7zXZ\x00", b"BZh", b"\x04\x22\x4d\x18", b"PK\x03\x04")


def partitions(files, chunk):
    """(path, start, end) in input order; end None: the whole file."""
    for path in files:
        with open(path, "rb") as f:
            head = f.read(262)
            size = os.fstat(f.fileno()).st_size
            if not chunk or size <= chunk or any(head.startswith(m) for m in MAGIC) or head[257:262] == b"ustar":
                yield (path, 0, None)
                continue
            start = 0
            while start < size:
                end = start + chunk
                if end >= size:
                    end = size
                else:  # to the end of the line that holds byte end - 1
                    f.seek(end - 1)
                    f.readline()
                    end = f.tell()
                yield (path, start, end)
                start = end


def run_gpipe(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sys.stderr.write(p.stderr.decode("utf-8", "replace"))
    if p.returncode not in (0, 1):  # 1: no group at all
        raise RuntimeError("%s exited %d" % (" ".join(cmd), p.returncode))
    return p.stdout


def partial(gpipe, expr_args, index, part):
    path, start, end = part
    cmd = [gpipe, "--partial", "--part", str(index)] + expr_args
    if end is None:
        return run_gpipe(cmd + [path])
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(end - start)
    return run_gpipe(cmd, stdin=data)


def combine(gpipe, expr_args, *states):
    return run_gpipe([gpipe, "--merge", "--partial"] + expr_args, stdin=b"".join(states))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scheduler", help="address of a running Dask scheduler")
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="local worker processes")
    ap.add_argument("--chunk", type=int, default=0, help="bytes per partition of a plain file (0: whole files)")
    ap.add_argument("--fan-in", type=int, default=8, help="partial states combined per task")
    ap.add_argument("--gpipe", default="gpipe", help="the gpipe binary")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("-f", dest="exprfile", help="the expression, in a file")
    g.add_argument("-e", dest="expr", help="the expression")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    expr_args = ["-f", os.path.abspath(a.exprfile)] if a.exprfile else [a.expr]

    from dask.distributed import Client, LocalCluster

    cluster = None
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        parts = list(partitions([os.path.abspath(f) for f in a.files], a.chunk))
        level = [client.submit(partial, a.gpipe, expr_args, i, p, pure=False) for i, p in enumerate(parts)]
        fan = max(2, a.fan_in)
        while len(level) > fan:
            level = [client.submit(combine, a.gpipe, expr_args, *level[i:i + fan], pure=False)
                     for i in range(0, len(level), fan)]
        states = b"".join(client.gather(level))
    finally:
        client.close()
        if cluster:
            cluster.close()
    out = run_gpipe([a.gpipe, "--merge"] + expr_args, stdin=states)
    sys.stdout.buffer.write(out)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
