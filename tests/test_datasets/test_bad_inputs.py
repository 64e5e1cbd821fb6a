"""Bad data and configs fail early with a message naming the culprit."""
import copy
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmcv.transforms import LoadImageFromFile
from mmengine.config import Config
from PIL import Image

from mmseg.registry import DATASETS, MODELS, TRANSFORMS
from mmseg_cwbass.datasets import DataConfigError, check_data_config
from mmseg_cwbass.datasets.checks import check_input_files

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')


@pytest.fixture
def workspace(copy_workspace, tmp_path, monkeypatch):
    """A private copy of the toy workspace as the working directory."""
    root = copy_workspace(tmp_path / 'ws')
    monkeypatch.chdir(root)
    return root


def split_file(root, role):
    return root / 'data' / 'splits' / 'toy_voc' / '1-8' / f'{role}.txt'


def semi_dataset_cfg():
    cfg = Config.fromfile(CONFIG)
    return copy.deepcopy(cfg.train_dataloader.dataset)


def test_config_checks_pass_on_good_data(workspace):
    check_data_config(Config.fromfile(CONFIG), phases=('train', 'val'))
    assert len(DATASETS.build(semi_dataset_cfg())) == 16


def test_missing_data_root(workspace):
    shutil.rmtree(workspace / 'data' / 'toy')
    with pytest.raises(DataConfigError, match='data_prefix.img_path'):
        check_data_config(Config.fromfile(CONFIG), phases=('train', ))
    with pytest.raises(DataConfigError,
                       match=r'val_dataloader.dataset.data_root'):
        check_data_config(Config.fromfile(CONFIG), phases=('val', ))
    with pytest.raises(FileNotFoundError, match='image folder'):
        DATASETS.build(semi_dataset_cfg())


def test_missing_or_empty_split_file(workspace):
    split_file(workspace, 'unlabeled').write_text('\n')
    with pytest.raises(DataConfigError, match='unlabeled.txt is empty'):
        check_data_config(Config.fromfile(CONFIG), phases=('train', ))
    with pytest.raises(ValueError, match='lists no image'):
        DATASETS.build(semi_dataset_cfg())
    split_file(workspace, 'labeled').unlink()
    with pytest.raises(DataConfigError, match='labeled.txt does not exist'):
        check_data_config(Config.fromfile(CONFIG), phases=('train', ))
    with pytest.raises(FileNotFoundError, match='make_splits'):
        DATASETS.build(semi_dataset_cfg())


def test_listed_id_without_image_or_mask(workspace):
    labeled = split_file(workspace, 'labeled')
    labeled.write_text(labeled.read_text() + 'no_such_image\n')
    with pytest.raises(FileNotFoundError, match='no_such_image.jpg'):
        DATASETS.build(semi_dataset_cfg())
    labeled.write_text(labeled.read_text().replace('no_such_image\n', ''))
    first = labeled.read_text().split()[0]
    voc = workspace / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012'
    (voc / 'SegmentationClass' / f'{first}.png').unlink()
    with pytest.raises(FileNotFoundError, match=f'{first}.png'):
        DATASETS.build(semi_dataset_cfg())


def test_overlapping_lists_and_val_images(workspace):
    labeled = split_file(workspace, 'labeled')
    unlabeled = split_file(workspace, 'unlabeled')
    shared = unlabeled.read_text().split()[0]
    labeled.write_text(labeled.read_text() + shared + '\n')
    with pytest.raises(ValueError, match=f'share 1 images.*{shared}'):
        DATASETS.build(semi_dataset_cfg())
    labeled.write_text(labeled.read_text().replace(shared + '\n', ''))
    val_file = workspace / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012' / \
        'ImageSets' / 'Segmentation' / 'val.txt'
    val_id = val_file.read_text().split()[0]
    unlabeled.write_text(unlabeled.read_text() + val_id + '\n')
    with pytest.raises(DataConfigError, match=f'val.txt.*{val_id}.*evaluation images'):
        check_data_config(Config.fromfile(CONFIG), phases=('train', 'val'))


def test_num_classes_disagreeing_with_the_dataset(workspace):
    cfg = Config.fromfile(CONFIG)
    cfg.model.segmentor.decode_head.num_classes = 21
    with pytest.raises(DataConfigError, match='num_classes=21.*6 classes'):
        check_data_config(cfg, phases=('train', ))


def test_mask_value_neither_class_nor_ignore(tmp_path):
    check = TRANSFORMS.build(dict(type='CheckSegMapValues', num_classes=6))
    good = np.array([[0, 5], [255, 1]], dtype=np.uint8)
    assert check(dict(gt_seg_map=good, seg_map_path='a.png')) is not None
    bad = np.array([[0, 7], [128, 1]], dtype=np.uint8)
    with pytest.raises(ValueError, match=r'b.png has values \[7, 128\]'):
        check(dict(gt_seg_map=bad, seg_map_path='b.png'))


