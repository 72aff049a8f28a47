#!/usr/bin/python3
"""PyTorch reference for `sensorium bench train`: the Sensorium 2022 baseline (SENSORIUM.md section 3) written plainly
in PyTorch, the same configuration and the same training step (forward, sqrt(T/B)-scaled Poisson loss + core and
readout regularizers, backward, Adam step) on random seeded data. Used only for the comparison in scripts/bench.sh.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/reference/bench_reference_train.py [--neurons 8000] [--batch 128]
        [--steps 10] [--warmup 2] [--threads N] [--device cpu|cuda|auto] [--model sota|ln] [--plus]
        [--precision fp32|bf16] [--no-split] [--cudnn-benchmark] [--channels-last]

--precision bf16: forward and loss under torch.autocast(bfloat16) (fp32 weights, as PyTorch's mixed precision does).
--no-split: no synchronisation between forward, backward and Adam; the step's one is the loss read (timed).
--cudnn-benchmark: torch.backends.cudnn.benchmark = True (set explicitly either way; reported "not applicable" off CUDA).
--channels-last: the core's weights and every batch in torch.channels_last (PyTorch's recipe; ours stores only the batch
  channels-last and lets the convolutions follow it; the readout's 4-D parameters stay as they are in both).

Prints JSON (stdout) with the same keys as the C# command and one human line (stderr).
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Core(nn.Module):
    """Stacked2dCore, depth-separable, no biases: 9x9 conv -> BN -> ELU, then (1x1 -> 7x7 depthwise -> 1x1) -> BN -> ELU."""

    def __init__(self, in_ch, ch=64, layers=4, k0=9, k=7, linear=False, gamma_input=6.3831):
        super().__init__()
        self.linear, self.gamma_input = linear, gamma_input
        self.conv0 = nn.Conv2d(in_ch, ch, k0, bias=False)
        self.norms = nn.ModuleList([nn.BatchNorm2d(ch, momentum=0.9) for _ in range(layers)])
        self.hidden = nn.ModuleList([
            nn.Sequential(nn.Conv2d(ch, ch, 1, bias=False), nn.Conv2d(ch, ch, k, padding=k // 2, groups=ch, bias=False),
                          nn.Conv2d(ch, ch, 1, bias=False)) for _ in range(layers - 1)])
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_normal_(m.weight)
        self.register_buffer("laplace", torch.tensor([[0., -1., 0.], [-1., 4., -1.], [0., -1., 0.]]).view(1, 1, 3, 3))

    def forward(self, x):
        x = self.norms[0](self.conv0(x))
        if not self.linear:
            x = F.elu(x)
        for conv, norm in zip(self.hidden, self.norms[1:]):
            x = norm(conv(x))
            if not self.linear:
                x = F.elu(x)
        return x

    def regularizer(self):
        w = self.conv0.weight
        kernels = w.reshape(-1, 1, w.shape[2], w.shape[3])  # reshape: the weight may be channels-last
        return self.gamma_input * F.conv2d(kernels, self.laplace, padding=1).pow(2).sum() / kernels.pow(2).sum()


class Readout(nn.Module):
    """FullGaussian2d with a cortex grid-mean predictor; per-image per-neuron position noise in training."""

    def __init__(self, ch, source_grid, init_sigma=0.1, gamma_readout=0.0076):
        super().__init__()
        n = source_grid.shape[0]
        self.n, self.gamma_readout = n, gamma_readout
        self.register_buffer("source_grid", source_grid)
        self.mu_transform = nn.Sequential(nn.Linear(2, 30), nn.ELU(), nn.Linear(30, 2), nn.Tanh())
        self.sigma = nn.Parameter(torch.empty(1, n, 2, 2).uniform_(-init_sigma, init_sigma))
        self.features = nn.Parameter(torch.full((1, ch, 1, n), 1.0 / ch))
        self.bias = nn.Parameter(torch.zeros(n))

    def forward(self, x, shift=None):
        b, c = x.shape[:2]
        mu = self.mu_transform(self.source_grid).view(1, self.n, 1, 2)
        if self.training:
            z = torch.randn(b, self.n, 1, 2, device=x.device)
            grid = torch.clamp(mu + torch.einsum("ancd,bnid->bnic", self.sigma, z), -1, 1)
        else:
            grid = torch.clamp(mu, -1, 1).expand(b, self.n, 1, 2)
        if shift is not None:
            grid = grid + shift.view(b, 1, 1, 2)
        y = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)  # (B,C,N,1)
        return (y.squeeze(-1) * self.features.view(1, c, self.n)).sum(1) + self.bias

    def regularizer(self):
        return self.gamma_readout * self.features.abs().sum()


class Model(nn.Module):
    def __init__(self, in_ch, layers, linear, source_grid, shifter):
        super().__init__()
        self.core = Core(in_ch, layers=layers, linear=linear)
        self.readout = Readout(64, source_grid)
        self.shifter = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(), nn.Linear(5, 2),
                                     nn.Tanh()) if shifter else None

    def forward(self, x, pupil=None):
        shift = self.shifter(pupil) if self.shifter is not None else None
        return F.elu(self.readout(self.core(x), shift)) + 1

    def regularizer(self):
        return self.core.regularizer() + self.readout.regularizer()


def median(values):
    s = sorted(values)
    n = len(s)
    return float("nan") if n == 0 else s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--neurons", type=int, default=8000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--model", default="sota", choices=["sota", "ln"])
    p.add_argument("--plus", action="store_true")
    p.add_argument("--eval-steps", type=int, default=None)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--no-split", action="store_true")
    p.add_argument("--cudnn-benchmark", action="store_true")
    p.add_argument("--channels-last", action="store_true")
    a = p.parse_args()
    split = not a.no_split
    eval_steps = a.eval_steps if a.eval_steps is not None else max(1, a.steps // 2)

    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    device = torch.device("cuda" if a.device == "cuda" or (a.device == "auto" and torch.cuda.is_available()) else "cpu")
    torch.manual_seed(a.seed)
    in_ch, height, width, trials = (4 if a.plus else 1), 36, 64, max(1024, 2 * a.batch)

    xy = torch.rand(a.neurons, 2, dtype=torch.float64) * 1000
    xy = xy - xy.mean(0)
    source_grid = (xy / xy.abs().max()).float()
    model = Model(in_ch, 4 if a.model == "sota" else 3, a.model == "ln", source_grid, a.plus).to(device)
    if a.channels_last:
        model.core.to(memory_format=torch.channels_last)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = a.cudnn_benchmark
        cudnn_benchmark = "on (verified)" if torch.backends.cudnn.benchmark else "off (verified)"
    else:
        cudnn_benchmark = "not applicable (not CUDA)"
    optimizer = torch.optim.Adam(model.parameters(), lr=0.009)

    # Data uploaded once; batches gathered on the device with index_select (as the C# trainer does).
    images = torch.randn(trials, 1, height, width, device=device)
    responses = (torch.rand(trials, a.neurons) >= 0.7).float().mul_(torch.empty(trials, a.neurons).exponential_(0.5)).to(device)
    behavior = torch.randn(trials, 3, device=device)
    pupil = torch.randn(trials, 2, device=device)
    gen = torch.Generator().manual_seed(a.seed)
    scale = math.sqrt(trials / a.batch)

    def inputs(index):
        x = images.index_select(0, index)
        if in_ch != 1:
            planes = behavior.index_select(0, index).view(-1, 3, 1, 1).expand(-1, 3, height, width)
            x = torch.cat([x, planes], 1)
        return x.contiguous(memory_format=torch.channels_last) if a.channels_last else x

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def train_step():
        index = torch.randint(trials, (a.batch,), generator=gen).to(device)
        t0 = time.perf_counter()
        c0 = os.times()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            out = model(inputs(index), pupil.index_select(0, index) if a.plus else None)
            target = responses.index_select(0, index)
            out = out.float()
            loss = scale * (out - target * torch.log(out + 1e-12)).sum() + model.regularizer().float()
        if split:
            sync()
        t1 = time.perf_counter()
        loss.backward()
        if split:
            sync()
        t2 = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad()
        if split:
            sync()
        else:
            value = loss.item()
        t3 = time.perf_counter()
        c1 = os.times()
        cpu = (c1.user - c0.user + c1.system - c0.system) * 1000
        return dict(total=(t3 - t0) * 1000, forward=(t1 - t0) * 1000, backward=(t2 - t1) * 1000, optimizer=(t3 - t2) * 1000,
                    loss=loss.item() if split else value, cpu=cpu, sys=(c1.system - c0.system) * 1000)

    def eval_step():
        index = torch.randint(trials, (a.batch,), generator=gen).to(device)
        model.eval()
        t0 = time.perf_counter()
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            model(inputs(index), pupil.index_select(0, index) if a.plus else None)
            sync()
        t = (time.perf_counter() - t0) * 1000
        model.train()
        return t

    model.train()
    for i in range(a.warmup):
        w = train_step()
        print(f"reference: warmup {i + 1}/{a.warmup}: {w['total']:.1f} ms", file=sys.stderr)
    steps = []
    for i in range(a.steps):
        s = train_step()
        steps.append(s)
        print(f"reference: step {i + 1}/{a.steps}: {s['total']:.1f} ms (forward {s['forward']:.1f}, backward {s['backward']:.1f}, "
              f"optimizer {s['optimizer']:.1f}; CPU {s['cpu']:.0f}, sys {s['sys']:.0f}), loss {s['loss']:.6g}", file=sys.stderr)
    evals = []
    if eval_steps > 0:
        eval_step()
    for _ in range(eval_steps):
        evals.append(eval_step())

    ms = median([s["total"] for s in steps])
    ev = median(evals)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB -> MB (= VmHWM)
    load = list(os.getloadavg())
    result = {
        "implementation": "pytorch",
        "precision": a.precision,
        "split": split,
        "channelsLast": a.channels_last,
        "cudnnBenchmark": cudnn_benchmark,
        "model": a.model + ("+" if a.plus else ""),
        "neurons": a.neurons,
        "batch": a.batch,
        "input": f"{in_ch}x{height}x{width}",
        "parameters": sum(p.numel() for p in model.parameters()),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", ""),
        "libtorch": torch.__version__,
        "steps": a.steps,
        "warmup": a.warmup,
        "trainSamplesPerSecond": round(a.batch / (ms / 1000), 2),
        "msPerStep": round(ms, 1),
        "forwardMs": round(median([s["forward"] for s in steps]), 1),
        "backwardMs": round(median([s["backward"] for s in steps]), 1),
        "optimizerMs": round(median([s["optimizer"] for s in steps]), 1),
        "cpuMsPerStep": round(median([s["cpu"] for s in steps]), 1),
        "sysMsPerStep": round(median([s["sys"] for s in steps]), 1),
        "stepMs": [round(s["total"], 1) for s in steps],
        "evalSamplesPerSecond": round(a.batch / (ev / 1000), 2) if evals else None,
        "evalMsPerBatch": round(ev, 1) if evals else None,
        "lastLoss": steps[-1]["loss"],
        "peakMB": round(peak_mb, 1),
        "loadAverage": load,
    }
    print(json.dumps(result, indent=2))
    print(f"pytorch {a.precision}{'' if split else ' no-split'}{' channels-last' if a.channels_last else ''}"
          f"{' cudnn-benchmark' if a.cudnn_benchmark else ''} {result['model']} N={a.neurons} B={a.batch} {device} {torch.get_num_threads()} threads: "
          f"train {result['trainSamplesPerSecond']:.1f} samples/s, {ms:.0f} ms/step (fwd {result['forwardMs']:.0f}, "
          f"bwd {result['backwardMs']:.0f}, adam {result['optimizerMs']:.0f}); eval {result['evalSamplesPerSecond']} samples/s; "
          f"peak {peak_mb:.0f} MB; torch {torch.__version__}; load {' '.join(f'{x:.2f}' for x in load)}; cuDNN benchmark {cudnn_benchmark}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
