# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The CPU demo (tools/misc/demo.py over tools/misc/demo_utils.py): a smoke
run of the CLI with a few iterations on a tiny toy dataset, reuse of
prepared data and finished runs, the bench, and the fairness of the demo
configs (supervised, Mean Teacher and CW-BASS share everything but the
method)."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from PIL import Image

from mmseg_cwbass.testing import toy_data

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_DATA = dict(num_train=32, num_val=3, image_size=(48, 64))
TINY_ARGS = ['--num-train', '32', '--num-val', '3', '--image-size', '48',
             '64']
SMOKE_ARGS = TINY_ARGS + ['--iters', '4', '--val-interval', '2',
                          '--log-interval', '1', '--grid-images', '2']
CLASSES = list(toy_data.TOY_CLASSES)


@pytest.fixture(scope='module')
def D(load_tool):
    """``tools/misc/demo_utils.py``, the demo's building blocks."""
    return load_tool('misc/demo_utils')


@pytest.fixture(scope='module')
def demo(run_cli):
    """Run the demo like a user: (exit status, stdout lines, stderr)."""

    def run(*args):
        proc = run_cli('misc/demo', *args, timeout=1200)
        return proc.returncode, proc.stdout.splitlines(), proc.stderr

    return run


def read_scalars(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'demo', name))


def segmentor(cfg):
    return cfg.model.get('segmentor', cfg.model)


# --------------------------------------------------------------------------
# configs: the comparison is fair
# --------------------------------------------------------------------------
def test_demo_configs_share_model_schedule_and_labeled_data(D):
    cfgs = {n: load(D.RUNS[n].config)
            for n in ('supervised', 'mean_teacher', 'cwbass')}

    def facts(cfg):
        seg = segmentor(cfg)
        dataset = cfg.train_dataloader.dataset
        labeled = dataset.get('labeled', dataset)
        head = seg.decode_head.to_dict()
        for key in ('type', 'loss_boundary', 'boundary_on',
                    'boundary_branch'):
            head.pop(key, None)
        return dict(
            max_iters=cfg.train_cfg.max_iters,
            val_interval=cfg.train_cfg.val_interval,
            optimizer=cfg.optim_wrapper.optimizer.to_dict(),
            paramwise=cfg.optim_wrapper.paramwise_cfg.to_dict(),
            schedulers=[s.to_dict() for s in cfg.param_scheduler],
            labeled=labeled.ann_file,
            labeled_masks=labeled.data_prefix.to_dict(),
            labeled_pipeline=[
                t.to_dict() for t in labeled.pipeline
                if t.type not in ('MultiBranch', 'PackSegInputs')
            ],
            labeled_per_iteration=(cfg.train_dataloader.sampler.source_ratio[0]
                                   if 'labeled' in dataset else
                                   cfg.train_dataloader.batch_size),
            val=cfg.val_dataloader.dataset.to_dict(),
            evaluator=[e.to_dict() for e in cfg.val_evaluator],
            backbone=seg.backbone.to_dict(),
            head=head,
            preprocessor=seg.data_preprocessor.to_dict(),
            pretrained=seg.get('pretrained'),
            seed=cfg.randomness.seed)

    reference = facts(cfgs['cwbass'])
    for name in ('supervised', 'mean_teacher'):
        assert facts(cfgs[name]) == reference, name
    # The model is plain mmseg for the supervised run, the same network
    # (inference-identical head) inside the teacher/student wrappers.
    assert cfgs['supervised'].model.type == 'EncoderDecoder'
    assert segmentor(cfgs['supervised']).decode_head.type == \
        'DepthwiseSeparableASPPHead'
    assert cfgs['cwbass'].model.type == 'CWBASSSegmentor'
    assert cfgs['mean_teacher'].model.type == 'MeanTeacherSegmentor'
    assert cfgs['mean_teacher'].model.pseudo_threshold == 0.95
    assert [e.type for e in cfgs['cwbass'].val_evaluator] == [
        'IoUMetric', 'BoundaryIoUMetric'
    ]
    # Both semi-supervised methods share the teacher and the ramp-up (the
    # threshold and decay hooks are CW-BASS's own).
    cwbass_only = ('DynamicThresholdHook', 'ConfidenceDecayHook')
    assert cfgs['mean_teacher'].custom_hooks == [
        h for h in cfgs['cwbass'].custom_hooks if h.type not in cwbass_only
    ]
    assert cfgs['mean_teacher'].model.semi_train_cfg == \
        cfgs['cwbass'].model.semi_train_cfg
    # Paths the tests' toy workspace relies on.
    cw = cfgs['cwbass']
    assert cw.train_dataloader.dataset.labeled.ann_file == \
        'data/splits/toy_voc/1-8/labeled.txt'
    assert cw.val_dataloader.dataset.data_root == \
        'data/toy/VOCdevkit/VOC2012'
    assert segmentor(cw).decode_head.num_classes == 6


