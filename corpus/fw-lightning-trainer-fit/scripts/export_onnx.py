"""Export the best checkpoint to ONNX for the on-device runtime.

    python scripts/export_onnx.py runs/kws/checkpoints/last.ckpt kws.onnx
"""

import sys

import torch

sys.path.insert(0, ".")
from model import KeywordSpotter  # noqa: E402


def main(ckpt_path, out_path):
    model = KeywordSpotter.load_from_checkpoint(ckpt_path, map_location="cpu")
    model.eval()
    dummy = torch.zeros(1, 16000)
    torch.onnx.export(model, dummy, out_path, input_names=["waveform"], output_names=["logits"],
                      dynamic_axes={"waveform": {0: "batch"}}, opset_version=17)
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
