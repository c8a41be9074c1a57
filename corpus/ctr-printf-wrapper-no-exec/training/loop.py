import torch


def training_loop(outdir, total_kimg, state):
    net = torch.nn.Linear(64, 64).cuda()
    state["net"] = net
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    for step in range(total_kimg):
        loss = net(torch.randn(32, 64, device="cuda")).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 500 == 0:
            torch.save(net.state_dict(), f"{outdir}/network-snapshot-{step:06d}.pt")
