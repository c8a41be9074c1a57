"""Shards the corpus and prepares each shard, several at a time, with the script the image holds."""

import argparse
import subprocess


def create_record_worker(shards, n_processes, max_seq_length):
    last = None
    for shard_id, shard in enumerate(shards):
        command = "python /workspace/bert/create_pretraining_data.py"
        command += " --input_file=" + shard
        command += " --output_file=" + shard.replace(".txt", ".hdf5")
        command += " --max_seq_length=" + str(max_seq_length)
        last = subprocess.Popen(command, shell=True)
        if shard_id % n_processes == 0 and shard_id > 0:
            last.wait()
    if last is not None:
        last.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", nargs="+", required=True)
    parser.add_argument("--n_processes", type=int, default=4)
    args = parser.parse_args()
    create_record_worker(args.shards, args.n_processes, 128)
