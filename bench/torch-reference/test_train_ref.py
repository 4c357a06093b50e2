#!/usr/bin/env python3
"""Checks of train_ref.py against independent references (seconds on one CPU core):

* GhostBN (vectorised) vs bench/step_reference.GhostBatchNorm (one F.batch_norm call per n-slice), float64:
  outputs, input and gamma/beta gradients, running statistics; and chunked forwards + one commit == one call.
* SGD (Nesterov, momentum correction, wd on dim>1 only) vs torch.optim.SGD, whose u-form (u = m*u + d,
  w -= lr*(d + m*u)) equals bigbatch's corrected v-form for any lr sequence.
* LARS vs a float64 numpy loop of the formula in optim/Lars.java.
* crop_flip vs an explicit per-pixel loop of data/Augmentation's definition.
* compare_tables' flags on hand-made seed lists.
* Schedule vs hand-computed values, and (when /work/repro-runs exists) vs the lr, stepsPerEpoch, totalSteps
  and peakLr bigbatch itself wrote for the same command lines (commands-full.txt).

Run: python3 bench/torch-reference/test_train_ref.py
"""
import json
import math
import os
import shlex
import sys
import unittest

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import step_reference  # noqa: E402
import train_ref  # noqa: E402

torch.set_num_threads(1)


