"""Static assets ship with the source_dir, which the toolkit unpacks into /opt/ml/code."""
from pathlib import Path

CODE_DIR = Path("/opt/ml/code")
LABELS_FILE = CODE_DIR / "assets" / "labels.json"
STOPWORDS_FILE = "/opt/ml/code/assets/stopwords.txt"
VOCAB_SIZE = 20000
SEQ_LEN = 200
