"""The optimizer-comparison tutorial: SGD, momentum, Nesterov, Adagrad, RMSprop, Adam and AdamW
on the Rosenbrock function from the same start, with a step schedule, and LBFGS."""
# port: rtol=1e-4 atol=1e-6
import torch


def rosenbrock(xy):
    x, y = xy
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def run(make_optimizer, steps=300, schedule=None):
    xy = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([xy])
    scheduler = schedule(optimizer) if schedule else None
    for _ in range(steps):
        optimizer.zero_grad()
        loss = rosenbrock(xy)
        loss.backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
    return xy.detach(), rosenbrock(xy).item()


optimizers = {
    "SGD": lambda p: torch.optim.SGD(p, lr=1e-4),
    "Momentum": lambda p: torch.optim.SGD(p, lr=1e-4, momentum=0.9),
    "Nesterov": lambda p: torch.optim.SGD(p, lr=1e-4, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: torch.optim.Adagrad(p, lr=0.5),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=1e-2),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.05),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.01),
}
for name, make in optimizers.items():
    xy, value = run(make)
    print(f"{name}: {xy[0].item()} {xy[1].item()} {value}")

xy, value = run(lambda p: torch.optim.Adam(p, lr=0.05),
                schedule=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=100, gamma=0.5))
print(f"Adam+StepLR: {xy[0].item()} {xy[1].item()} {value}")

xy = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
lbfgs = torch.optim.LBFGS([xy], lr=1, max_iter=20)


def closure():
    lbfgs.zero_grad()
    loss = rosenbrock(xy)
    loss.backward()
    return loss


for _ in range(5):
    lbfgs.step(closure)
print(f"LBFGS: {xy[0].item()} {xy[1].item()} {rosenbrock(xy).item()}")
