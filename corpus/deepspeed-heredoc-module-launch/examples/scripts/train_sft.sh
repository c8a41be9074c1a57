set -x

read -r -d '' training_commands <<EOF
openrlhf_lite.cli.train_sft \
   --pretrain meta-llama/Meta-Llama-3-8B \
   --save_path ./checkpoint/llama3-8b-sft \
   --max_epochs 1 \
   --zero_stage 2
EOF

if [[ ${1} != "slurm" ]]; then
    deepspeed --module $training_commands
fi