@pytest.mark.parametrize('damage', ['truncated', 'garbage'])
def test_corrupt_or_truncated_image(tmp_path, damage):
    path = tmp_path / 'img.jpg'
    Image.fromarray(
        np.random.RandomState(0).randint(0, 255, (40, 40, 3), np.uint8)
    ).save(path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) * 8 // 10] if damage == 'truncated'
                     else b'not an image')
    with pytest.raises(Exception, match='img.jpg'):
        LoadImageFromFile()(dict(img_path=str(path)))


def test_checkpoint_of_another_architecture(tiny_segmentor_cfg):
    model = MODELS.build(dict(type='CWBASSSegmentor',
                              segmentor=tiny_segmentor_cfg))
    other_cfg = copy.deepcopy(tiny_segmentor_cfg)
    other_cfg['decode_head']['num_classes'] = 7
    other = MODELS.build(other_cfg)
    with pytest.raises(RuntimeError, match='does not fit this model'):
        model.load_state_dict(other.state_dict(), strict=False)
    unrelated = {'backbone.layer9.weight': torch.zeros(3)}
    with pytest.raises(RuntimeError, match='0 of'):
        model.load_state_dict(unrelated, strict=False)


def test_nonfinite_loss_stops_or_skips(tiny_segmentor_cfg, make_semi_batch):
    from mmengine.optim import OptimWrapper
    model = MODELS.build(dict(type='CWBASSSegmentor',
                              segmentor=tiny_segmentor_cfg))
    inputs, samples = make_semi_batch()
    poisoned = dict(
        inputs=dict(sup=list(inputs['sup'].mul(0).add(float('nan'))) +
                    [None, None],
                    unsup_teacher=[None, None] +
                    list(inputs['unsup_teacher'])),
        data_samples=dict(sup=samples['sup'] + [None, None],
                          unsup_teacher=[None, None] +
                          samples['unsup_teacher']))
    before = copy.deepcopy(model.student.state_dict())
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1))
    with pytest.raises(FloatingPointError,
                       match=r"iteration 1.*'sup.decode.loss_ce'"):
        model.train_step(copy.deepcopy(poisoned), optim)
    skipping = MODELS.build(dict(
        type='CWBASSSegmentor', segmentor=tiny_segmentor_cfg,
        semi_train_cfg=dict(nonfinite_loss='skip')))
    skipping.load_state_dict(model.state_dict())
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in skipping.parameters() if p.requires_grad], lr=0.1))
    log_vars = skipping.train_step(copy.deepcopy(poisoned), optim)
    assert log_vars['skipped_step'].item() == 1.0
    for key, value in skipping.student.state_dict().items():
        if value.is_floating_point() and 'running' not in key:
            assert torch.equal(value, before[key]), key


def with_diagnostic_masks(dataset_cfg, enabled):
    """The shipped semi configs' unlabeled loading: image + diagnostic mask."""
    dataset_cfg.diagnostic_masks = enabled
    pipeline = dataset_cfg.unlabeled.pipeline
    pipeline[:2] = [dict(type='LoadImageFromFile'),
                    dict(type='LoadDiagnosticMask')]
    pipeline[-1].unsup_teacher = [dict(type='PackSemiSegInputs')]
    return dataset_cfg


def test_diagnostic_masks_switch(workspace):
    dataset = DATASETS.build(with_diagnostic_masks(semi_dataset_cfg(), True))
    sample = dataset[len(dataset.labeled)]['data_samples']['unsup_teacher']
    # moved with the image by the geometric transforms
    assert tuple(sample.diag_sem_seg.data.shape[-2:]) == sample.img_shape
    assert 'gt_sem_seg' not in sample  # never a training target
    voc = workspace / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012'
    unlabeled = split_file(workspace, 'unlabeled').read_text().split()
    for img_id in unlabeled:  # unlabeled data without any mask file
        (voc / 'SegmentationClass' / f'{img_id}.png').unlink()
    with pytest.raises(FileNotFoundError,
                       match='diagnostic_masks=False'):
        DATASETS.build(with_diagnostic_masks(semi_dataset_cfg(), True))
    dataset = DATASETS.build(with_diagnostic_masks(semi_dataset_cfg(),
                                                   False))
    sample = dataset[len(dataset.labeled)]['data_samples']['unsup_teacher']
    assert 'diag_sem_seg' not in sample


