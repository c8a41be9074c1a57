"""Layer-wise training in the style of the forward-forward example: each layer trains itself,
and the network keeps its layers in a list grown by concatenation."""
import argparse

import torch
from torch import nn


class Layer(nn.Linear):
    def __init__(self, n_in, n_out, lr, epochs):
        super().__init__(n_in, n_out)
        self.opt = torch.optim.Adam(self.parameters(), lr=lr)
        self.epochs = epochs

    def goodness(self, x):
        return self.forward(x).relu().pow(2).mean(1)

    def train_layer(self, x_pos, x_neg):
        for epoch in range(self.epochs):
            loss = torch.log(1 + torch.exp(torch.cat([-self.goodness(x_pos) + 2, self.goodness(x_neg) - 2]))).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        return self.forward(x_pos).detach(), self.forward(x_neg).detach()


class Net(nn.Module):
    def __init__(self, dims, lr, epochs):
        super().__init__()
        self.layers = []
        for d in range(len(dims) - 1):
            self.layers = self.layers + [Layer(dims[d], dims[d + 1], lr, epochs)]

    def train_net(self, x_pos, x_neg):
        h_pos, h_neg = x_pos, x_neg
        for i, layer in enumerate(self.layers):
            print("training layer", i)
            h_pos, h_neg = layer.train_layer(h_pos, h_neg)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.03)
    args = parser.parse_args()
    net = Net([784, 500, 500], args.lr, args.epochs)
    x_pos, x_neg = torch.rand(512, 784), torch.rand(512, 784)
    net.train_net(x_pos, x_neg)
    torch.save(net.state_dict(), "ff.pt")


if __name__ == "__main__":
    main()
