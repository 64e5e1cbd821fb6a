"""The comparison methods' configs (configs/{fixmatch,unimatch_v2,
cwbass_strong}): one leaf per split for DeepLabv3+ R101, each on the shared
protocol of its CW-BASS row (same split, batch, crop, schedule,
evaluation), each method's hyper-parameters as its code sets them, and
every model builds (backbones shrunk)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

import mmseg_cwbass  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
SPLITS = [f'voc_{s}' for s in ('92', '183', '366', '732', '1464', '1-16',
                              '1-8', '1-4')] + \
    [f'cityscapes_{s}' for s in ('1-30', '1-16', '1-8', '1-4', '1-2')]
METHODS = ('fixmatch', 'unimatch_v2', 'cwbass_strong')
LEAVES = [(m, f'deeplabv3plus_r101_{s}') for m in METHODS for s in SPLITS]


def load(folder, name):
    return Config.fromfile(osp.join(CONFIGS, folder, name + '.py'))


def test_every_split_has_a_leaf_per_method():
    for method in METHODS:
        names = sorted(
            osp.splitext(osp.basename(p))[0]
            for p in glob.glob(osp.join(CONFIGS, method, '*.py')))
        assert names == sorted(f'deeplabv3plus_r101_{s}' for s in SPLITS)


def branches(pipeline):
    [multi] = [t for t in pipeline if t['type'] == 'MultiBranch']
    return multi


@pytest.mark.parametrize('folder,name', LEAVES, ids=lambda x: x)
def test_leaf_is_its_cwbass_row_with_the_method(folder, name):
    cfg = load(folder, name)
    row = load('cwbass', name)
    # the shared protocol: split, batch, crop, schedule, evaluation
    for key in ('max_iters', 'iters_per_epoch', 'split', 'num_gpus'):
        assert cfg[key] == row[key], key
    assert cfg.train_cfg == row.train_cfg
    assert cfg.val_cfg == row.val_cfg
    assert cfg.val_dataloader == row.val_dataloader
    assert cfg.optim_wrapper == row.optim_wrapper
    assert cfg.param_scheduler == row.param_scheduler
    assert cfg.train_dataloader.sampler == row.train_dataloader.sampler
    for role in ('labeled', 'unlabeled'):
        ours = cfg.train_dataloader.dataset[role]
        theirs = row.train_dataloader.dataset[role]
        assert ours.ann_file == theirs.ann_file
        weak = [t for t in theirs.pipeline if t['type'] != 'MultiBranch']
        assert [t for t in ours.pipeline
                if t['type'] != 'MultiBranch'] == weak
    seg, row_seg = cfg.model.segmentor, row.model.segmentor
    assert seg.backbone == row_seg.backbone
    assert seg.pretrained == 'open-mmlab://resnet101_v1c'
    assert seg.data_preprocessor == row_seg.data_preprocessor
    # the method
    model = cfg.model
    views = 1 if folder == 'fixmatch' else 2
    assert model.semi_train_cfg.strong_views == views
    assert model.semi_train_cfg.cutmix_partner == 'reverse'
    unlabeled = branches(cfg.train_dataloader.dataset.unlabeled.pipeline)
    labeled = branches(cfg.train_dataloader.dataset.labeled.pipeline)
    students = ['unsup_student', 'unsup_student2'][:views]
    assert labeled.branch_field == unlabeled.branch_field
    for student in students:
        assert [t['type'] for t in unlabeled[student]] == [
            'RandomColorJitter', 'RandomGrayscale', 'RandomGaussianBlur',
            'RandomCutMixBox', 'PackSemiSegInputs'
        ]
    hooks = {h['type']: h for h in cfg.custom_hooks}
    if folder == 'cwbass_strong':
        assert model.type == 'CWBASSSegmentor'
        assert model.semi_train_cfg.channel_dropout is True
        # the CW-BASS row's options, hooks and ramp-up
        for key in ('threshold', 'unsup_loss', 'boundary_loss'):
            assert model[key] == row.model[key]
        assert cfg.custom_hooks == row.custom_hooks
        assert model.semi_train_cfg.rampup_iters == \
            row.model.semi_train_cfg.rampup_iters
        return
    assert model.type == ('FixMatchSegmentor' if folder == 'fixmatch' else
                          'UniMatchV2Segmentor')
    assert model.pseudo_threshold == 0.95
    semi = model.semi_train_cfg
    assert (semi.sup_weight, semi.unsup_weight, semi.rampup_iters) == \
        (0.5, 0.5, 0)
    assert semi.concat_student_forward is (folder == 'fixmatch')
    assert semi.get('channel_dropout', False) is (folder == 'unimatch_v2')
    ema = hooks['MeanTeacherHook']
    assert (ema.momentum, ema.momentum_schedule, ema.buffer_policy) == \
        (0.004, 'inverse', 'ema')
    loss = seg.decode_head.loss_decode
    if 'cityscapes' in name:
        assert (loss.type, loss.thresh, loss.min_kept) == \
            ('ProbOhemCrossEntropyLoss', 0.7, 200000)
    else:
        assert loss.type == 'GlobalCrossEntropyLoss'


@pytest.mark.parametrize('folder', METHODS)
def test_model_builds(folder):
    cfg = load(folder, 'deeplabv3plus_r101_cityscapes_1-8')
    model_cfg = cfg.model.to_dict()
    seg = model_cfg['segmentor']
    seg['pretrained'] = None
    seg['backbone'].update(depth=18, stem_channels=8, base_channels=8,
                           norm_cfg=dict(type='BN', requires_grad=True))
    seg['decode_head'].update(in_channels=64, c1_in_channels=8, channels=16,
                              c1_channels=4,
                              norm_cfg=dict(type='BN', requires_grad=True))
    model = MODELS.build(model_cfg)
    assert type(model).__name__ == model_cfg['type']
    assert model.student.decode_head.num_classes == 19
