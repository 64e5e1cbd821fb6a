import numpy as np
import pytest
import torch
from mmcv.transforms import Compose

from mmseg.registry import TRANSFORMS

BRANCHES = ['sup', 'unsup_teacher', 'unsup_student']


def make_results(seed=0):
    rng = np.random.RandomState(seed)
    img = rng.randint(0, 256, (40, 56, 3)).astype(np.uint8)
    seg = (np.arange(40 * 56).reshape(40, 56) % 7).astype(np.uint8)
    return dict(img=img, gt_seg_map=seg, seg_fields=['gt_seg_map'],
                img_shape=img.shape[:2], ori_shape=img.shape[:2],
                img_path='x.jpg', seg_map_path='x.png',
                reduce_zero_label=False)


def shared_geometry():
    return [
        dict(type='RandomResize', scale=(56, 40), ratio_range=(0.5, 2.0),
             keep_ratio=True),
        dict(type='RandomCrop', crop_size=(24, 24)),
        dict(type='RandomFlip', prob=0.5),
    ]


@pytest.mark.parametrize('seed', range(5))
def test_views_share_geometry_and_differ_in_photometry(seed):
    np.random.seed(seed)
    pipeline = Compose(shared_geometry() + [
        dict(
            type='MultiBranch',
            branch_field=BRANCHES,
            unsup_teacher=[dict(type='PackSemiSegInputs')],
            unsup_student=[
                dict(type='PhotoMetricDistortion', brightness_delta=64),
                dict(type='PackSemiSegInputs')
            ])
    ])
    results = make_results(seed)
    # as LoadDiagnosticMask leaves it: a mask field the geometry moves
    results['diag_seg_map'] = results.pop('gt_seg_map')
    results['seg_fields'] = ['diag_seg_map']
    out = pipeline(results)
    assert out['inputs']['sup'] is None and out['data_samples']['sup'] is None
    teacher = out['data_samples']['unsup_teacher']
    student = out['data_samples']['unsup_student']
    # the masks kept for diagnostics went through the same geometry
    assert torch.equal(teacher.diag_sem_seg.data, student.diag_sem_seg.data)
    assert 'gt_sem_seg' not in teacher and 'gt_sem_seg' not in student
    assert teacher.metainfo['flip'] == student.metainfo['flip']
    assert out['inputs']['unsup_teacher'].shape == \
        out['inputs']['unsup_student'].shape


def test_identical_branches_are_identical_pixels():
    np.random.seed(0)
    pipeline = Compose(shared_geometry() + [
        dict(
            type='MultiBranch',
            branch_field=BRANCHES,
            unsup_teacher=[dict(type='PackSegInputs')],
            unsup_student=[dict(type='PackSegInputs')])
    ])
    out = pipeline(make_results())
    assert torch.equal(out['inputs']['unsup_teacher'],
                       out['inputs']['unsup_student'])


def test_labeled_sample_packs_its_mask():
    pipeline = Compose([
        dict(type='MultiBranch', branch_field=BRANCHES,
             sup=[dict(type='PackSegInputs')])
    ])
    out = pipeline(make_results())
    assert out['data_samples']['sup'].gt_sem_seg.data.shape == (1, 40, 56)
    assert out['inputs']['unsup_teacher'] is None


def test_unknown_branch_is_refused():
    with pytest.raises(ValueError, match='branch_field'):
        TRANSFORMS.build(
            dict(type='MultiBranch', branch_field=['sup'],
                 unsup=[dict(type='PackSegInputs')]))


def test_strong_student_view_blur_keeps_geometry():
    np.random.seed(0)
    blur = TRANSFORMS.build(dict(type='RandomGaussianBlur', prob=1.0,
                                 sigma=(1.5, 1.5)))
    results = make_results()
    original = results['img'].copy()
    out = blur(dict(results))
    assert out['img'].shape == original.shape
    assert out['img'].std() < original.std()
    never = TRANSFORMS.build(dict(type='RandomGaussianBlur', prob=0.0))
    assert np.array_equal(never(make_results())['img'], original)
    with pytest.raises(ValueError, match='sigma'):
        TRANSFORMS.build(dict(type='RandomGaussianBlur', sigma=(2, 1)))


def test_load_diagnostic_mask_checks_the_pair_and_is_never_a_target(
        tmp_path):
    from PIL import Image
    mask = np.arange(40 * 56, dtype=np.uint8).reshape(40, 56) % 5
    Image.fromarray(mask).save(tmp_path / 'x.png')
    load = TRANSFORMS.build(dict(type='LoadDiagnosticMask'))
    results = make_results()
    del results['gt_seg_map']
    results.update(seg_map_path=str(tmp_path / 'x.png'), seg_fields=[])
    out = load(results)
    assert np.array_equal(out['diag_seg_map'], mask)
    assert 'gt_seg_map' not in out and out['seg_fields'] == ['diag_seg_map']
    results = make_results()
    results.update(img=np.zeros((40, 50, 3), np.uint8),
                   seg_map_path=str(tmp_path / 'x.png'), seg_fields=[])
    with pytest.raises(ValueError, match=r'x.jpg is 40x50 but its mask '
                       r'\S*x.png is 40x56'):
        load(results)
