from graphs.base import Dataset, InMemoryDataset
from graphs.citation import Citation
from graphs.pretrained import PretrainedEmbeddings

__all__ = ["Dataset", "InMemoryDataset", "Citation", "PretrainedEmbeddings"]
