python ./multiproc.py --nproc_per_node 8 ./launch.py --epochs 90 --workspace ${1:-./} --lr 2.048 -b 256
