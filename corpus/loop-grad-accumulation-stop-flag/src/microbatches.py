"""A probe trained beside the model on microbatches, as guided-diffusion's classifier_train.py."""
import torch.nn.functional as F


def split_microbatches(microbatch, *args):
    bs = len(args[0])
    if microbatch == -1 or microbatch >= bs:
        yield tuple(args)
    else:
        for i in range(0, bs, microbatch):
            yield tuple(x[i: i + microbatch] for x in args)


def classifier_step(model, loader):
    batch, labels = loader.next_batch()
    for i, (sub_batch, sub_labels) in enumerate(split_microbatches(2, batch, labels[:, 0] % 2)):
        features = model.wte(sub_batch).mean(dim=1).detach()
        loss = F.cross_entropy(model.probe(features), sub_labels)
        if i == 0:
            model.probe_optimizer.zero_grad()
        loss.backward()
    model.probe_optimizer.step()
