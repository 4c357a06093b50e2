#!/usr/bin/python3
"""Reference allreduce benchmark: torch.distributed with the gloo backend (Debian python3-torch).

Same sizes, timing rule and output format as dev.bigbatch.comm.bench.AllreduceBench:
algbw = bytes / time, busbw = algbw * 2(k-1)/k; float32 sum; rank 0 prints the mean time of one
allreduce after a barrier, with the iteration count chosen from a warm-up so a size takes ~S seconds.

  /usr/bin/python3 bench/gloo_allreduce.py --ranks 2 --bytes 4K..256M
  # one rank per process/namespace instead of spawning: --env (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)
"""
import argparse
import os
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def parse_size(s):
    s = s.strip().upper().replace("B", "").replace("I", "")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:], 1)
    if mult != 1:
        s = s[:-1]
    return int(s) * mult // 4 * 4


def parse_sizes(s):
    if ".." in s:
        lo, hi = (parse_size(x) for x in s.split(".."))
        out = []
        while lo <= hi:
            out.append(lo)
            lo *= 4
        return out
    return [parse_size(x) for x in s.split(",")]


def header(ranks):
    return "# ranks=%d\n%-10s %-17s %12s %6s %12s %11s %11s" % (
        ranks, "impl", "algorithm", "bytes", "iters", "time_us", "algbw_GB/s", "busbw_GB/s")


def rank_main(rank, world, args):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world,
                            init_method="tcp://%s:%d" % (args.master_addr, args.master_port))
    if rank == 0:
        print(header(world), flush=True)
    sizes = parse_sizes(args.bytes)
    buf = torch.zeros(max(sizes) // 4, dtype=torch.float32)
    for nbytes in sizes:
        t = buf[: nbytes // 4]
        w0 = time.perf_counter()
        dist.all_reduce(t)
        dist.all_reduce(t)
        warm = (time.perf_counter() - w0) / 2
        iters = torch.tensor([float(max(1, min(2000, round(args.seconds_per_size / warm))))])
        dist.broadcast(iters, 0)
        iters = int(iters.item())
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(iters):
            dist.all_reduce(t)
        sec = (time.perf_counter() - t0) / iters
        if rank == 0:
            algbw = nbytes / sec / 1e9
            busbw = algbw * 2.0 * (world - 1) / world
            print("%-10s %-17s %12d %6d %12.1f %11.3f %11.3f" % (
                "gloo", "ring", nbytes, iters, sec * 1e6, algbw, busbw), flush=True)
    dist.barrier()
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--bytes", default="4K..256M")
    p.add_argument("--seconds-per-size", type=float, default=1.0)
    p.add_argument("--master-addr", default=os.environ.get("MASTER_ADDR", "127.0.0.1"))
    p.add_argument("--master-port", type=int, default=int(os.environ.get("MASTER_PORT", "29511")))
    p.add_argument("--env", action="store_true", help="run one rank from RANK/WORLD_SIZE")
    args = p.parse_args()
    if args.env:
        rank_main(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), args)
    else:
        mp.start_processes(rank_main, args=(args.ranks, args), nprocs=args.ranks, start_method="fork")


if __name__ == "__main__":
    main()
