#!/usr/bin/python3
"""bench/soak's plot: memory (RSS, heap after GC) and sessions by protocol over time, from samples.tsv."""
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])][1:]
t = [float(r[0]) / 60 for r in rows]
fig, (mem, ses) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
mem.plot(t, [float(r[2]) for r in rows], label="RSS (MiB)")
mem.plot(t, [float(r[3]) for r in rows], label="heap after GC (MiB)")
mem.set_ylim(bottom=0)
mem.set_ylabel("MiB")
mem.legend(loc="center right")
for i, name in ((4, "tcp"), (5, "udp"), (6, "icmp")):
    ses.plot(t, [int(r[i]) for r in rows], label=name)
drain = [float(r[0]) / 60 for r in rows if r[1] == "drain"]
for ax in (mem, ses):
    if drain:
        ax.axvline(drain[0], color="grey", linestyle=":")
ses.set_ylabel("sessions")
ses.set_xlabel("minutes (dotted: traffic stopped)")
ses.legend(loc="center right")
fig.suptitle("jnat soak: memory and sessions")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