def test_bad_pairs_and_unreadable_images_fail_when_the_dataset_is_built(
        workspace):
    voc = workspace / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012'
    first = split_file(workspace, 'labeled').read_text().split()[0]
    mask = voc / 'SegmentationClass' / f'{first}.png'
    with Image.open(mask) as m:
        m.resize((m.width, m.height - 2)).save(mask)
    with pytest.raises(
            ValueError,
            match=rf'{first}.jpg is 48x64 but its mask \S*{first}.png is '
            r'46x64'):
        DATASETS.build(semi_dataset_cfg())
    with Image.open(mask) as m:
        m.resize((m.width, m.height + 2)).save(mask)
    unlabeled = split_file(workspace, 'unlabeled').read_text().split()
    (voc / 'JPEGImages' / f'{unlabeled[0]}.jpg').write_bytes(b'')
    (voc / 'JPEGImages' / f'{unlabeled[1]}.jpg').write_bytes(b'garbage')
    with pytest.raises(ValueError) as info:
        DATASETS.build(semi_dataset_cfg())
    message = str(info.value)
    assert f'{unlabeled[0]}.jpg: the file is empty (0 bytes)' in message
    assert f'{unlabeled[1]}.jpg: not a readable image' in message


def test_pair_size_checked_again_when_loading():
    check = TRANSFORMS.build(dict(type='CheckSegMapValues', num_classes=6))
    results = dict(img=np.zeros((4, 5, 3), np.uint8), img_path='a.jpg',
                   gt_seg_map=np.zeros((4, 6), np.uint8),
                   seg_map_path='a.png')
    with pytest.raises(ValueError,
                       match='image a.jpg is 4x5 but its mask a.png is 4x6'):
        check(results)


def test_a_failing_sample_names_its_files(workspace, monkeypatch):
    dataset = DATASETS.build(semi_dataset_cfg())

    def boom(*args, **kwargs):
        raise KeyError('something deep in a transform')

    monkeypatch.setattr(dataset.labeled, 'prepare_data', boom)
    with pytest.raises(RuntimeError,
                       match=r'cannot load training sample \S+\.jpg \(mask '
                       r'\S+\.png\): KeyError'):
        dataset[(0, 123)]


def val_ids(root):
    voc = root / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012'
    return voc, (voc / 'ImageSets' / 'Segmentation' /
                 'val.txt').read_text().split()


@pytest.mark.parametrize('damage', ['garbage', 'empty', 'mask_size'])
def test_val_files_get_the_header_scan(workspace, damage):
    """A broken validation image or mask fails before training, naming the
    file (it used to fail at the first validation)."""
    cfg = Config.fromfile(CONFIG)
    check_input_files(cfg, phases=('train', 'val', 'test'))
    voc, ids = val_ids(workspace)
    image = voc / 'JPEGImages' / f'{ids[1]}.jpg'
    mask = voc / 'SegmentationClass' / f'{ids[1]}.png'
    if damage == 'garbage':
        image.write_bytes(b'not an image at all')
        match = rf'{ids[1]}.jpg: not a readable image'
    elif damage == 'empty':
        mask.write_bytes(b'')
        match = rf'{ids[1]}.png: the file is empty'
    else:
        with Image.open(mask) as m:
            m.resize((m.width + 2, m.height)).save(mask)
        match = rf'{ids[1]}.jpg is 48x64 but its mask'
    for phase in ('val', 'test'):
        with pytest.raises(DataConfigError, match=match) as info:
            check_input_files(cfg, phases=(phase, ))
        assert f'{phase}_dataloader.dataset' in str(info.value)
    check_input_files(cfg, phases=('train', ))  # train data are fine


def test_header_scan_unwraps_repeated_datasets(workspace):
    cfg = Config.fromfile(CONFIG)
    cfg.val_dataloader.dataset = dict(
        type='RepeatDataset', times=3, dataset=cfg.val_dataloader.dataset)
    check_input_files(cfg, phases=('val', ))
    voc, ids = val_ids(workspace)
    (voc / 'JPEGImages' / f'{ids[0]}.jpg').write_bytes(b'')
    with pytest.raises(DataConfigError,
                       match=r'val_dataloader.dataset.dataset .*1 files '
                       rf'cannot be read.*{ids[0]}.jpg: the file is empty'):
        check_input_files(cfg, phases=('val', ))


def test_header_scan_builds_in_the_runners_scope(workspace):
    """In a fresh process (no default scope yet, as in tools/train.py) the
    pipelines' transforms of ours (CheckSegMapValues) are found."""
    import subprocess
    import sys
    supervised = osp.join(REPO, 'configs', 'demo',
                          'supervised_r18-tiny_toy-voc_1-8.py')
    code = ('import mmseg_cwbass; from mmengine.config import Config; '
            'from mmseg_cwbass.datasets.checks import check_input_files; '
            f'check_input_files(Config.fromfile({supervised!r}), '
            "('train', 'val')); print('scanned')")
    proc = subprocess.run([sys.executable, '-c', code], cwd=str(workspace),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and 'scanned' in proc.stdout, \
        proc.stderr[-2000:]
