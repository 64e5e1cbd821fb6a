"""Shared fixtures: a tiny DeepLabv3+ segmentor config, batch factories and
the helpers that load or run the scripts of ``tools/``."""
import copy
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import mmseg_cwbass  # noqa: F401
from mmseg_cwbass.testing.tiny_options import batch_options, tiny_model_options

register_all_modules(init_default_scope=True)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(REPO, 'tools')

# tests/startup/sitecustomize.py (why: its docstring) in this process and,
# through PYTHONPATH, in every Python the tests launch.
STARTUP = osp.join(REPO, 'tests', 'startup')
_startup_spec = importlib.util.spec_from_file_location(
    'tests_startup', osp.join(STARTUP, 'sitecustomize.py'))
_startup_spec.loader.exec_module(
    importlib.util.module_from_spec(_startup_spec))
os.environ['PYTHONPATH'] = os.pathsep.join(
    filter(None, [STARTUP, os.environ.get('PYTHONPATH')]))

# Under pytest-xdist (make test), the workers share the cores: each worker
# and what it launches gets its share of threads instead of one thread per
# core each, which oversubscribes the machine.
if os.environ.get('PYTEST_XDIST_WORKER_COUNT'):
    _threads = max(1, (os.cpu_count() or 1) //
                   int(os.environ['PYTEST_XDIST_WORKER_COUNT']))
    torch.set_num_threads(_threads)
    os.environ.setdefault('OMP_NUM_THREADS', str(_threads))

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


@pytest.fixture(scope='session')
def threshold_near_median():
    """A confidence threshold that keeps a third to two thirds of the
    pixels, robustly.

    ``threshold_near_median(conf)``: half-way across the widest gap between
    neighbouring values of ``conf`` in its middle third. On the median
    itself a pixel sits exactly on the threshold, and a last-bit difference
    between a model's teacher forward and a test's re-computation (CPU
    kernels vary with memory alignment and threads) moves it across.
    """

    def threshold(conf):
        values = conf.flatten().sort().values
        third = values.numel() // 3
        middle = values[third:values.numel() - third]
        gap = int(middle.diff().argmax())
        assert middle[gap + 1] - middle[gap] > 1e-5, 'no gap in the middle'
        return ((middle[gap] + middle[gap + 1]) / 2).item()

    return threshold


def write_split(root, ids_labeled, ids_unlabeled, name='1-8'):
    """Write data/splits/toy_voc/<name>/{labeled,unlabeled}.txt under root."""
    split = root / 'data' / 'splits' / 'toy_voc' / name
    split.mkdir(parents=True, exist_ok=True)
    (split / 'labeled.txt').write_text('\n'.join(ids_labeled) + '\n')
    (split / 'unlabeled.txt').write_text('\n'.join(ids_unlabeled) + '\n')


@pytest.fixture(scope='session')
def toy_voc(tmp_path_factory):
    """Toy VOC trees (``generate_toy_voc``), generated once per session.

    ``toy_voc(num_train=16, num_val=3, num_aug=0, image_size=(48, 64),
    seed=0)`` returns the ``VOC2012`` folder of a tree shared by every test
    that asks for the same arguments: read it, never change it.
    ``fresh=True`` returns a private copy under a new folder instead, for a
    test that breaks or extends the tree.
    """
    from mmseg_cwbass.testing.toy_data import generate_toy_voc
    made = {}

    def get(num_train=16, num_val=3, num_aug=0, image_size=(48, 64), seed=0,
            fresh=False):
        key = (num_train, num_val, num_aug, tuple(image_size), seed)
        if key not in made:
            made[key] = generate_toy_voc(
                str(tmp_path_factory.mktemp('toy_voc')), num_train=num_train,
                num_val=num_val, num_aug=num_aug, image_size=image_size,
                seed=seed)
        if not fresh:
            return made[key]
        copy_root = tmp_path_factory.mktemp('toy_voc_copy')
        # The VOCdevkit/VOC2012 folders under the generator's root.
        shared_root = osp.dirname(osp.dirname(made[key]))
        shutil.copytree(shared_root, str(copy_root), dirs_exist_ok=True)
        return str(copy_root / osp.relpath(made[key], shared_root))

    return get


