import torch


def save_checkpoint(encoder, optimizer, epoch, path):
    torch.save({"encoder": encoder.state_dict(), "opt": optimizer.state_dict(), "epoch": epoch}, path)
