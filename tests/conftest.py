"""Shared fixtures: a tiny DeepLabv3+ segmentor config, batch factories and
the helpers that load or run the scripts of ``tools/``."""
import copy
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import mmseg_cwbass  # noqa: F401

register_all_modules(init_default_scope=True)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(REPO, 'tools')

NORM_CFG = dict(type='BN', requires_grad=True)
TINY_SEGMENTOR = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(32, 32)),
    pretrained=None,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=NORM_CFG,
        contract_dilation=True),
    decode_head=dict(
        type='BoundaryAwareASPPHead',
        in_channels=64,
        in_index=3,
        channels=16,
        dilations=(1, 2, 3, 4),
        c1_in_channels=8,
        c1_channels=4,
        dropout_ratio=0.0,
        num_classes=4,
        norm_cfg=NORM_CFG,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))


@pytest.fixture
def tiny_segmentor_cfg():
    """A fresh copy of a tiny DeepLabv3+ (ResNet-18-D8 at 1/8 width)."""
    return copy.deepcopy(TINY_SEGMENTOR)


def _samples(num, size, with_gt, seed, num_classes=4):
    generator = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(num):
        sample = SegDataSample(
            metainfo=dict(
                img_shape=size, ori_shape=size, pad_shape=size,
                padding_size=(0, 0, 0, 0)))
        if with_gt:
            sample.gt_sem_seg = PixelData(
                data=torch.randint(
                    0, num_classes, (1, *size), generator=generator))
        samples.append(sample)
    return samples


@pytest.fixture
def make_semi_batch():
    """Factory of a preprocessed multi-branch batch (already normalised)."""

    def factory(num_sup=2, num_unsup=2, size=(32, 32), seed=0,
                num_classes=4):
        generator = torch.Generator().manual_seed(seed)
        inputs = dict(
            sup=torch.randn(num_sup, 3, *size, generator=generator),
            unsup_teacher=torch.randn(num_unsup, 3, *size,
                                      generator=generator))
        samples = dict(
            sup=_samples(num_sup, size, True, seed, num_classes),
            unsup_teacher=_samples(num_unsup, size, False, seed + 1,
                                   num_classes))
        return inputs, samples

    return factory


def write_split(root, ids_labeled, ids_unlabeled, name='1-8'):
    """Write data/splits/toy_voc/<name>/{labeled,unlabeled}.txt under root."""
    split = root / 'data' / 'splits' / 'toy_voc' / name
    split.mkdir(parents=True, exist_ok=True)
    (split / 'labeled.txt').write_text('\n'.join(ids_labeled) + '\n')
    (split / 'unlabeled.txt').write_text('\n'.join(ids_unlabeled) + '\n')


@pytest.fixture(scope='session')
def toy_voc_workspace(tmp_path_factory):
    """A working directory with data/toy (VOC layout) and a 1-8 split.

    16 train images (3 labeled, 13 unlabeled), 3 val images, 48x64 pixels;
    configs/demo/*toy-voc* read it with paths relative to this directory.
    """
    from mmseg_cwbass.testing.toy_data import generate_toy_voc
    root = tmp_path_factory.mktemp('toy_workspace')
    voc = generate_toy_voc(
        str(root / 'data' / 'toy'), num_train=16, num_val=3,
        image_size=(48, 64), seed=0)
    with open(f'{voc}/ImageSets/Segmentation/train.txt') as f:
        ids = [line.strip() for line in f if line.strip()]
    write_split(root, ids[:3], ids[3:])
    return root


def tool_path(name):
    """``tools/<name>.py``, e.g. ``tool_path('misc/trust_checkpoint')``."""
    return osp.join(TOOLS, f'{name}.py')


@pytest.fixture(scope='session')
def load_tool():
    """Import a script of ``tools/`` by path: ``load_tool('make_splits')``.

    The module is registered under its file name, the name under which the
    scripts import the helper modules beside them, so a test and a script
    share one copy of a module (and of its exception classes).
    """

    def load(name):
        path = tool_path(name)
        module_name = osp.basename(name)
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, '__file__', None) == path:
            return module
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        # dataclasses look their module up in sys.modules while it executes.
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope='session')
def run_tool():
    """Run a script of ``tools/`` in a subprocess, as a user does.

    ``run_tool('make_splits', '--help', cwd=...)`` returns the finished
    :class:`subprocess.CompletedProcess` (text output captured).
    """

    def run(name, *args, cwd=REPO, timeout=300, env=None):
        return subprocess.run(
            [sys.executable, tool_path(name), *map(str, args)],
            cwd=str(cwd), capture_output=True, text=True, timeout=timeout,
            env=env)

    return run
