"""The comparison methods' configs (configs/{fixmatch,unimatch_v2,
cwbass_strong}): one leaf per split for DeepLabv3+ R101 and for DINOv2-B +
DPT, each on the shared protocol of its CW-BASS row of that backbone (same
split, batch, crop, schedule, evaluation), each method's hyper-parameters
as its code sets them, and every model builds (backbones shrunk); a
DINOv2-B UniMatch V2 step equals the published definition."""
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
BACKBONES = ('deeplabv3plus_r101', 'dinov2-b_dpt')
LEAVES = [(m, f'{b}_{s}') for m in METHODS for b in BACKBONES
          for s in SPLITS]


def load(folder, name):
    return Config.fromfile(osp.join(CONFIGS, folder, name + '.py'))


def test_every_split_has_a_leaf_per_method():
    for method in METHODS:
        names = sorted(
            osp.splitext(osp.basename(p))[0]
            for p in glob.glob(osp.join(CONFIGS, method, '*.py')))
        assert names == sorted(f'{b}_{s}' for b in BACKBONES
                               for s in SPLITS)


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
    assert seg.pretrained == row_seg.pretrained
    if name.startswith('deeplabv3plus_r101'):
        assert seg.pretrained == 'open-mmlab://resnet101_v1c'
    else:
        assert seg.backbone.type == 'DINOv2'
        assert seg.decode_head.type == row_seg.decode_head.type == 'DPTHead'
    assert seg.data_preprocessor == row_seg.data_preprocessor
    assert seg.test_cfg == row_seg.test_cfg
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


def tiny_dinov2(folder, name):
    """The leaf's model with a 2-head, 4-block, 48-wide DINOv2 (random
    init) and a matching DPT head; BN instead of SyncBN."""
    cfg = load(folder, name).model.to_dict()
    seg = cfg['segmentor']
    seg['backbone'].update(
        arch=dict(embed_dims=48, num_layers=4, num_heads=2),
        out_indices=(0, 1, 2, 3), init_cfg=None)
    seg['decode_head'].update(
        in_channels=(48, ) * 4, embed_dims=48, channels=16,
        post_process_channels=[8, 16, 32, 48], num_classes=4,
        norm_cfg=dict(type='BN', requires_grad=True))
    seg['data_preprocessor']['size'] = (28, 28)
    return MODELS.build(cfg)


def test_dinov2_unimatch_v2_step_matches_the_published_definition(
        threshold_near_median):
    """UniMatch V2's step on DINOv2 written from its unimatch_v2.py: the
    teacher labels the weak view, both strong views go through the student
    in one forward with complementary dropout of the patch tokens of every
    layer the DPT head takes, CE over confident pixels / valid pixels,
    (L_x + (L_s1 + L_s2) / 2) / 2 (no CutMix box drawn here)."""
    import copy

    import torch
    import torch.nn.functional as F
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    torch.manual_seed(0)
    model = tiny_dinov2('unimatch_v2', 'dinov2-b_dpt_voc_1-8')
    with torch.no_grad():
        for p in model.teacher.parameters():
            p.add_(0.05 * torch.randn_like(p))
    model.eval()
    size = (28, 28)

    def sample(label=None):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size,
                                        pad_shape=size,
                                        padding_size=(0, 0, 0, 0)))
        if label is not None:
            s.gt_sem_seg = PixelData(data=label[None])
        return s

    labels = torch.randint(0, 4, (2, *size))
    weak = torch.randn(4, 3, *size)
    inputs = dict(sup=torch.randn(2, 3, *size), unsup_teacher=weak,
                  unsup_student=weak * 0.5 + 0.1,
                  unsup_student2=weak * 0.75 - 0.2)
    samples = dict(sup=[sample(lab) for lab in labels],
                   **{b: [sample() for _ in range(4)]
                      for b in ('unsup_teacher', 'unsup_student',
                                'unsup_student2')})

    def logits(net, feats):
        return F.interpolate(net.decode_head.forward(feats), size,
                             mode='bilinear', align_corners=False)

    with torch.no_grad():
        probs = logits(model.teacher,
                       model.teacher.extract_feat(weak)).softmax(1)
    conf, mask_u = probs.max(1)
    model.pseudo_threshold = threshold_near_median(conf)
    batch = model.prepare_batch(copy.deepcopy(inputs), samples)
    masks = batch.pseudo_labels.channel_mask
    assert masks.shape == (8, 48)
    losses = model.loss(batch)

    student = model.student
    pred_x = logits(student, student.extract_feat(inputs['sup']))
    feats = student.extract_feat(
        torch.cat([inputs['unsup_student'], inputs['unsup_student2']]))
    feats = [[f * masks[:, :, None, None], cls] for f, cls in feats]
    pred_s1, pred_s2 = logits(student, feats).chunk(2)
    keep = conf >= model.pseudo_threshold

    def view_loss(pred):
        ce = F.cross_entropy(pred, mask_u, reduction='none')
        return (ce * keep).sum() / keep.numel()

    loss_x = F.cross_entropy(pred_x, labels)
    expected = (loss_x + (view_loss(pred_s1) + view_loss(pred_s2)) / 2) / 2
    got = sum(v for k, v in losses.items() if 'loss' in k)
    assert 0.2 < keep.float().mean().item() < 0.8
    assert got.item() == pytest.approx(expected.item(), abs=1e-6)
