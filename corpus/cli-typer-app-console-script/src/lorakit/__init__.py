"""LoRA fine-tuning from the command line."""
