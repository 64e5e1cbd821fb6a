"""One process of the global-batch test: trains a tiny CW-BASS model.

Usage: ``python _global_batch_worker.py RANK WORLD_SIZE INIT_FILE OUT
[METHOD]`` (METHOD: ``CWBASSSegmentor`` by default, or
``FixMatchSegmentor``/``UniMatchV2Segmentor``, which get their strong
views as extra branches, without CutMix boxes, whose partners are per rank).
With WORLD_SIZE 2, each rank takes half of a fixed 4 + 4 batch and steps
through ``SemiDistributedDataParallel`` (gloo); with 1, one process takes
the whole batch. GroupNorm everywhere, so no statistic depends on how the
batch is split; only the loss normalisation could.
"""
import copy
import os
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


def strong_view(image, view):
    """A photometric strong view of an unlabeled image (deterministic)."""
    if view == 0:
        return (image.float() * 0.7).to(torch.uint8)
    return image.flip(0)  # BGR <-> RGB


def cutmix_box(index, view):
    """A fixed CutMix box per (global) image index and view."""
    return (2 + 3 * index, 1 + 4 * view, 9 + view, 11 - index)


def shard(images, labels, indices_sup, indices_unsup, views=0,
          boxes=False):
    """Loader output of the given images; ``views`` strong branches."""
    size = (32, 32)

    def sample(label=None, box=None):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
        if label is not None:
            s.gt_sem_seg = PixelData(data=label)
        if box is not None:
            s.set_metainfo(dict(cutmix_box=box))
        return s

    sup = [images[i] for i in indices_sup]
    unsup = [images[4 + i] for i in indices_unsup]
    data = dict(
        inputs=dict(
            sup=sup + [None] * len(unsup),
            unsup_teacher=[None] * len(sup) + unsup),
        data_samples=dict(
            sup=[sample(labels[i]) for i in indices_sup] +
            [None] * len(unsup),
            unsup_teacher=[None] * len(sup) +
            [sample() for _ in indices_unsup]))
    for view in range(views):
        branch = 'unsup_student' + ('' if view == 0 else str(view + 1))
        data['inputs'][branch] = [None] * len(sup) + [
            strong_view(images[4 + i], view) for i in indices_unsup
        ]
        data['data_samples'][branch] = [None] * len(sup) + [
            sample(box=cutmix_box(i, view) if boxes else None)
            for i in indices_unsup
        ]
    return data


def global_channel_masks(num_global=4, channels=64):
    """Fixed complementary masks of the whole 4-image batch (2 views)."""
    generator = torch.Generator().manual_seed(7)
    first = torch.bernoulli(
        torch.full((num_global, channels), 0.5), generator=generator) * 2
    first[[1, 2]] = 1.0
    second = 2.0 - first
    second[[1, 2]] = 1.0
    return first, second


METHODS = dict(
    CWBASSSegmentor=dict(views=0),
    FixMatchSegmentor=dict(views=1, pseudo_threshold=0.4),
    UniMatchV2Segmentor=dict(views=2, pseudo_threshold=0.4))


def main():
    rank, world, init_file, out = sys.argv[1:5]
    method = sys.argv[5] if len(sys.argv) > 5 else 'CWBASSSegmentor'
    rank, world = int(rank), int(world)
    register_all_modules(init_default_scope=True)
    if world > 1:
        dist.init_process_group(
            'gloo', init_method=f'file://{init_file}', rank=rank,
            world_size=world)
    torch.manual_seed(0)
    extra = dict(METHODS[method])
    views = extra.pop('views')
    model = MODELS.build(
        dict(type=method, segmentor=copy.deepcopy(SEGMENTOR), **extra))
    model.teacher.load_state_dict(model.student.state_dict())
    if method == 'CWBASSSegmentor':
        # tau well inside the confidence range of the random teacher, so
        # the threshold keeps a different share of pixels on each rank
        model.threshold.set_params(base=0.9, beta=0.5, tau_min=0.0,
                                   tau_max=1.0)
    if views == 2:
        # The masks of the global batch, each rank taking its images' rows
        # (a rank draws its own otherwise).
        first, second = global_channel_masks()
        rows = list(range(4)) if world == 1 else [2 * rank, 2 * rank + 1]
        model.complementary_channel_masks = lambda num, device: torch.cat(
            [first[rows], second[rows]]).to(device)
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
            data = shard(images, labels, [0, 1, 2, 3], [0, 1, 2, 3], views)
        else:
            part = [2 * rank, 2 * rank + 1]
            data = shard(images, labels, part, part, views)
        log_vars = forward.train_step(data, optim)
        kept.append(log_vars['unsup.kept_ratio'].item())
    torch.save(
        dict(student=model.student.state_dict(), kept=kept), out)
    if world > 1:
        dist.barrier()  # both ranks done before the store is torn down
        dist.destroy_process_group()
        # The result is saved: skip interpreter finalization, where a gloo
        # rank was seen to hang for good after main() returned (a loaded
        # fresh-clone run; py-spy: idle at the module's main() call).
        sys.stdout.flush()
        os._exit(0)


if __name__ == '__main__':
    main()
