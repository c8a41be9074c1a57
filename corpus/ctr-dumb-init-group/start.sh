mkdir -p /tmp/cache
python /app/train.py --epochs 20
