"""One process of the global-batch test: trains a tiny CW-BASS model.

Usage: ``python _global_batch_worker.py RANK WORLD_SIZE INIT_FILE OUT``.
With WORLD_SIZE 2, each rank takes half of a fixed 4 + 4 batch and steps
through ``SemiDistributedDataParallel`` (gloo); with 1, one process takes
the whole batch. GroupNorm everywhere, so no statistic depends on how the
batch is split; only the loss normalisation could.
"""
import copy
import sys

import torch
import torch.distributed as dist
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import mmseg_cwbass  # noqa: F401
from mmseg.registry import MODELS

GN = dict(type='GN', num_groups=2, requires_grad=True)
SEGMENTOR = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[128.0] * 3, std=[64.0] * 3,
        pad_val=0, seg_pad_val=255, size=(32, 32)),
    pretrained=None,
    backbone=dict(
        type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
        num_stages=4, out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1), norm_cfg=GN, contract_dilation=True),
    decode_head=dict(
        type='BoundaryAwareASPPHead', in_channels=64, in_index=3,
        channels=16, dilations=(1, 2, 3, 4), c1_in_channels=8,
        c1_channels=4, dropout_ratio=0.0, num_classes=4, norm_cfg=GN,
        align_corners=False,
        loss_decode=dict(type='GlobalCrossEntropyLoss')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))


def full_batch(step):
    """4 labeled + 4 unlabeled uint8 images; labels 1/3 ignored."""
    generator = torch.Generator().manual_seed(100 + step)
    images = torch.randint(0, 256, (8, 3, 32, 32), generator=generator,
                           dtype=torch.uint8)
    # Black images on rank 0: the ranks keep very different pixel counts.
    images[4:6] = 0
    labels = torch.randint(0, 4, (4, 1, 32, 32), generator=generator)
    labels[:2, :, :, :12] = 255
    return images, labels


def shard(images, labels, indices_sup, indices_unsup):
    size = (32, 32)

    def sample(label=None):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        if label is not None:
            s.gt_sem_seg = PixelData(data=label)
        return s

    sup = [images[i] for i in indices_sup]
    unsup = [images[4 + i] for i in indices_unsup]
    return dict(
        inputs=dict(
            sup=sup + [None] * len(unsup),
            unsup_teacher=[None] * len(sup) + unsup),
        data_samples=dict(
            sup=[sample(labels[i]) for i in indices_sup] +
            [None] * len(unsup),
            unsup_teacher=[None] * len(sup) +
            [sample() for _ in indices_unsup]))


def main():
    rank, world, init_file, out = sys.argv[1:5]
    rank, world = int(rank), int(world)
    register_all_modules(init_default_scope=True)
    if world > 1:
        dist.init_process_group(
            'gloo', init_method=f'file://{init_file}', rank=rank,
            world_size=world)
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='CWBASSSegmentor', segmentor=copy.deepcopy(SEGMENTOR)))
    model.teacher.load_state_dict(model.student.state_dict())
    # tau well inside the confidence range of the random teacher, so the
    # threshold keeps a different share of pixels on each rank
    model.threshold.set_params(base=0.9, beta=0.5, tau_min=0.0, tau_max=1.0)
    model.train()
    optim = OptimWrapper(
        torch.optim.SGD(
            [p for p in model.parameters() if p.requires_grad], lr=0.01,
            momentum=0.9))
    forward = model
    if world > 1:
        from mmseg_cwbass.engine import SemiDistributedDataParallel
        forward = SemiDistributedDataParallel(
            module=model, broadcast_buffers=False)
    kept = []
    for step in range(2):
        images, labels = full_batch(step)
        if world == 1:
            data = shard(images, labels, [0, 1, 2, 3], [0, 1, 2, 3])
        else:
            part = [2 * rank, 2 * rank + 1]
            data = shard(images, labels, part, part)
        log_vars = forward.train_step(data, optim)
        kept.append(log_vars['unsup.kept_ratio'].item())
    torch.save(
        dict(student=model.student.state_dict(), kept=kept), out)
    if world > 1:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
