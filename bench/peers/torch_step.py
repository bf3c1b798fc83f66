"""PyTorch peer: nn.RNN / nn.LSTM / nn.GRU + nn.Linear with autograd, float64 (TORCH_DTYPE=float32: float32), one thread.

One training step = forward over T, loss.backward() (every parameter gradient), no optimizer update.
Run with /usr/bin/python3 and LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread (bench.ts does).
Usage: torch_step.py <caseDir> [budgetMs] [minReps] [maxReps]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import args, load_case, max_rss_mb, report, time_steps  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)
DTYPE = os.environ.get("TORCH_DTYPE", "float64")
if DTYPE not in ("float64", "float32"):
    sys.exit(f"TORCH_DTYPE must be float64 or float32, got {DTYPE}")
torch.set_default_dtype(getattr(torch, DTYPE))

d, budget, min_reps, max_reps = args()
c, sd, x, y = load_case(d)
H, I = c["H"], c["I"]
RNN = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[c["cell"]]


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = RNN(I, H)
        self.head = torch.nn.Linear(H, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[-1])


net = Net()
net.load_state_dict({k: torch.from_numpy(v).to(torch.get_default_dtype()) for k, v in sd.items()})
xt, yt = torch.from_numpy(x).to(torch.get_default_dtype()), torch.from_numpy(y).to(torch.get_default_dtype())
loss_fn = torch.nn.MSELoss()
last = {}
rss0 = max_rss_mb()


def step():
    net.zero_grad(set_to_none=True)
    loss = loss_fn(net(xt), yt)
    loss.backward()
    last["loss"] = loss


times, warm = time_steps(step, budget, min_reps, max_reps)
gn = torch.sqrt(sum((p.grad ** 2).sum() for p in net.parameters())).item()
report("pytorch" if DTYPE == "float64" else "pytorch-f32", DTYPE, c, times, warm, last["loss"].item(), gn, rss0,
       {"torch": torch.__version__, "threads": torch.get_num_threads()})
