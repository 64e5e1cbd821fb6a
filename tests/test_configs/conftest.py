# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Shared by the config tests: ``--cfg-options`` that shrink a config."""
import pytest


def _index(pipeline, kind):
    return [t['type'] for t in pipeline].index(kind)


def _shrink_options(cfg):
    """``--cfg-options`` for a tiny, short run of a benchmark config."""
    model = cfg.model
    semi = 'segmentor' in model
    seg = model.segmentor if semi else model
    p = 'model.segmentor.' if semi else 'model.'
    kind = seg.backbone.type
    # DINOv2 trains on multiples of its 14-pixel patch.
    crop = '(56,56)' if kind == 'DINOv2' else '(64,64)'
    opts = [f'{p}data_preprocessor.size={crop}']
    if 'ResNet' in kind:
        opts += [
            f'{p}pretrained=None', f'{p}backbone.depth=18',
            f'{p}backbone.stem_channels=8', f'{p}backbone.base_channels=8',
            f'{p}decode_head.in_channels=64',
            f'{p}decode_head.c1_in_channels=8',
            f'{p}decode_head.channels=16', f'{p}decode_head.c1_channels=4'
        ]
    elif kind == 'MobileNetV2':
        opts += [
            f'{p}pretrained=None', f'{p}backbone.widen_factor=0.25',
            f'{p}decode_head.in_channels=80',
            f'{p}decode_head.c1_in_channels=8',
            f'{p}decode_head.channels=16', f'{p}decode_head.c1_channels=4'
        ]
    elif kind == 'MixVisionTransformer':
        opts += [
            f'{p}backbone.init_cfg=None', f'{p}backbone.embed_dims=16',
            f'{p}decode_head.in_channels=[16,32,80,128]',
            f'{p}decode_head.channels=32',
            # The 1,500-iteration warm-up must end before max_iters.
            'param_scheduler.0.end=1', 'param_scheduler.1.begin=1'
        ]
    elif kind == 'DINOv2':
        # The width and depth are set by a tiny leaf config (arch is a
        # dict there); no pretrained weights.
        opts.append(f'{p}backbone.init_cfg=None')
    dataset = cfg.train_dataloader.dataset
    voc = cfg.val_dataloader.dataset.type == 'PascalVOCDataset'
    scale = '(96,96)' if voc else '(128,64)'
    parts = {'labeled': dataset.labeled, 'unlabeled': dataset.unlabeled} \
        if semi else {'': dataset}
    for role, part in parts.items():
        key = 'train_dataloader.dataset.' + (f'{role}.' if role else '')
        resize = _index(part.pipeline, 'RandomResize')
        index = _index(part.pipeline, 'RandomCrop')
        opts += [
            f'{key}pipeline.{resize}.scale={scale}',
            f'{key}pipeline.{index}.crop_size={crop}'
        ]
    if semi:
        opts += [
            'train_dataloader.batch_size=4',
            'train_dataloader.sampler.batch_size=4',
            'train_dataloader.sampler.source_ratio=[2,2]',
            'model.semi_train_cfg.rampup_iters=1'
        ]
    else:
        opts.append('train_dataloader.batch_size=2')
    opts += [
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1'
    ]
    return opts


@pytest.fixture(scope='session')
def shrink_options():
    """The function :func:`_shrink_options` (``shrink_options(cfg)``)."""
    return _shrink_options