@pytest.fixture(scope='session')
def toy_voc_workspace(tmp_path_factory, toy_voc):
    """A working directory with data/toy (VOC layout) and a 1-8 split.

    16 train images (3 labeled, 13 unlabeled), 3 val images, 48x64 pixels
    (``toy_voc()``'s tree); configs/demo/*toy-voc* read it with paths
    relative to this directory. Shared by the session: change a copy
    (``copy_workspace``).
    """
    root = tmp_path_factory.mktemp('toy_workspace')
    shared = toy_voc()
    # <root>/VOCdevkit/VOC2012 -> <workspace>/data/toy/VOCdevkit/VOC2012
    shutil.copytree(osp.dirname(osp.dirname(shared)),
                    str(root / 'data' / 'toy'))
    voc = str(root / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012')
    with open(f'{voc}/ImageSets/Segmentation/train.txt') as f:
        ids = [line.strip() for line in f if line.strip()]
    write_split(root, ids[:3], ids[3:])
    return root


@pytest.fixture(scope='session')
def copy_workspace(toy_voc_workspace):
    """A private copy of ``toy_voc_workspace`` to change.

    ``copy_workspace(dst, num_labeled=None)`` copies it to ``dst`` (a
    ``Path``) and, with ``num_labeled``, moves the 1-8 split's boundary: the
    first ``num_labeled`` of its 16 images labeled, the rest unlabeled (4
    for a step of 2 + 2 that runs as two micro-batches). Returns ``dst``.
    """

    def copy(dst, num_labeled=None):
        shutil.copytree(toy_voc_workspace, dst)
        if num_labeled is not None:
            split = dst / 'data' / 'splits' / 'toy_voc' / '1-8'
            ids = (split / 'labeled.txt').read_text().split() + \
                (split / 'unlabeled.txt').read_text().split()
            write_split(dst, ids[:num_labeled], ids[num_labeled:])
        return dst

    return copy


def tool_path(name):
    """``tools/<name>.py``, e.g. ``tool_path('misc/trust_checkpoint')``."""
    return osp.join(TOOLS, f'{name}.py')


@pytest.fixture(scope='session')
def load_tool():
    """Import a script of ``tools/`` by path: ``load_tool('make_splits')``.

    The one way a test imports a tool (``tools/`` is not a package). The
    module is registered under its file name, so a test and a script
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
def run_cli(tmp_path_factory):
    """Run a command line in a subprocess, as a user does.

    ``run_cli('train', CONFIG, '--work-dir', work, cwd=workspace)`` runs
    ``python tools/train.py ...``: a first argument without ``.py`` and not
    starting with ``-`` names a script of ``tools/``; anything else
    (``mmseg``'s stock tools, ``-m torch.distributed.run``) is passed to
    ``python`` as it is.

    The environment is this process's, unbuffered, with
    ``MMSEG_CWBASS_TRUST_STORE`` set to a store of this session (so the
    checkpoints the tests write load as a user's own runs do) and
    ``MMSEG_CWBASS_TRUST_CHECKPOINTS`` removed; ``env`` adds or overrides
    variables. ``check=True`` asserts exit status 0 and shows the output's
    tails otherwise. Returns the :class:`subprocess.CompletedProcess`
    (text output captured).
    """
    store = str(tmp_path_factory.mktemp('trust') / 'trusted.txt')

    def run(first, *args, cwd=REPO, env=None, check=False, timeout=600):
        first = str(first)
        if not first.endswith('.py') and not first.startswith('-'):
            first = tool_path(first)
        full_env = dict(os.environ, PYTHONUNBUFFERED='1',
                        MMSEG_CWBASS_TRUST_STORE=store)
        full_env.pop('MMSEG_CWBASS_TRUST_CHECKPOINTS', None)
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, first, *map(str, args)], cwd=str(cwd),
            capture_output=True, text=True, timeout=timeout, env=full_env)
        if check:
            assert proc.returncode == 0, \
                proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc

    return run


def _tiny_run_options(cfg=None, iters=None, val_interval=None,
                      checkpoint_interval=None):
    semi = cfg is None or 'segmentor' in cfg.model
    opts = []
    if cfg is not None:
        # Model and crops from the package (gpu_measure's --dry-run shares
        # them); no pretrained weights, no workers.
        opts += tiny_model_options(cfg) + [
            'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False'
        ]
        if semi:
            opts.append('model.semi_train_cfg.rampup_iters=1')
    opts += batch_options(2, 2) if semi else batch_options(2)
    if iters is not None:
        opts.append(f'train_cfg.max_iters={iters}')
    opts += [
        f'train_cfg.val_interval={val_interval or 1000}',
        f'default_hooks.checkpoint.interval={checkpoint_interval or 1000}',
        'default_hooks.logger.interval=1'
    ]
    if val_interval is None:
        opts.append('default_hooks.checkpoint.save_best=None')
    return opts


@pytest.fixture(scope='session')
def tiny_run_options():
    """``--cfg-options`` of a tiny training run: the one list CLI tests
    start from.

    ``tiny_run_options(cfg=None, iters=None, val_interval=None,
    checkpoint_interval=None)``: 2 labeled + 2 unlabeled images a step (a
    supervised config: 2 images), a log line every iteration, and without
    ``val_interval``/``checkpoint_interval`` no validation and no
    checkpoint before the last iteration (and no best checkpoint); ``iters``
    sets ``train_cfg.max_iters``. The demo configs (``configs/demo``) are
    tiny already; with ``cfg``, a loaded benchmark config, its model and
    crops are shrunk too (``mmseg_cwbass.testing.tiny_options``: ResNet-18
    at 1/8 width, MobileNetV2 x0.25, MiT with 16 dims; 64x64 crops, DINOv2
    56x56; no pretrained weights), with no workers and a one-iteration
    ramp-up.
    """
    return _tiny_run_options