def test_run_config_asks_the_val_loop_for_per_class_values(D, tmp_path):
    data = D.prepare_demo_data(str(tmp_path / 'data'), log=lambda m: None,
                               **TINY_DATA)
    cfg = D.build_run_config(D.RUNS['cwbass'], data, str(tmp_path / 'w'),
                             iters=30, val_interval=500)
    assert [(m.type, m.get('classwise')) for m in cfg.val_evaluator] == [
        ('ClasswiseIoUMetric', None), ('BoundaryIoUMetric', True)]
    assert cfg.train_cfg.val_interval == 30  # capped: the last is validated
    assert cfg.default_hooks.checkpoint.save_best is None
    assert cfg.train_dataloader.dataset.unlabeled.ann_file == osp.join(
        data.split_dir, 'unlabeled.txt')
    everything = D.build_run_config(D.RUNS['supervised_all'], data,
                                    str(tmp_path / 'w'))
    assert everything.train_dataloader.dataset.ann_file == \
        data.image_list('train')


def test_grid_arrays_of_the_demo_teacher(D):
    """The grid's confidence, band and threshold of one val image, from the
    demo's CW-BASS model, against values computed here by hand."""
    cfg = load(D.RUNS['cwbass'].config)
    model = MODELS.build(cfg.model)
    # Classes 0 | 1 split between columns 2 and 3 of a 6 x 6 map; the
    # winner's logit is log(2) over 5 zeros (6 classes): confidence
    # 2 / (2 + 5) = 2/7, right half log(20): 20 / 25.
    logits = torch.zeros(6, 6, 6)
    logits[0, :, :3] = np.log(2.0)
    logits[1, :, 3:] = np.log(20.0)
    out = SegDataSample(seg_logits=PixelData(data=logits),
                        pred_sem_seg=PixelData(data=logits.argmax(0)[None]))
    model.threshold.last_tau.fill_(0.123)
    arrays = D.FinalValCapture._arrays(model, out, 'teacher')
    left, right = 2 / 7, 20 / 25
    confidence = np.full((6, 6), left, np.float32)
    confidence[:, 3:] = right
    np.testing.assert_allclose(arrays['confidence'], confidence, rtol=1e-6)
    assert arrays['pred'].tolist() == [[0, 0, 0, 1, 1, 1]] * 6
    # The demo config's zero padding: the whole border is band; inside,
    # the two columns next to the change are; columns 1 and 4 of rows
    # 1-4 are not.
    band = np.ones((6, 6), bool)
    band[1:5, 1] = band[1:5, 4] = False
    assert np.array_equal(arrays['band'], band)
    # The reference threshold on this image's mean confidence m = 0.54286:
    # tau = clamp(0.6 * sigmoid(0.5 * (m - 0.5)), 0.3, 0.8) = 0.30321,
    # above the left half's 2/7 and below the right half's 0.8.
    m = (left + right) / 2
    tau = min(max(0.6 / (1 + np.exp(-0.5 * (m - 0.5))), 0.3), 0.8)
    assert arrays['tau'] == pytest.approx(tau, rel=1e-6)
    assert tau == pytest.approx(0.30321, abs=1e-5)
    assert arrays['below_tau'].tolist() == [[True] * 3 + [False] * 3] * 6
    # The logged threshold of the run is left as it was.
    assert torch.all(model.threshold.last_tau == 0.123)


# --------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------
def test_prepare_reuses_data_and_split(D, tmp_path, monkeypatch):
    lines = []
    data = D.prepare_demo_data(str(tmp_path / 'data'), log=lines.append,
                               **TINY_DATA)
    assert data.generated and data.split_status == 'written'
    assert data.num_labeled == 4 and data.num_unlabeled == 28
    assert data.voc_root == str(tmp_path / 'data' / 'toy' / 'VOCdevkit' /
                                'VOC2012')
    assert data.split_dir == str(tmp_path / 'data' / 'splits' / 'toy_voc' /
                                 '1-8')
    meta = osp.join(data.voc_root, toy_data.META_FILE)
    labeled = osp.join(data.split_dir, 'labeled.txt')
    image = osp.join(data.voc_root, 'JPEGImages', 'train_000000.jpg')
    stamps = [os.stat(p).st_mtime_ns for p in (meta, labeled, image)]
    split_meta = json.load(open(osp.join(data.split_dir, 'split_meta.json')))
    assert split_meta['generator'] == 'tools/make_splits.py'
    assert split_meta['counts']['labeled'] == 4

    def boom(*args, **kwargs):
        raise AssertionError('the toy data was generated again')

    monkeypatch.setattr(toy_data, 'render_voc_sample', boom)
    again = D.prepare_demo_data(str(tmp_path / 'data'), log=lines.append,
                                **TINY_DATA)
    assert not again.generated and again.split_status == 'unchanged'
    assert [os.stat(p).st_mtime_ns for p in (meta, labeled, image)] == stamps
    assert any('reused' in line for line in lines)
    # No staging folder is left next to the split.
    assert os.listdir(osp.dirname(data.split_dir)) == ['1-8']


