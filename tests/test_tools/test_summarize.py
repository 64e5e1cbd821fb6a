# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""tools/analysis_tools/summarize.py on fake work dirs.

The fake work dirs follow what mmengine 0.10 writes (checked on a real run,
see tests/test_configs/test_train_configs.py): ``<work_dir>/<YYYYMMDD_HHMMSS>
/vis_data/scalars.json`` with one JSON object per line, training lines
``{"lr": ..., "loss": ..., "iter": 10, "step": 10}`` and validation lines
``{"teacher/mIoU": ..., "student/mIoU": ..., "step": 200}`` (plain
``"mIoU"`` for a supervised run), the dumped ``vis_data/config.py`` and a
copy of the config as ``<work_dir>/<config name>.py``.
"""
import ast
import json
import os.path as osp
import re
import sys

import pytest

from mmseg_cwbass.utils.work_dirs import read_scalars

R101 = dict(type='ResNetV1c', depth=101, num_stages=4,
            norm_cfg=dict(type='SyncBN', requires_grad=True))
R50 = dict(R101, depth=50)
VOC_18 = 'data/splits/pascal_voc/1-8/labeled.txt'


def semi_model(kind='CWBASSSegmentor', backbone=R101):
    return dict(
        type=kind,
        segmentor=dict(
            type='EncoderDecoder',
            pretrained='open-mmlab://resnet101_v1c',
            backbone=backbone,
            decode_head=dict(type='BoundaryAwareASPPHead', num_classes=21)))


def sup_model(backbone=R101):
    return dict(
        type='EncoderDecoder',
        pretrained='open-mmlab://resnet101_v1c',
        backbone=dict(backbone, norm_cfg=dict(type='BN')),
        decode_head=dict(type='DepthwiseSeparableASPPHead', num_classes=21))


def pipeline(crop):
    return [
        dict(type='LoadImageFromFile'),
        dict(type='RandomCrop', crop_size=crop),
        dict(type='PackSegInputs')
    ]


def write_config(path, model, split_file, max_iters, crop, split):
    if model.get('segmentor'):
        dataset = dict(
            type='SemiSegDataset',
            labeled=dict(
                type='PascalVOCDataset',
                ann_file=split_file,
                pipeline=pipeline(crop)),
            unlabeled=dict(
                type='PascalVOCDataset',
                ann_file=split_file.replace('labeled', 'unlabeled'),
                pipeline=pipeline(crop)))
    else:
        dataset = dict(
            type='PascalVOCDataset',
            ann_file=split_file,
            pipeline=pipeline(crop))
    train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
    text = (f'model = {model!r}\n'
            f'train_dataloader = {dict(dataset=dataset)!r}\n'
            f'train_cfg = {train_cfg!r}\n'
            f'split = {split!r}\n'
            f'custom_imports = {dict(imports=["not_importable_here"])!r}\n')
    with open(path, 'w') as f:
        f.write(text)


def make_run(root, name, model, lines, *, split_file=VOC_18,
             max_iters=200, crop=(321, 321), split='1-8',
             sessions=('20250101_000000', )):
    """A work dir with one ``scalars.json`` per session (``lines`` is a list
    per session)."""
    work = root / name
    work.mkdir()
    if lines and not isinstance(lines[0], list):
        lines = [lines]
    for session, session_lines in zip(sessions, lines):
        vis = work / session / 'vis_data'
        vis.mkdir(parents=True)
        (vis / 'scalars.json').write_text(''.join(
            (line if isinstance(line, str) else json.dumps(line)) + '\n'
            for line in session_lines))
        write_config(vis / 'config.py', model, split_file, max_iters, crop,
                     split)
    write_config(work / f'{name}.py', model, split_file, max_iters, crop,
                 split)
    return str(work)


def train(it):
    return {'lr': 0.01, 'loss': 1.2, 'iter': it, 'step': it}


def semi_val(step, teacher, student):
    return {'teacher/mIoU': teacher, 'student/mIoU': student,
            'teacher/aAcc': 90.0, 'step': step}


def sup_val(step, miou):
    return {'mIoU': miou, 'aAcc': 90.0, 'step': step}


def cells(table, first=None):
    """Cells of the table rows (the header first), whitespace stripped;
    with ``first``, only the row whose first cell is ``first``. prettytable
    pads cells to the column width; an escaped ``\\|`` is not a border."""
    rows = [[c.strip() for c in re.split(r'(?<!\\)\|', line)[1:-1]]
            for line in table.splitlines() if line.startswith('| ')]
    if first is None:
        return rows
    return next(row for row in rows if row[0] == first)


def write_meta(root, split_file=VOC_18, **meta):
    folder = root / osp.dirname(split_file)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'split_meta.json').write_text(json.dumps(meta))


@pytest.fixture(scope='module')
def S(load_tool):
    """The tool: work dirs, baselines, the table, the command line."""
    return load_tool('analysis_tools/summarize')


# --------------------------------------------------------------------------
def test_reads_sessions_in_order_and_skips_broken_lines(tmp_path, S):
    work = make_run(
        tmp_path, 'run', semi_model(),
        [[train(1), semi_val(100, 50.0, 49.0)],
         [train(101), '{"loss": 1.0, "it', semi_val(200, 55.5, 56.0)]],
        sessions=('20250101_000000', '20250102_000000'))
    records, bad = read_scalars(work)
    assert bad == 1
    assert [r.get('step') for r in records] == [1, 100, 101, 200]
    run = S.summarize_run(work, roots=[str(tmp_path)])
    assert run.last_iter == 101
    assert run.metrics['teacher/mIoU'] == S.MetricSeries(55.5, 200, 55.5,
                                                         200)
    assert run.metrics['student/mIoU'].best == 56.0
    assert any('malformed' in n for n in run.notes)


def test_run_facts_from_the_dumped_config(tmp_path, S):
    write_meta(tmp_path, seed=3, source=dict(type='generated'),
               counts=dict(labeled=1323), files={'labeled.txt': 'abc'})
    work = make_run(tmp_path, 'deeplabv3plus_r101_voc_1-8', semi_model(),
                    [train(1), semi_val(10, 60.0, 61.0),
                     semi_val(20, 58.0, 62.5)], crop=(321, 321))
    run = S.summarize_run(work, roots=[str(tmp_path)])
    assert run.config_name == 'deeplabv3plus_r101_voc_1-8'
    assert run.method == 'CW-BASS'
    assert run.dataset == 'PascalVOCDataset'
    assert run.split_file == VOC_18 and run.split_name == '1-8'
    assert run.split_detail == 'seed 3, 1,323 labeled'
    assert run.split_sha256 == 'abc'
    assert run.backbone == 'ResNetV1c-101'
    assert run.crop == (321, 321)
    assert run.max_iters == 200
    teacher = run.metrics['teacher/mIoU']
    assert (teacher.best, teacher.best_step, teacher.last,
            teacher.last_step) == (60.0, 10, 58.0, 20)
    assert run.metrics['student/mIoU'].last == 62.5


def test_converted_split_and_missing_meta(tmp_path, S):
    write_meta(
        tmp_path,
        seed=None,
        source=dict(type='converted', labeled_file='/dl/u2pl/1323.txt',
                    labeled_sha256='0123456789abcdef'),
        counts=dict(labeled=1323))
    run = S.summarize_run(
        make_run(tmp_path, 'a', semi_model(), [semi_val(1, 1.0, 1.0)]),
        roots=[str(tmp_path)])
    assert run.split_detail == ('converted 1323.txt (sha256 01234567), '
                                '1,323 labeled')
    other = S.summarize_run(
        make_run(tmp_path, 'b', semi_model(), [semi_val(1, 1.0, 1.0)],
                 split_file='elsewhere/x/labeled.txt'),
        roots=[str(tmp_path)])
    assert other.split_detail == 'no split_meta.json found'
    assert other.split_name == '1-8'


@pytest.mark.parametrize('backbone,name', [
    (dict(type='ResNetV1c', depth=50), 'ResNetV1c-50'),
    (dict(type='ResNetV1c', depth=18, base_channels=16),
     'ResNetV1c-18 (width 16)'),
    (dict(type='MobileNetV2', widen_factor=1.), 'MobileNetV2 x1.0'),
    (dict(type='MixVisionTransformer', embed_dims=32,
          num_layers=[2, 2, 2, 2]), 'MiT-b0'),
    # No name table for variants no config uses: the size is shown.
    (dict(type='MixVisionTransformer', embed_dims=64,
          num_layers=[3, 4, 6, 3]), 'MiT (embed_dims=64)'),
    (dict(type='MixVisionTransformer', embed_dims=16,
          num_layers=[2, 2, 2, 2]), 'MiT (embed_dims=16)'),
    (dict(type='SwinTransformer', embed_dims=96, depths=[2, 2, 6, 2]),
     'SwinTransformer (embed_dims=96)'),
    (dict(type='HRNet'), 'HRNet'),
])
def test_backbone_names(backbone, name, S):
    assert S.backbone_name(backbone) == name


def test_baselines_are_matched_on_split_and_backbone(tmp_path, S):
    roots = [str(tmp_path)]
    write_meta(tmp_path, seed=0, files={'labeled.txt': 'same'})
    runs = [
        S.summarize_run(make_run(tmp_path, n, m, v, **kw), roots)
        for n, m, v, kw in [
            ('cw', semi_model(), [semi_val(200, 70.0, 71.0)], {}),
            ('mt', semi_model('MeanTeacherSegmentor'),
             [semi_val(200, 68.0, 67.0)], {}),
            ('cw_r50', semi_model(backbone=R50),
             [semi_val(200, 60.0, 61.0)], {}),
            ('sup_short', sup_model(), [sup_val(100, 64.0)],
             dict(max_iters=100)),
            ('sup', sup_model(), [sup_val(100, 65.0),
                                  sup_val(200, 64.5)], {}),
            ('sup_other_split', sup_model(), [sup_val(200, 80.0)],
             dict(split_file='data/splits/pascal_voc/1-4/labeled.txt')),
        ]
    ]
    S.match_baselines(runs)
    by_name = {r.config_name: r for r in runs}
    # Same split and backbone; the same schedule is preferred.
    assert by_name['cw'].baseline is by_name['sup']
    assert by_name['mt'].baseline is by_name['sup']
    assert by_name['cw_r50'].baseline is None
    assert by_name['sup'].baseline is None

    table = S.format_table(runs)
    rows = [line for line in table.splitlines() if line.startswith('| ')]
    assert cells(table)[0][:3] == ['config', 'method', 'split list']
    names = [r.split('|')[1].strip() for r in rows[1:]]
    # Grouped by split and backbone, supervised first.
    assert names.index('sup') < names.index('mt') < names.index('cw')
    cw_cells = [c.strip() for c in rows[1 + names.index('cw')].split('|')]
    assert cw_cells[7] == '70.00 / 71.00'
    assert cw_cells[9] == '65.00 (sup)'
    assert cw_cells[10] == '+5.00'
    sup_cells = [c.strip() for c in rows[1 + names.index('sup')].split('|')]
    assert sup_cells[7:9] == ['65.00', '64.50']
    assert sup_cells[9:11] == ['-', '-']
    r50 = [c.strip() for c in rows[1 + names.index('cw_r50')].split('|')]
    assert r50[9:11] == ['none given', 'n/a']
    student = S.format_table(runs, metric='student')
    assert cells(student, 'cw')[9] == '+6.00' and 'gain (student)' in student


def test_same_split_by_hash_when_paths_differ(tmp_path, S):
    write_meta(tmp_path, files={'labeled.txt': 'h1'})
    write_meta(tmp_path, split_file='other/1-8/labeled.txt',
               files={'labeled.txt': 'h1'})
    roots = [str(tmp_path)]
    cw = S.summarize_run(
        make_run(tmp_path, 'cw', semi_model(), [semi_val(1, 2.0, 2.0)]),
        roots)
    sup = S.summarize_run(
        make_run(tmp_path, 'sup', sup_model(), [sup_val(1, 1.0)],
                 split_file='other/1-8/labeled.txt'), roots)
    S.match_baselines([cw, sup])
    assert cw.baseline is sup


def test_unreadable_configs_and_unfinished_runs(tmp_path, S):
    work = make_run(tmp_path, 'a|b', semi_model(), [train(1)])
    dumped = tmp_path / 'a|b' / '20250101_000000' / 'vis_data' / 'config.py'
    dumped.write_text('model = dict(\n')  # a truncated dump
    run = S.summarize_run(work, roots=[str(tmp_path)])
    # The copy in the work dir is used instead.
    assert run.method == 'CW-BASS' and run.max_iters == 200
    assert any('config.py unreadable' in n for n in run.notes)
    (tmp_path / 'a|b' / 'a|b.py').write_text('model = dict(\n')
    run = S.summarize_run(work, roots=[str(tmp_path)])
    assert run.method == 'unknown'
    table = S.format_table([run])
    # Still a row; no metric yet; a '|' in a name does not split cells.
    assert 'a\\|b' in table
    assert cells(table, 'a\\|b')[5] == '1 / n/a'
    assert '- a|b: a|b.py unreadable (SyntaxError)' in table


def test_discover_work_dirs(tmp_path, S):
    parent = tmp_path / 'work_dirs'
    parent.mkdir()
    a = make_run(parent, 'a', semi_model(), [semi_val(1, 1.0, 1.0)])
    b = make_run(parent, 'b', sup_model(), [sup_val(1, 1.0)])
    (parent / 'not_a_run').mkdir()
    assert S.discover_work_dirs([str(parent)]) == [a, b]
    assert S.discover_work_dirs([b, str(parent)]) == [b, a]
    with pytest.raises(FileNotFoundError):
        S.discover_work_dirs([str(tmp_path / 'missing')])


def test_summarize_imports_only_the_standard_library(S):
    with open(S.__file__) as f:
        tree = ast.parse(f.read())
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top |= {a.name.split('.')[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top.add(node.module.split('.')[0])
    allowed = set(sys.stdlib_module_names) | {'__future__'}
    assert top <= allowed, top


def test_cli(tmp_path, run_cli):
    parent = tmp_path / 'work_dirs'
    parent.mkdir()
    make_run(parent, 'cw', semi_model(), [semi_val(5, 50.0, 52.0)])
    make_run(parent, 'sup', sup_model(), [sup_val(5, 45.0)])
    out = tmp_path / 'table.md'
    proc = run_cli('analysis_tools/summarize', parent, '--root', tmp_path,
                   '--out', out)
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout
    assert printed == out.read_text()
    assert cells(printed, 'cw')[9] == '+5.00'
    proc = run_cli('analysis_tools/summarize',
                   tmp_path / 'empty_dir_missing')
    assert proc.returncode == 1
    (tmp_path / 'empty').mkdir()
    proc = run_cli('analysis_tools/summarize', tmp_path / 'empty')
    assert proc.returncode == 1
    assert 'no work dir' in proc.stderr
