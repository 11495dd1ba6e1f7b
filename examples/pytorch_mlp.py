#!/usr/bin/env python3
"""pytorch_mlp.py - a small PyTorch MLP trained with one wattnet window per
epoch; one JSON line per epoch on stdout (or --out FILE).

    pip install ./python            # after `make install`
    python3 examples/pytorch_mlp.py --epochs 3 [--source auto] [--out e.jsonl]

A measured epoch carries energy_j and its domains; an estimate carries only
estimated_j (never energy_j), as the library labels it."""
import argparse
import json
import sys
import time

import wattnet


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--source", default="auto")
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("pytorch_mlp.py: PyTorch is not installed (make bench installs "
              "python3-torch)", file=sys.stderr)
        return 2

    torch.manual_seed(0)
    x = torch.randn(a.rows, 32)
    y = (x[:, :4].sum(dim=1) > 0).long()
    net = torch.nn.Sequential(torch.nn.Linear(32, a.width), torch.nn.ReLU(),
                              torch.nn.Linear(a.width, a.width),
                              torch.nn.ReLU(), torch.nn.Linear(a.width, 2))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    out = sys.stdout if a.out == "-" else open(a.out, "w")
    try:
        meter = wattnet.Meter(a.source)
    except wattnet.WattnetError as e:
        print(f"pytorch_mlp.py: {e}", file=sys.stderr)
        return 1
    with meter:
        for epoch in range(a.epochs):
            with meter.window("epoch") as w:
                perm = torch.randperm(a.rows)
                total = 0.0
                for i in range(0, a.rows, a.batch):
                    idx = perm[i:i + a.batch]
                    opt.zero_grad()
                    loss = lossf(net(x[idx]), y[idx])
                    loss.backward()
                    opt.step()
                    total += loss.item() * len(idx)
            rec = {"epoch": epoch, "loss": total / a.rows, "time": time.time()}
            rec.update(w.to_dict())
            out.write(json.dumps(rec) + "\n")
            out.flush()
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
