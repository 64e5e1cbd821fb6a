import torch
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

from mmseg.registry import MODELS


def sample(h, w, with_gt):
    s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w)))
    if with_gt:
        s.gt_sem_seg = PixelData(data=torch.zeros(1, h, w, dtype=torch.long))
    return s


def test_branches_are_split_padded_and_normalised():
    pre = MODELS.build(
        dict(type='MultiBranchDataPreprocessor',
             data_preprocessor=dict(type='SegDataPreProcessor', mean=[1, 1, 1],
                                    std=[2, 2, 2], size=(8, 8),
                                    seg_pad_val=255)))
    img = torch.full((3, 6, 5), 5, dtype=torch.uint8)
    data = dict(
        inputs=dict(sup=[img, None], unsup_teacher=[None, img]),
        data_samples=dict(sup=[sample(6, 5, True), None],
                          unsup_teacher=[None, sample(6, 5, False)]))
    out = pre(data, training=True)
    assert set(out['inputs']) == {'sup', 'unsup_teacher'}
    sup = out['inputs']['sup']
    assert sup.shape == (1, 3, 8, 8)
    assert torch.allclose(sup[0, :, :6, :5], torch.full((3, 6, 5), 2.0))
    assert (sup[0, :, 6:, :] == 0).all()
    gt = out['data_samples']['sup'][0].gt_sem_seg.data
    assert (gt[:, 6:, :] == 255).all() and (gt[:, :6, :5] == 0).all()
    teacher_sample = out['data_samples']['unsup_teacher'][0]
    assert tuple(teacher_sample.metainfo['padding_size']) == (0, 3, 0, 2)


def test_eval_batches_pass_through():
    pre = MODELS.build(
        dict(type='MultiBranchDataPreprocessor',
             data_preprocessor=dict(type='SegDataPreProcessor', mean=[0, 0, 0],
                                    std=[1, 1, 1])))
    img = torch.ones((3, 4, 4), dtype=torch.uint8)
    out = pre(dict(inputs=[img], data_samples=[sample(4, 4, False)]),
              training=False)
    assert out['inputs'].shape == (1, 3, 4, 4)
