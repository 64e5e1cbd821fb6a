"""tools/train.py on bad input: non-zero exit, a message naming the culprit,
and nothing already written is lost."""
import hashlib
import os.path as osp
import shutil

import pytest
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')


def digest(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


@pytest.fixture(scope='module')
def good_run(copy_workspace, tmp_path_factory, run_cli, tiny_run_options):
    """A workspace and a work dir holding a good ``iter_2.pth``, trained
    once for the module; tests change copies (:func:`private_run`)."""
    root = tmp_path_factory.mktemp('good_run')
    copy_workspace(root / 'ws')
    run_cli('train', CONFIG, '--work-dir', root / 'work', '--cfg-options',
            *tiny_run_options(iters=2, checkpoint_interval=2),
            cwd=root / 'ws', check=True)
    return root


def private_run(good_run, tmp_path):
    """A copy of :func:`good_run`: workspace, work dir and checkpoint."""
    shutil.copytree(good_run, tmp_path, dirs_exist_ok=True)
    work = str(tmp_path / 'work')
    return tmp_path / 'ws', work, osp.join(work, 'iter_2.pth')


@pytest.mark.slow
def test_missing_resume_checkpoint_and_data_root(tmp_path, run_cli):
    proc = run_cli('train', CONFIG, '--resume', tmp_path / 'gone.pth',
                   cwd=tmp_path)
    assert proc.returncode == 2
    assert f'{tmp_path}/gone.pth does not exist' in proc.stderr
    proc = run_cli('train', CONFIG, cwd=tmp_path)  # no data/ here
    assert proc.returncode == 2
    assert 'data/toy/VOCdevkit/VOC2012' in proc.stderr
    assert 'does not exist' in proc.stderr


@pytest.mark.slow
def test_corrupt_image_and_exploding_loss_keep_the_checkpoint(
        good_run, tmp_path, run_cli, tiny_run_options):
    root, work, good = private_run(good_run, tmp_path)
    small = tiny_run_options(checkpoint_interval=2)
    good_digest = digest(good)

    # Same work dir, fresh run with lr=inf: iteration 1 steps to inf weights,
    # iteration 2's loss is NaN and must stop the run before its checkpoint
    # would overwrite the good iter_2.pth.
    proc = run_cli('train', CONFIG, '--work-dir', work, '--cfg-options',
                   'train_cfg.max_iters=4', 'optim_wrapper.optimizer.lr=inf',
                   *small, cwd=root)
    assert proc.returncode != 0
    assert 'FloatingPointError: non-finite loss at iteration 2' in \
        proc.stderr
    assert "'sup.decode.loss_ce'" in proc.stderr
    assert digest(good) == good_digest

    labeled = (root / 'data' / 'splits' / 'toy_voc' / '1-8' /
               'labeled.txt').read_text().split()
    image = root / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012' / \
        'JPEGImages' / f'{labeled[0]}.jpg'
    data = image.read_bytes()
    image.write_bytes(data[:len(data) // 2])
    proc = run_cli('train', CONFIG, '--work-dir', tmp_path / 'work2',
                   '--cfg-options', 'train_cfg.max_iters=4', *small, cwd=root)
    assert proc.returncode != 0
    assert 'failed to load image: ' in proc.stderr
    assert f'{labeled[0]}.jpg' in proc.stderr


@pytest.mark.slow
def test_misspelt_key_bad_pair_and_empty_image_keep_the_checkpoint(
        good_run, tmp_path, run_cli, tiny_run_options):
    root, work, good = private_run(good_run, tmp_path)
    good_digest = digest(good)
    rerun = ['train', CONFIG, '--work-dir', work, '--cfg-options',
             *tiny_run_options(iters=2, checkpoint_interval=2)]

    proc = run_cli(*rerun, 'model.semi_train_cfg.rampup_itres=10', cwd=root)
    assert proc.returncode != 0
    assert "unknown key 'rampup_itres' in model.semi_train_cfg; did you " \
        "mean 'rampup_iters'?" in proc.stderr
    assert digest(good) == good_digest

    voc = root / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012'
    labeled = (root / 'data' / 'splits' / 'toy_voc' / '1-8' /
               'labeled.txt').read_text().split()
    mask = voc / 'SegmentationClass' / f'{labeled[0]}.png'
    original = mask.read_bytes()
    with Image.open(mask) as m:
        m.resize((m.width + 3, m.height)).save(mask)
    proc = run_cli(*rerun, cwd=root)
    assert proc.returncode != 0
    assert f'JPEGImages/{labeled[0]}.jpg is 48x64 but its mask' in \
        proc.stderr
    assert f'SegmentationClass/{labeled[0]}.png is 48x67' in proc.stderr
    assert digest(good) == good_digest
    mask.write_bytes(original)

    unlabeled = (root / 'data' / 'splits' / 'toy_voc' / '1-8' /
                 'unlabeled.txt').read_text().split()
    (voc / 'JPEGImages' / f'{unlabeled[0]}.jpg').write_bytes(b'')
    proc = run_cli(*rerun, cwd=root)
    assert proc.returncode != 0
    assert f'JPEGImages/{unlabeled[0]}.jpg: the file is empty' in \
        proc.stderr
    assert digest(good) == good_digest


@pytest.mark.slow
def test_broken_val_image_fails_before_training(copy_workspace, tmp_path,
                                                run_cli, tiny_run_options):
    root = copy_workspace(tmp_path / 'ws')
    voc = root / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012'
    val = (voc / 'ImageSets' / 'Segmentation' / 'val.txt').read_text().split()
    (voc / 'JPEGImages' / f'{val[0]}.jpg').write_bytes(b'\xff\xd8 cut')
    work = tmp_path / 'work'
    proc = run_cli('train', CONFIG, '--work-dir', work, '--cfg-options',
                   *tiny_run_options(iters=2, checkpoint_interval=2),
                   cwd=root)
    assert proc.returncode == 2
    assert 'val_dataloader.dataset' in proc.stderr
    assert f'JPEGImages/{val[0]}.jpg: not a readable image' in proc.stderr
    assert not work.exists()  # nothing trained, nothing written
