import torch


def build_model():
    model = torch.nn.Sequential(torch.nn.Embedding(30522, 768), torch.nn.Linear(768, 30522))
    return model.cuda(), torch.optim.AdamW(model.parameters(), lr=1e-4)


def make_loader(folder):
    dataset = torch.load(f"{folder}/examples.pt")
    return torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)