def test_a_failing_split_tool_is_reported(D, tmp_path, monkeypatch):
    monkeypatch.setattr(D, 'MAKE_SPLITS', str(tmp_path / 'missing.py'))
    with pytest.raises(RuntimeError, match='missing.py.*failed'):
        D.prepare_demo_data(str(tmp_path / 'data'), log=lambda m: None,
                            **TINY_DATA)


# --------------------------------------------------------------------------
# smoke run of the demo
# --------------------------------------------------------------------------
@pytest.fixture(scope='module')
def demo_run(tmp_path_factory, demo):
    root = tmp_path_factory.mktemp('demo')
    status, lines, err = demo('--out', str(root / 'out'), '--data-dir',
                                 str(root / 'data'), *SMOKE_ARGS)
    assert status == 0, err[-3000:]
    with open(root / 'out' / 'summary.json') as f:
        summary = json.load(f)
    return root, summary, lines


@pytest.mark.slow
def test_demo_writes_summary_figures_and_table(D, demo_run):
    root, summary, lines = demo_run
    out = root / 'out'
    stored = summary
    assert stored['table'] in '\n'.join(lines)
    assert set(stored['runs']) == {'supervised', 'cwbass_strong'}
    for name, run in stored['runs'].items():
        for key in ('mIoU', 'mBIoU', 'per_class_IoU', 'per_class_BIoU',
                    'iterations', 'wall_time_s', 'labeled_images', 'label',
                    'config', 'evaluated'):
            assert key in run, (name, key)
        assert run['iterations'] == 4 and run['reused'] is False
        assert list(run['per_class_IoU']) == CLASSES
        assert 0 <= run['mIoU'] <= 100 and 0 <= run['mBIoU'] <= 100
        assert run['labeled_images'] == 4
        assert osp.isfile(run['scalars'])
        # The per-class values come from the same evaluation as the mean.
        ious = [v for v in run['per_class_IoU'].values() if v is not None]
        assert np.mean(ious) == pytest.approx(run['mIoU'], abs=0.01)
    assert stored['runs']['supervised']['evaluated'] == 'model'
    assert stored['runs']['supervised']['unlabeled_images'] == 0
    cw = stored['runs']['cwbass_strong']
    assert cw['evaluated'] == 'teacher' and cw['unlabeled_images'] == 28
    assert set(cw['student']) >= {'mIoU', 'mBIoU', 'per_class_IoU'}
    # The reported evaluation is what mmengine's val loop logged at the
    # last iteration (same model, data and metrics).
    records = read_scalars(cw['scalars'])
    last = [r for r in records if 'teacher/mIoU' in r][-1]
    assert last['step'] == 4
    assert last['teacher/mIoU'] == pytest.approx(cw['mIoU'], abs=0.01)
    assert last['teacher/mBIoU'] == pytest.approx(cw['mBIoU'], abs=0.01)
    assert last['student/mIoU'] == pytest.approx(cw['student']['mIoU'],
                                                 abs=0.01)
    assert last['teacher/IoU.bottle'] == pytest.approx(
        cw['per_class_IoU']['bottle'], abs=0.01)
    assert any('unsup.tau' in r and 'unsup.kept_ratio' in r
               for r in records)
    # The grid's arrays of the first two val images, from that validation.
    with np.load(out / 'cwbass_strong' / D.GRID_FILE) as npz:
        assert {k.rsplit('/', 1)[0] for k in npz.files} == {
            'teacher/val_000000', 'teacher/val_000001'}
        assert npz['teacher/val_000000/band'].shape == (48, 64)
        assert 0 < npz['teacher/val_000000/confidence'].min() <= 1

    for name in ('demo_grid.png', 'demo_curves.png'):
        path = out / name
        assert stored['files'][name.split('_')[1][:-4]] == str(path)
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            assert img.format == 'PNG' and min(img.size) > 100

    text = '\n'.join(lines)
    assert '| mIoU' in text and '| mBIoU' in text
    assert 'CW-BASS 1/8 + strong view (teacher)' in text
    assert 'CW-BASS 1/8 + strong view (student)' in text
    assert 'IoU bottle' in text and 'Supervised 1/8' in text
    # The last lines say where the outputs are.
    assert 'summary.json' in lines[-4] and 'demo_grid.png' in lines[-3]
    assert 'demo_curves.png' in lines[-2]


