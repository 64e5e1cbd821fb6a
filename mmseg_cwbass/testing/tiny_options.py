# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""``--cfg-options`` that make a shipped config tiny: random init, a small
backbone and head, small crops, a small batch.

The one home of these lists: the tests' tiny training runs
(``tiny_run_options`` in ``tests/conftest.py``) and the GPU measurement's
``--dry-run`` (``tools/analysis_tools/gpu_measure.py``) both use them, so a
config change that breaks one shows in the other.
"""
from typing import List, Optional, Sequence

from ..datasets.dataset_configs import dataset_configs

#: Backbones that load their own weights (``backbone.init_cfg``).
OWN_INIT_BACKBONES = ('DINOv2', 'MixVisionTransformer')
#: Backbone options and the channels of its last stage (the head's input).
TINY_CNN = {
    'ResNet': (['depth=18', 'stem_channels=8', 'base_channels=8'], 64),
    'MobileNetV2': (['widen_factor=0.25'], 80),
}
#: A 4-block ViT of width 48 in place of a named DINOv2 size ('b', ...).
TINY_VIT = dict(embed_dims=48, num_layers=4, num_heads=2)


def _segmentor(cfg) -> tuple:
    """The plain segmentor config and its option prefix."""
    model = cfg['model']
    if 'segmentor' in model:  # every teacher/student wrapper
        return model['segmentor'], 'model.segmentor.'
    return model, 'model.'


def random_init_options(cfg) -> List[str]:
    """No pretrained weights: ``pretrained=None``, and for a backbone that
    loads its own (DINOv2, MiT) ``backbone.init_cfg=None``.

    Args:
        cfg (Config | dict): A loaded config.

    Returns:
        list[str]: ``key=value`` options.
    """
    seg, p = _segmentor(cfg)
    opts = [f'{p}pretrained=None']
    if seg['backbone']['type'] in OWN_INIT_BACKBONES:
        opts.append(f'{p}backbone.init_cfg=None')
    return opts


def _backbone_and_head(seg: dict, p: str) -> List[str]:
    kind = seg['backbone']['type']
    cnn = next((k for k in TINY_CNN if k in kind), None)
    if cnn is not None:  # DeepLabv3+: ResNet-18 at 1/8 width, MobileNetV2
        backbone, channels = TINY_CNN[cnn]
        return [f'{p}backbone.{o}' for o in backbone] + [
            f'{p}decode_head.{o}'
            for o in (f'in_channels={channels}', 'c1_in_channels=8',
                      'channels=16', 'c1_channels=4')
        ]
    if kind == 'MixVisionTransformer':  # SegFormer
        return [
            f'{p}backbone.embed_dims=16',
            f'{p}decode_head.in_channels=[16,32,80,128]',
            f'{p}decode_head.channels=32',
            # The 1,500-iteration warm-up must end before max_iters.
            'param_scheduler.0.end=1', 'param_scheduler.1.begin=1'
        ]
    if kind == 'DINOv2' and isinstance(seg['backbone'].get('arch'), str):
        # A dict ``arch`` in place of the named size; a leaf config that
        # sets a dict already is tiny on purpose and kept.
        width = TINY_VIT['embed_dims']
        return [f'{p}backbone.arch._delete_=True'] + [
            f'{p}backbone.arch.{k}={v}' for k, v in TINY_VIT.items()
        ] + [
            f'{p}backbone.out_indices=(0,1,2,3)',
            f'{p}decode_head.in_channels=({width},{width},{width},{width})',
            f'{p}decode_head.embed_dims={width}',
            f'{p}decode_head.channels=16',
            f'{p}decode_head.post_process_channels=[8,16,32,{width}]'
        ]
    return []


def tiny_model_options(
        cfg, resize_scale: Optional[Sequence[int]] = None) -> List[str]:
    """Random init, a tiny backbone and head, 64x64 crops (DINOv2: 56x56,
    a multiple of its 14-pixel patch).

    Tiny: ResNet-18-D8 at 1/8 width, MobileNetV2 x0.25, MiT with 16 dims
    (its warm-up ends after one iteration), a 4-block DINOv2 of width 48
    when the config names a size; the DeepLabv3+/SegFormer/DPT heads follow.
    Every ``RandomResize`` of the training pipelines resizes to
    ``resize_scale`` and every ``RandomCrop`` crops the crop size.

    Args:
        cfg (Config | dict): A loaded config (plain or teacher/student).
        resize_scale (tuple[int, int], optional): The training resize
            scale. Default: (96, 96) for a Pascal VOC config, (128, 64)
            otherwise (Cityscapes' 2:1).

    Returns:
        list[str]: ``key=value`` options, as ``--cfg-options`` takes them.
    """
    seg, p = _segmentor(cfg)
    side = 56 if seg['backbone']['type'] == 'DINOv2' else 64
    crop = f'({side},{side})'
    if resize_scale is None:
        voc = cfg['val_dataloader']['dataset']['type'] == 'PascalVOCDataset'
        resize_scale = (96, 96) if voc else (128, 64)
    scale = f'({resize_scale[0]},{resize_scale[1]})'
    opts = random_init_options(cfg) + _backbone_and_head(seg, p)
    opts.append(f'{p}data_preprocessor.size={crop}')
    train = cfg['train_dataloader']['dataset']
    for key, leaf in dataset_configs(train, 'train_dataloader.dataset'):
        key = key.replace('[', '.').replace(']', '')  # --cfg-options form
        for i, transform in enumerate(leaf['pipeline']):
            if transform['type'] == 'RandomResize':
                opts.append(f'{key}.pipeline.{i}.scale={scale}')
            elif transform['type'] == 'RandomCrop':
                opts.append(f'{key}.pipeline.{i}.crop_size={crop}')
    return opts


def batch_options(labeled: int, unlabeled: Optional[int] = None) -> List[str]:
    """The batch of a run: ``labeled`` + ``unlabeled`` images a step.

    Args:
        labeled (int): Labeled images a step (a plain config's batch).
        unlabeled (int, optional): Unlabeled images a step; None for a
            supervised (plain) config.

    Returns:
        list[str]: ``key=value`` options.
    """
    if unlabeled is None:
        return [f'train_dataloader.batch_size={labeled}']
    total = labeled + unlabeled
    return [f'train_dataloader.batch_size={total}',
            f'train_dataloader.sampler.batch_size={total}',
            f'train_dataloader.sampler.source_ratio=[{labeled},{unlabeled}]']


def merge_options(cfg, options: Sequence[str]):
    """Merge ``key=value`` options into ``cfg`` as ``--cfg-options`` does.

    The options are parsed by mmengine's ``DictAction``, the action of the
    tools' ``--cfg-options``, so a test sees the config a tool would build.

    Args:
        cfg (Config): The config, changed in place.
        options (Sequence[str]): ``key=value`` strings, e.g. from
            :func:`tiny_model_options`.

    Returns:
        Config: ``cfg``.
    """
    import argparse

    from mmengine.config import DictAction

    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(
        parser.parse_args(['--cfg-options', *options]).cfg_options)
    return cfg
