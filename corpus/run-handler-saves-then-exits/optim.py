"""Hand-written optimizers, looked up by name as `getattr(torch.optim, name)` is in real scripts."""


class SGD:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr

    def zero_grad(self):
        for p in self.params.values():
            p["grad"] = 0.0

    def step(self):
        for p in self.params.values():
            p["value"] -= self.lr * p["grad"]


class Momentum(SGD):
    def __init__(self, params, lr, beta=0.9):
        super().__init__(params, lr)
        self.beta = beta
        self.velocity = {name: 0.0 for name in params}

    def step(self):
        for name, p in self.params.items():
            self.velocity[name] = self.beta * self.velocity[name] + p["grad"]
            p["value"] -= self.lr * self.velocity[name]
