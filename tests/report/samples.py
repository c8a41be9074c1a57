"""Sample training scripts and hostile text for the report format tests."""

# SIG011 (info, enabled with extend_select), SIG002 (error) and SIG007 (warning) on line 10.
LATE_HANDLER = """
import signal, sys, torch

def on_sigterm(signum, frame):
    print("bye")
    sys.exit(0)

for epoch in range(10):
    loss = model(batch)
    loss.backward()
    optimizer.step()
signal.signal(signal.SIGTERM, on_sigterm)
"""

GOOD = """
import signal, sys, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "ckpt.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    loss = model(batch)
    loss.backward()
    optimizer.step()
"""

# Text that would break out of a line, a field or a markup context if it were not escaped.
HOSTILE = "50%0A done,\r\n::error file=x.py,line=1::injected\n::set-output name=a::b <x>&amp;]]>\"'\x1b[31mred\x1b[0m\x00"
