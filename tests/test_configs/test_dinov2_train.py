# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""What a user sees with DINOv2: the CW-BASS DINOv2 config, shrunk (a tiny
random-init DINOv2 in a leaf config that inherits the real one, crop 56,
2 + 2 images, 2 iterations), trains, draws its pseudo-labels and evaluates
through ``tools/train.py`` and through mmseg's stock ``tools/train.py`` +
``tools/test.py``; the
teacher exported by ``tools/model_converters/export_model.py`` runs in
stock ``MMSegInferencer`` on an image whose size is not a multiple of 14.
Data: toy VOC in the real layout (prepare_voc_aug, make_splits)."""
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

import mmseg
import pytest
from mmengine.config import Config

from mmseg_cwbass.datasets import split_lists
from mmseg_cwbass.testing.toy_data import generate_toy_voc

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STOCK_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')
CONFIG = osp.join(REPO, 'configs', 'cwbass', 'dinov2-b_dpt_voc_1-8.py')
TINY = '''
_base_ = [{config!r}]
# A tiny DINOv2 (4 blocks of width 24) and DPT head, random init.
model = dict(
    segmentor=dict(
        backbone=dict(
            arch=dict(_delete_=True, embed_dims=24, num_layers=4,
                      num_heads=2),
            out_indices=(0, 1, 2, 3)),
        decode_head=dict(
            in_channels=(24, 24, 24, 24), embed_dims=24, channels=8,
            post_process_channels=[8, 8, 8, 8])))
'''


@pytest.fixture(scope='module')
def workspace(tmp_path_factory, load_tool, tiny_run_options):
    root = tmp_path_factory.mktemp('dinov2_ws')
    voc = generate_toy_voc(
        str(root / 'data'), num_train=8, num_val=2, num_aug=8,
        image_size=(48, 64), seed=0)
    assert load_tool('dataset_converters/prepare_voc_aug').main([voc]) == 0
    make_splits = load_tool('make_splits')
    split_lists.write_split(make_splits.make_split('pascal_voc', voc, '1-8', seed=0),
                  str(root / 'data' / 'splits'))
    config = root / 'tiny_dinov2_voc_1-8.py'
    config.write_text(TINY.format(config=CONFIG))
    cfg = Config.fromfile(str(config))
    options = tiny_run_options(cfg, iters=2, val_interval=2,
                               checkpoint_interval=2)
    # Draw the pseudo-label panels at every step.
    [hook] = [i for i, h in enumerate(cfg.custom_hooks)
              if h.type == 'PseudoLabelVisualizationHook']
    options.append(f'custom_hooks.{hook}.interval=1')
    return dict(root=root, config=str(config), options=options,
                store=str(root / 'trusted.txt'), image=voc +
                '/JPEGImages/' + sorted(os.listdir(voc + '/JPEGImages'))[0])


def run(args, ws):
    env = dict(os.environ, MMSEG_CWBASS_TRUST_STORE=ws['store'],
               PYTHONUNBUFFERED='1')
    env.pop('MMSEG_CWBASS_TRUST_CHECKPOINTS', None)
    proc = subprocess.run([sys.executable] + args, cwd=str(ws['root']),
                          env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def scalars(work_dir):
    records = []
    for session in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, session, 'vis_data', 'scalars.json')
        if osp.isfile(path):
            with open(path) as f:
                records += [json.loads(line) for line in f]
    return records


@pytest.mark.slow
def test_train_export_and_infer(workspace, tmp_path):
    ws = workspace
    work = str(tmp_path / 'ours')
    run([osp.join(REPO, 'tools', 'train.py'), ws['config'], '--work-dir',
         work, '--cfg-options'] + ws['options'], ws)
    records = scalars(work)
    train_logs = [r for r in records if 'iter' in r]
    assert [r['iter'] for r in train_logs] == [1, 2]
    assert {'sup.decode.loss_ce', 'unsup.loss_cw', 'unsup.loss_boundary',
            'unsup.tau'} <= set(train_logs[-1])
    [val] = [r for r in records if 'iter' not in r]
    assert {'teacher/mIoU', 'student/mIoU'} <= set(val)
    checkpoint = osp.join(work, 'iter_2.pth')
    assert osp.isfile(checkpoint)
    # The pseudo-label pictures work unchanged.
    drawn = [f for _, _, files in os.walk(work) for f in files
             if f.startswith('pseudo_label_0')]
    assert len(drawn) == 2, drawn

    # Export the teacher; the plain config keeps custom_imports for the
    # backbone module alone and says so.
    out_dir = str(tmp_path / 'exported')
    out = run([osp.join(REPO, 'tools', 'model_converters',
                        'export_model.py'), ws['config'], checkpoint,
               out_dir, '--name', 'tiny'], ws)
    plain = Config.fromfile(osp.join(out_dir, 'tiny.py'),
                            import_custom_modules=False)
    assert plain.custom_imports.imports == [
        'mmseg_cwbass.models.backbones.dinov2']
    assert plain.model.type == 'EncoderDecoder'
    assert plain.model.backbone.type == 'DINOv2'
    assert 'custom_imports keeps its module ' \
        'mmseg_cwbass.models.backbones.dinov2 alone' in out
    with open(osp.join(out_dir, 'tiny.py')) as f:
        assert '# custom_imports keeps mmseg_cwbass.models.backbones.dinov2' \
            in f.read()

    # Stock MMSegInferencer on a 48x64 image (not a multiple of 14).
    script = textwrap.dedent(f'''
        import sys
        from mmseg.apis import MMSegInferencer
        inferencer = MMSegInferencer({osp.join(out_dir, 'tiny.py')!r},
                                     {osp.join(out_dir, 'tiny.pth')!r},
                                     device='cpu')
        pred = inferencer({ws['image']!r}, show=False)['predictions']
        print('shape', tuple(pred.shape), int(pred.max()) < 21)
    ''')
    out = run(['-c', script], ws)
    assert 'shape (48, 64) True' in out


@pytest.mark.slow
def test_mmseg_stock_train_and_test(workspace, tmp_path):
    ws = workspace
    work = str(tmp_path / 'stock')
    run([osp.join(STOCK_TOOLS, 'train.py'), ws['config'], '--work-dir',
         work, '--cfg-options'] + ws['options'], ws)
    checkpoint = osp.join(work, 'iter_2.pth')
    assert osp.isfile(checkpoint)
    out = run([osp.join(STOCK_TOOLS, 'test.py'), ws['config'], checkpoint,
               '--work-dir', str(tmp_path / 'stock_test')], ws)
    assert 'teacher/mIoU' in out or 'mIoU' in out