class GhostBnTest(unittest.TestCase):
    def pair(self, c, n, zero_gamma=False):
        torch.manual_seed(0)
        ours = train_ref.GhostBN(c, zero_gamma, n).double()
        ref = step_reference.GhostBatchNorm(c, zero_gamma, n).double()
        with torch.no_grad():
            for m in (ours, ref):
                m.weight.copy_(torch.linspace(0.5, 1.5, c))
                m.bias.copy_(torch.linspace(-0.2, 0.3, c))
                m.running_mean.copy_(torch.linspace(-1, 1, c))
                m.running_var.copy_(torch.linspace(0.5, 2, c))
        return ours, ref

    def test_matches_per_slice_batch_norm(self):
        c, n, k = 3, 4, 5
        ours, ref = self.pair(c, n)
        x = (torch.randn(k * n, c, 3, 2, dtype=torch.float64) * 2 + 1).requires_grad_()
        x2 = x.detach().clone().requires_grad_()
        g = torch.randn(k * n, c, 3, 2, dtype=torch.float64)
        y_ours = ours(x)
        ours.commit()
        y_ref = ref(x2)
        (y_ours * g).sum().backward()
        (y_ref * g).sum().backward()
        torch.testing.assert_close(y_ours, y_ref, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(x.grad, x2.grad, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(ours.weight.grad, ref.weight.grad, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(ours.bias.grad, ref.bias.grad, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(ours.running_mean, ref.running_mean, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(ours.running_var, ref.running_var, rtol=1e-12, atol=1e-12)
        # and the statistics really moved (the check is not vacuous)
        self.assertGreater((ours.running_var - torch.linspace(0.5, 2, c, dtype=torch.float64)).abs().max(), 1e-3)

    def test_chunks_then_commit_equal_one_call(self):
        c, n, k = 2, 3, 4
        a, _ = self.pair(c, n)
        b, _ = self.pair(c, n)
        x = torch.randn(k * n, c, 2, 2, dtype=torch.float64)
        ya = a(x)
        a.commit()
        yb = torch.cat([b(x[:n]), b(x[n:3 * n]), b(x[3 * n:])])
        c2, _ = self.pair(c, n)
        for part in (x[:2 * n], x[2 * n:]):
            c2(part)
        b.commit()
        train_ref.commit_all([c2])  # the foreach form of commit
        self.assertEqual(c2.pending_slices, 0)
        self.assertEqual(float(c2.pending_mean.abs().sum()), 0.0)
        torch.testing.assert_close(ya, yb, rtol=1e-12, atol=1e-12)
        for m in (b, c2):
            torch.testing.assert_close(a.running_mean, m.running_mean, rtol=1e-12, atol=1e-12)
            torch.testing.assert_close(a.running_var, m.running_var, rtol=1e-12, atol=1e-12)

    def test_eval_uses_running_statistics(self):
        ours, _ = self.pair(2, 2)
        ours.eval()
        x = torch.randn(3, 2, 2, 2, dtype=torch.float64)
        want = ((x - ours.running_mean.view(1, -1, 1, 1)) / torch.sqrt(ours.running_var.view(1, -1, 1, 1) + 1e-5)
                * ours.weight.view(1, -1, 1, 1) + ours.bias.view(1, -1, 1, 1))
        torch.testing.assert_close(ours(x), want.detach(), rtol=1e-12, atol=1e-12)


def args_for(cmd):
    return train_ref.parse_args(shlex.split(cmd))


class OptimizerTest(unittest.TestCase):
    def model(self):
        torch.manual_seed(3)
        return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2)).double()

    def test_sgd_matches_torch_sgd_with_changing_lr(self):
        a = args_for("--optimizer sgd --weight-decay 0.01 --momentum 0.9")
        ours, ref = self.model(), self.model()
        opt = train_ref.Momentum(ours, a)
        decay = [p for p in ref.parameters() if p.dim() > 1]
        other = [p for p in ref.parameters() if p.dim() <= 1]
        ref_opt = torch.optim.SGD([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}],
                                  lr=0.1, momentum=0.9, nesterov=True)
        x = torch.randn(8, 4, dtype=torch.float64)
        for lr in [0.1, 0.3, 0.3, 0.05, 1.0]:
            for m in (ours, ref):
                m.zero_grad()
                m(x).pow(2).sum().backward()
            opt.step(lr)
            for group in ref_opt.param_groups:
                group["lr"] = lr
            ref_opt.step()
        for p, q in zip(ours.parameters(), ref.parameters()):
            torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-13)

    def test_lars_matches_numpy_loop(self):
        a = args_for("--optimizer lars --weight-decay 0.01 --trust-coefficient 0.02 --momentum 0.9")
        net = self.model()
        opt = train_ref.Momentum(net, a)
        ws = [p.detach().numpy().copy() for p in net.parameters()]
        vs = [np.zeros_like(w) for w in ws]
        prev = 0.0
        x = torch.randn(8, 4, dtype=torch.float64)
        for lr in [0.5, 0.5, 2.0, 0.1]:
            net.zero_grad()
            net(x).pow(2).sum().backward()
            gs = [p.grad.numpy().copy() for p in net.parameters()]
            opt.step(lr)
            corr = lr / prev if prev > 0 else 1.0
            for i, (w, g) in enumerate(zip(ws, gs)):
                if w.ndim > 1:
                    wn, gn = np.linalg.norm(w), np.linalg.norm(g)
                    local = 0.02 * wn / (gn + 0.01 * wn) if wn > 0 and gn > 0 else 1.0
                    d = g + 0.01 * w
                else:
                    local, d = 1.0, g
                vs[i] = 0.9 * corr * vs[i] + lr * local * d
                ws[i] = w - vs[i]
            prev = lr
            for p, w in zip(net.parameters(), ws):
                np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12, atol=1e-14)


class AugmentationTest(unittest.TestCase):
    def test_crop_flip_matches_loop(self):
        torch.manual_seed(1)
        p, h, w, c = 2, 5, 4, 2
        images = torch.randn(6, c, h, w)
        padded = torch.full((6, c, h + 2 * p, w + 2 * p), -7.0)
        padded[:, :, p:-p, p:-p] = images
        idx = torch.tensor([3, 0, 5, 3])
        oy, ox = torch.tensor([0, 4, 2, 1]), torch.tensor([4, 0, 2, 3])
        flip = torch.tensor([False, True, True, False])
        got = train_ref.crop_flip(padded, idx, oy, ox, flip, h, w)
        for b in range(4):
            for ch in range(c):
                for y in range(h):
                    for xx in range(w):
                        sx = w - 1 - xx if flip[b] else xx
                        iy, ix = y + int(oy[b]) - p, sx + int(ox[b]) - p
                        want = images[idx[b], ch, iy, ix] if 0 <= iy < h and 0 <= ix < w else -7.0
                        self.assertEqual(float(got[b, ch, y, xx]), float(want))


