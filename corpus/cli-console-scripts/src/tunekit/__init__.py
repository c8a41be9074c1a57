"""Fine-tuning recipes behind one command line: `tunekit train CONFIG`, `tunekit-export CKPT`."""
