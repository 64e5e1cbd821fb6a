import itertools
from unittest import mock

import pytest
from mmengine.dataset import BaseDataset, ConcatDataset

from mmseg.registry import DATA_SAMPLERS


class ListDataset(BaseDataset):

    def __init__(self, n, tag):
        self.n = n
        super().__init__(serialize_data=False, lazy_init=False)

    def load_data_list(self):
        return [dict(index=i) for i in range(self.n)]


def concat(n_labeled=5, n_unlabeled=23):
    return ConcatDataset(
        [ListDataset(n_labeled, 'l'), ListDataset(n_unlabeled, 'u')],
        lazy_init=False)


def build(dataset, **kwargs):
    cfg = dict(type='MultiSourceSampler', dataset=dataset, batch_size=6,
               source_ratio=[1, 2], seed=3)
    cfg.update(kwargs)
    return DATA_SAMPLERS.build(cfg)


def test_every_batch_has_the_ratio_and_is_deterministic():
    dataset = concat()
    first = list(itertools.islice(iter(build(dataset)), 600))
    again = list(itertools.islice(iter(build(dataset)), 600))
    assert first == again
    other_seed = list(itertools.islice(iter(build(dataset, seed=4)), 600))
    assert first != other_seed
    for start in range(0, 600, 6):
        batch = first[start:start + 6]
        assert all(i < 5 for i in batch[:2])
        assert all(5 <= i < 28 for i in batch[2:])
    # each source is covered evenly: a full pass before repeating
    labeled = [i for i in first if i < 5]
    assert sorted(labeled[:5]) == list(range(5))


def test_ranks_get_disjoint_shards_with_the_ratio():
    dataset = concat(n_labeled=8, n_unlabeled=40)
    per_rank = []
    for rank in range(2):
        with mock.patch(
                'mmseg_cwbass.datasets.samplers.multi_source_sampler.'
                'get_dist_info', return_value=(rank, 2)):
            sampler = build(dataset, batch_size=4, source_ratio=[1, 1])
            per_rank.append(list(itertools.islice(iter(sampler), 40)))
    for step in range(10):
        a = per_rank[0][step * 4:(step + 1) * 4]
        b = per_rank[1][step * 4:(step + 1) * 4]
        assert not set(a) & set(b)
        assert all(i < 8 for i in a[:2] + b[:2])
        assert all(i >= 8 for i in a[2:] + b[2:])


def test_errors_name_the_problem():
    with pytest.raises(TypeError, match='ConcatDataset'):
        build(ListDataset(3, 'x'))
    with pytest.raises(ValueError, match='source 1'):
        build(concat(n_labeled=5, n_unlabeled=3))
    with pytest.raises(ValueError, match='source_ratio'):
        build(concat(), source_ratio=[1, 1, 1])