class ScheduleTest(unittest.TestCase):
    """Hand-computed from the papers: Goyal sec. 2.2 ("we start from a learning rate of eta and increment it by a
    constant amount at each iteration such that it reaches kn/B0*eta"), LEGW (sqrt, warmup m0*kn/B0 epochs), LARS
    (poly 2 after the warmup)."""

    def test_goyal_gradual_warmup_kn8k(self):
        a = args_for("--workers 256 --batch-per-worker 32 --lr 0.1 --base-batch 256 --warmup gradual "
                     "--warmup-epochs 1 --decay step --decay-epochs 6,12,16 --epochs 18")
        s = train_ref.Schedule(a, 60000 // 8192)  # 7 steps/epoch
        self.assertEqual(s.total, 126)
        for step in range(7):  # from 0.1, + 3.1/6 per step, 3.2 at the warmup's last step
            self.assertAlmostEqual(s.lr(step), 0.1 + (3.2 - 0.1) * step / 6, places=12)
        self.assertAlmostEqual(s.lr(6), 3.2, places=12)
        self.assertAlmostEqual(s.lr(7), 3.2, places=12)
        self.assertAlmostEqual(s.lr(41), 3.2, places=12)
        self.assertAlmostEqual(s.lr(42), 0.32, places=12)
        self.assertAlmostEqual(s.lr(84), 0.032, places=12)
        self.assertAlmostEqual(s.lr(112), 0.0032, places=12)

    def test_poly_constant_and_sqrt(self):
        a = args_for("--workers 8 --batch-per-worker 32 --lr 0.4 --lr-scaling sqrt --base-batch 64 --warmup constant "
                     "--warmup-epochs 0.5 --decay poly --decay-power 2 --epochs 2")
        s = train_ref.Schedule(a, 10)
        self.assertAlmostEqual(s.peak, 0.8, places=12)  # 0.4 * sqrt(256/64)
        self.assertEqual(s.warm, 5)
        self.assertEqual(s.lr(4), 0.4)  # constant warmup at eta = --lr
        self.assertAlmostEqual(s.lr(5), 0.8, places=12)  # poly over the 15 steps after the warmup
        self.assertAlmostEqual(s.lr(10), 0.8 * (1 - 5 / 15) ** 2, places=12)
        self.assertAlmostEqual(s.lr(20), 0.0, places=12)

    def test_below_the_base_batch_there_is_no_ramp(self):
        a = args_for("--workers 2 --batch-per-worker 32 --lr 0.1 --base-batch 256 --warmup gradual "
                     "--warmup-epochs 1 --decay cosine --epochs 2")
        s = train_ref.Schedule(a, 937)  # kn = 64: peak 0.025 < eta = 0.1
        for step in (0, 1, 500, 936):
            self.assertAlmostEqual(s.lr(step), 0.025, places=15)
        self.assertAlmostEqual(s.lr(937 + 937 // 2), 0.025 * 0.5 * (1 + math.cos(math.pi * (937 // 2) / 937)), places=15)

    def test_legw_x64_reaches_its_sqrt_peak(self):
        a = args_for("--workers 64 --batch-per-worker 128 --lr 0.1 --base-batch 128 --warmup legw "
                     "--warmup-epochs 0.03125 --decay cosine --epochs 3")
        s = train_ref.Schedule(a, 4)  # 32768 examples: 4 steps/epoch, warmup 2 epochs = 8 steps, T = 12
        self.assertEqual((s.warm, s.total), (8, 12))
        self.assertAlmostEqual(s.lr(0), 0.1, places=15)
        self.assertAlmostEqual(s.lr(7), 0.8, places=12)
        self.assertAlmostEqual(s.lr(8), 0.8, places=12)
        self.assertAlmostEqual(s.lr(9), 0.8 * 0.5 * (1 + math.cos(math.pi / 4)), places=12)

    def test_a_warmup_that_rounds_to_nothing_is_an_error(self):
        a = args_for("--workers 64 --batch-per-worker 128 --lr 0.1 --base-batch 128 --warmup gradual "
                     "--warmup-epochs 0.03125 --decay cosine --epochs 3")
        with self.assertRaises(SystemExit) as e:
            train_ref.Schedule(a, 4)  # 0.125 iterations
        self.assertIn("rounds to no warmup", str(e.exception))

    def test_config_string_names_the_warmup_start(self):
        a = args_for("--workers 256 --batch-per-worker 32 --lr 0.2 --warmup gradual --warmup-epochs 1")
        self.assertIn("warmup=GRADUAL(1.00000 epochs from 0.200000)", train_ref.config_string(a))
        a = args_for("--workers 256 --batch-per-worker 32 --warmup none")
        self.assertIn("warmup=NONE(0.500000 epochs) ", train_ref.config_string(a))


class CompareTablesTest(unittest.TestCase):
    def test_flags(self):
        import compare_tables as ct
        nan = float("nan")
        self.assertEqual(ct.compare([8.8, 9.2, 8.5], [9.0, 8.7, 9.3])[3], "")  # within seed noise
        a, b, diff, flag = ct.compare([8.8, 9.2, 8.5], [12.0, 12.4, 11.9])
        self.assertEqual(flag, "CHECK")
        self.assertEqual(diff, f"{(12.0 + 12.4 + 11.9) / 3 - (8.8 + 9.2 + 8.5) / 3:+.2f}")
        self.assertEqual(ct.compare([nan, nan, nan], [30.0, 31.0, 29.0])[3], "CHECK (divergence differs)")
        self.assertEqual(ct.compare([nan, 40.0, nan], [30.0, 31.0, 29.0])[3], "few seeds")
        self.assertEqual(ct.compare([40.0], [])[3], "")
        self.assertEqual(ct.summary([9.0, nan])[0], "9.00 ± 0.00 [9.00, div]")


REPRO = "/work/repro-runs"


class AgainstBigbatchRunsTest(unittest.TestCase):
    """The schedule and step counts of every finished bigbatch run under /work/repro-runs whose command is in
    commands-full.txt, compared with what bigbatch wrote (its step lines' lr, config.json)."""

    def test_lr_per_step_matches_bigbatch(self):
        if not os.path.isdir(REPRO):
            self.skipTest("no bigbatch runs here")
        checked = 0
        with open(os.path.join(HERE, "commands-full.txt")) as f:
            lines = f.readlines()
        for line in lines:
            if not line.startswith("$ bigbatch train "):
                continue
            args = shlex.split(line[len("$ bigbatch train "):])
            out = args[args.index("--out") + 1]
            exp, rid = out.split("/")[-2:]
            d = os.path.join(REPRO, exp, rid)
            if not os.path.isfile(os.path.join(d, "config.json")):
                continue
            a = train_ref.parse_args(args)
            with open(os.path.join(d, "config.json")) as f:
                cfg = json.load(f)
            spe = 60000 // (a.workers * a.batch_per_worker)
            s = train_ref.Schedule(a, spe)
            self.assertEqual(cfg["stepsPerEpoch"], spe, d)
            self.assertEqual(cfg["totalSteps"], s.total, d)
            self.assertAlmostEqual(cfg["peakLr"], s.peak, places=12, msg=d)
            self.assertEqual(cfg["config"], train_ref.config_string(a), d)
            with open(os.path.join(d, "metrics.jsonl")) as f:
                for text in f:
                    if '"kind":"step"' in text:
                        m = json.loads(text)
                        self.assertTrue(math.isclose(m["lr"], s.lr(m["step"]), rel_tol=1e-12, abs_tol=1e-15),
                                        f"{d} step {m['step']}: bigbatch {m['lr']} vs {s.lr(m['step'])}")
            checked += 1
        self.assertGreater(checked, 0)
        print(f"\n  lr schedules checked against {checked} bigbatch runs", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
