"""Sampler that mixes labeled and unlabeled data at a fixed ratio per batch.

Every batch holds ``batch_size * ratio_i / sum(ratio)`` samples of source
``i`` (labeled first). Indices of each source come from an endless stream of
seeded permutations shared by all ranks; rank ``r`` takes every
``world_size``-th element, so the ranks see disjoint shards and no sample is
seen twice in the same iteration. The role mirrors MMDetection 3.x's
``MultiSourceSampler``.
"""
import itertools
from typing import Iterator, List, Optional, Sequence, Sized

import torch
from mmengine.dataset import ConcatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


@DATA_SAMPLERS.register_module()
class MultiSourceSampler(Sampler):
    """Fixed labeled:unlabeled ratio in every batch, rank-consistent.

    Args:
        dataset (ConcatDataset): The sources, labeled first.
        batch_size (int): Samples per batch on one rank (all sources).
        source_ratio (Sequence[int]): Share of each source in a batch.
        shuffle (bool): Shuffle each source. Defaults to True.
        seed (int, optional): Shuffle seed; synchronised across ranks when
            None. Defaults to None.
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int,
                 source_ratio: Sequence[int],
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        if not isinstance(dataset, ConcatDataset):
            raise TypeError('MultiSourceSampler needs a ConcatDataset of the '
                            f'sources, got {type(dataset).__name__}')
        if len(source_ratio) != len(dataset.datasets):
            raise ValueError(
                f'source_ratio has {len(source_ratio)} entries but the '
                f'dataset has {len(dataset.datasets)} sources')
        if batch_size < sum(source_ratio):
            raise ValueError(f'batch_size={batch_size} is smaller than '
                             f'sum(source_ratio)={sum(source_ratio)}')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.batch_size = batch_size
        self.source_ratio = list(source_ratio)
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.num_per_source = [
            batch_size * r // sum(source_ratio) for r in source_ratio
        ]
        self.num_per_source[0] += batch_size - sum(self.num_per_source)
        self.source_sizes = [len(d) for d in dataset.datasets]
        self.offsets = [0] + list(dataset.cumulative_sizes[:-1])
        for i, (size, need) in enumerate(
                zip(self.source_sizes, self.num_per_source)):
            if size < need * self.world_size:
                name = getattr(dataset.datasets[i], 'ann_file', '') or \
                    f'source {i}'
                raise ValueError(
                    f'dataset source {i} ({name}) has {size} samples, fewer '
                    f'than the {need} per batch x {self.world_size} ranks '
                    'that one iteration needs: add data or lower the batch '
                    'size / source_ratio')

    def _source_stream(self, source: int) -> Iterator[int]:
        """Endless, seeded permutations of one source (same on all ranks)."""
        size = self.source_sizes[source]
        generator = torch.Generator()
        generator.manual_seed(self.seed + source)
        while True:
            if self.shuffle:
                yield from torch.randperm(size, generator=generator).tolist()
            else:
                yield from range(size)

    def __iter__(self) -> Iterator[int]:
        streams: List[Iterator[int]] = [
            itertools.islice(
                self._source_stream(i), self.rank, None, self.world_size)
            for i in range(len(self.source_sizes))
        ]
        while True:
            for source, count in enumerate(self.num_per_source):
                offset = self.offsets[source]
                for _ in range(count):
                    yield offset + next(streams[source])

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        """No-op: the index stream is endless and does not restart."""
