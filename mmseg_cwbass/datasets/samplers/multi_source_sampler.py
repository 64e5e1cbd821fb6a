"""Sampler that mixes labeled and unlabeled data at a fixed ratio per batch.

Every batch holds ``batch_size * ratio_i / sum(ratio)`` samples of source
``i`` (labeled first). Indices of each source come from an endless stream of
seeded permutations shared by all ranks; rank ``r`` takes every
``world_size``-th element, so the ranks see disjoint shards and no sample is
seen twice in the same iteration. The role mirrors MMDetection 3.x's
``MultiSourceSampler``.

For exact resumption the stream can start at any position in O(1)
(:meth:`set_start`), and each index can carry a seed derived from its
position, with which :class:`SemiSegDataset` runs the random transforms: the
augmentation of a sample then depends only on where it is in the stream, not
on how many workers loaded what before it.
"""
import itertools
from typing import Iterator, List, Optional, Sequence, Sized, Tuple, Union

import torch
from mmengine.dataset import ConcatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from ...utils.config_keys import reject_unknown_args

_SEED_MODULUS = 2**32


@DATA_SAMPLERS.register_module()
@reject_unknown_args
class MultiSourceSampler(Sampler):
    """Fixed labeled:unlabeled ratio in every batch, rank-consistent.

    Args:
        dataset (ConcatDataset): The sources, labeled first.
        batch_size (int): Samples per batch on one rank (all sources).
        source_ratio (Sequence[int]): Share of each source in a batch.
        shuffle (bool): Shuffle each source. Defaults to True.
        seed (int, optional): Shuffle seed; synchronised across ranks when
            None. Defaults to None.
        sample_seeds (bool, optional): Yield ``(index, seed)`` pairs so the
            dataset seeds each sample's transforms. Defaults to None: on when
            the dataset accepts them (:class:`SemiSegDataset`).
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int,
                 source_ratio: Sequence[int],
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 sample_seeds: Optional[bool] = None) -> None:
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
        accepts = getattr(dataset, 'accepts_seeded_indices', False)
        if sample_seeds and not accepts:
            raise ValueError(f'sample_seeds=True needs a dataset that accepts '
                             f'(index, seed) pairs, got '
                             f'{type(dataset).__name__}')
        self.sample_seeds = accepts if sample_seeds is None else sample_seeds
        self.num_per_source = [
            batch_size * r // sum(source_ratio) for r in source_ratio
        ]
        self.num_per_source[0] += batch_size - sum(self.num_per_source)
        self.source_sizes = [len(d) for d in dataset.datasets]
        self.offsets = [0] + list(dataset.cumulative_sizes[:-1])
        self.start_batch = 0
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

    def set_start(self, num_batches: int) -> None:
        """Start the next iteration after ``num_batches`` batches.

        Args:
            num_batches (int): Batches already consumed on this rank.
        """
        self.start_batch = int(num_batches)

    def _permutation(self, source: int, epoch: int) -> List[int]:
        size = self.source_sizes[source]
        if not self.shuffle:
            return list(range(size))
        generator = torch.Generator()
        # One seed per (source, pass): any pass can be regenerated directly.
        generator.manual_seed(
            (self.seed * 1_000_003 + source * 7_919 + epoch) % 2**63)
        return torch.randperm(size, generator=generator).tolist()

    def _source_stream(self, source: int, start: int) -> Iterator[int]:
        """Indices of one source for this rank, from its ``start``-th one."""
        size = self.source_sizes[source]
        # The rank's k-th index is element rank + k * world_size of the
        # global stream shared by all ranks.
        position = self.rank + start * self.world_size
        epoch, offset = divmod(position, size)
        while True:
            permutation = self._permutation(source, epoch)
            while offset < size:
                yield permutation[offset]
                offset += self.world_size
            epoch, offset = epoch + 1, offset - size

    def _sample_seed(self, position: int) -> int:
        return (self.seed * 2_654_435_761 + self.rank * 97_531 +
                position) % _SEED_MODULUS

    def __iter__(self) -> Iterator[Union[int, Tuple[int, int]]]:
        streams = [
            self._source_stream(i, self.start_batch * count)
            for i, count in enumerate(self.num_per_source)
        ]
        position = self.start_batch * self.batch_size
        for _ in itertools.count():
            for source, count in enumerate(self.num_per_source):
                offset = self.offsets[source]
                for _ in range(count):
                    index = offset + next(streams[source])
                    yield (index, self._sample_seed(position)) \
                        if self.sample_seeds else index
                    position += 1

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        """No-op: the index stream is endless and does not restart."""
