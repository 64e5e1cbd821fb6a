# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""tiny_model_options shrinks each backbone family of the shipped configs
to a model that builds and runs on a 64x64 crop; batch_options."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

import mmseg_cwbass  # noqa: F401  (registers the plugin's modules)
from mmseg_cwbass.testing.tiny_options import (batch_options, merge_options,
                                               random_init_options,
                                               tiny_model_options)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('config, scale, channels', [
    ('cwbass/deeplabv3plus_r50_cityscapes_1-8', (128, 64), 64),
    ('cwbass/deeplabv3plus_mobilenetv2_voc_1-8', (96, 96), 80),
    ('cwbass/segformer_mit-b0_voc_1-8', (96, 96), [16, 32, 80, 128]),
])
def test_each_backbone_family_builds_and_runs_tiny(config, scale, channels):
    cfg = Config.fromfile(osp.join(REPO, 'configs', config + '.py'))
    merge_options(cfg, tiny_model_options(cfg))
    seg = cfg.model.segmentor
    assert seg.pretrained is None
    assert seg.decode_head.in_channels == channels
    assert seg.data_preprocessor.size == (64, 64)
    for role in ('labeled', 'unlabeled'):
        pipeline = cfg.train_dataloader.dataset[role].pipeline
        assert [t.scale for t in pipeline if t.type == 'RandomResize'] == \
            [scale]
        assert [t.crop_size for t in pipeline if t.type == 'RandomCrop'] \
            == [(64, 64)]
    if 'mit' in config:
        # Random init, and the warm-up over before a 2-iteration run ends.
        assert seg.backbone.init_cfg is None
        assert cfg.param_scheduler[0].end == 1
        assert cfg.param_scheduler[1].begin == 1
    # The head's channels match the tiny backbone's: a forward runs.
    seg.data_preprocessor = None
    model = MODELS.build(seg).eval()
    with torch.no_grad():
        logits = model(torch.randn(1, 3, 64, 64), mode='tensor')
    assert logits.shape[:2] == (1, seg.decode_head.num_classes)


def test_real_runs_only_drop_the_weights():
    r101 = Config.fromfile(
        osp.join(REPO, 'configs/cwbass/deeplabv3plus_r101_voc_1-8.py'))
    assert random_init_options(r101) == ['model.segmentor.pretrained=None']
    dinov2 = Config.fromfile(osp.join(
        REPO, 'configs/baselines/supervised_dinov2-b_dpt_voc_1-8.py'))
    assert random_init_options(dinov2) == [
        'model.pretrained=None', 'model.backbone.init_cfg=None']


def test_a_dinov2_leaf_with_its_own_tiny_arch_is_kept():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/cwbass/dinov2-b_dpt_voc_1-8.py'))
    named = tiny_model_options(cfg)
    assert 'model.segmentor.backbone.arch.embed_dims=48' in named
    cfg.model.segmentor.backbone.arch = dict(embed_dims=24, num_layers=4,
                                             num_heads=2)
    assert not any('arch' in o or 'decode_head' in o
                   for o in tiny_model_options(cfg))


def test_concat_datasets_get_option_keys_mmengine_merges():
    transforms = [dict(type='LoadImageFromFile'),
                  dict(type='RandomResize', scale=(512, 512)),
                  dict(type='RandomCrop', crop_size=(256, 256))]
    cfg = Config(dict(
        model=dict(type='EncoderDecoder',
                   backbone=dict(type='ResNetV1c', depth=50),
                   decode_head=dict(type='DepthwiseSeparableASPPHead'),
                   data_preprocessor=dict(size=(256, 256))),
        train_dataloader=dict(dataset=dict(type='ConcatDataset', datasets=[
            dict(type='PascalVOCDataset', pipeline=transforms),
            dict(type='PascalVOCDataset', pipeline=transforms)])),
        val_dataloader=dict(dataset=dict(type='CityscapesDataset'))))
    options = tiny_model_options(cfg, resize_scale=(80, 40))
    assert 'train_dataloader.dataset.datasets.1.pipeline.2.crop_size=(64,64)' \
        in options
    merge_options(cfg, options)
    for part in cfg.train_dataloader.dataset.datasets:
        assert part.pipeline[1].scale == (80, 40)
        assert part.pipeline[2].crop_size == (64, 64)
    assert cfg.model.backbone.depth == 18


def test_batch_options():
    assert batch_options(2) == ['train_dataloader.batch_size=2']
    assert batch_options(16, 16) == [
        'train_dataloader.batch_size=32',
        'train_dataloader.sampler.batch_size=32',
        'train_dataloader.sampler.source_ratio=[16,16]']