@pytest.mark.slow
def test_second_demo_reuses_data_and_finished_runs(demo_run, demo):
    root, summary, _ = demo_run
    meta = root / 'data' / 'toy' / 'VOCdevkit' / 'VOC2012' / \
        toy_data.META_FILE
    checkpoints = sorted((root / 'out').glob('*/iter_4.pth'))
    assert len(checkpoints) == 2
    stamps = [os.stat(p).st_mtime_ns for p in [meta] + checkpoints]
    status, lines, err = demo('--out', str(root / 'out'), '--data-dir',
                              str(root / 'data'), '--reuse', *SMOKE_ARGS)
    assert status == 0, err[-3000:]
    # Neither generated nor trained again.
    assert [os.stat(p).st_mtime_ns for p in [meta] + checkpoints] == stamps
    assert not any('Iter(train)' in line for line in lines)
    assert sum('reusing the finished run' in line for line in lines) == 2
    with open(root / 'out' / 'summary.json') as f:
        again = json.load(f)
    assert again['table'] == summary['table']
    assert not again['data']['generated_now']
    assert all(run['reused'] for run in again['runs'].values())


# --------------------------------------------------------------------------
# bench
# --------------------------------------------------------------------------
def fake_run(miou, seed, student=None):
    return dict(mIoU=miou, mBIoU=miou / 2, seed=seed, labeled_images=25,
                unlabeled_images=175 if student else 0, wall_time_s=10.0,
                evaluated='teacher' if student else 'model',
                student=None if student is None else dict(mIoU=student))


def test_bench_table_mean_and_std(D):
    bench = dict(methods=dict(
        supervised=dict(label='Supervised 1/8', runs=[
            fake_run(50.0, 0), fake_run(52.0, 1), fake_run(54.0, 2)]),
        cwbass=dict(label='CW-BASS 1/8', runs=[
            fake_run(60.0, 0, 58.0), fake_run(60.0, 1, 60.0),
            fake_run(60.0, 2, 62.0)])))
    table = D.format_bench_table(bench)
    rows = table.splitlines()
    assert rows[0].startswith('| method') and len(rows) == 4
    assert '52.00 ± 2.00' in rows[2] and '26.00 ± 1.00' in rows[2]
    assert '60.00 ± 0.00' in rows[3] and 'teacher' in rows[3]
    assert '60.00 ± 2.00' in rows[3]  # student column
    assert '0 1 2' in rows[2]


def test_paired_differences_to_supervised_by_seed(D):
    # per seed: 10 - 0, 9 - 2, 14 - 4 -> 10, 7, 10: mean 9, std sqrt(3)
    bench = dict(methods=dict(
        supervised=dict(label='Supervised 1/8', runs=[
            fake_run(50.0, 0), fake_run(52.0, 1), fake_run(54.0, 2)]),
        fixmatch=dict(label='FixMatch 1/8', runs=[
            fake_run(60.0, 0, 1.0), fake_run(59.0, 1, 1.0),
            fake_run(64.0, 2, 1.0)])))
    rows = D.format_paired_table(bench).splitlines()
    assert len(rows) == 3 and 'FixMatch 1/8' in rows[2]
    assert '9.00 ± 1.73' in rows[2]  # mIoU
    assert '4.50 ± 0.87' in rows[2]  # mBIoU = mIoU / 2
    assert set(D.METHOD_BENCH_RUNS) <= set(D.RUNS)


@pytest.mark.slow
def test_bench_runs_in_worker_processes(tmp_path, demo):
    status, lines, err = demo(
        '--bench', '--out', str(tmp_path / 'out'), '--data-dir',
        str(tmp_path / 'data'), '--seeds', '0', '1', '--methods',
        'supervised', '--iters', '2', '--jobs', '2', *TINY_ARGS)
    assert status == 0, err[-3000:]
    bench = json.loads((tmp_path / 'out' / 'bench.json').read_text())
    runs = bench['methods']['supervised']['runs']
    assert [r['seed'] for r in runs] == [0, 1]
    assert all(r['iterations'] == 2 for r in runs)
    text = (tmp_path / 'out' / 'bench.md').read_text()
    assert bench['table'] in text and '±' in text
    assert bench['seeds'] == [0, 1]
    # Each run's mmengine output went to its own log file.
    log = (tmp_path / 'out' / 'bench' / 'supervised_s1.log').read_text()
    assert 'Iter(train)' in log
    assert 'bench.md' in lines[-3]


def test_cli_rejects_bad_arguments(demo):
    status, _, err = demo('--iters', '0')
    assert status == 2 and '--iters' in err
