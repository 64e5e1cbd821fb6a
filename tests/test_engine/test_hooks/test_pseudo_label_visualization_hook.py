import copy
import os
import os.path as osp
import random
import socket
import uuid
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData
from mmseg.registry import HOOKS, MODELS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from mmseg_cwbass.engine.hooks.pseudo_label_visualization_hook import (
    CAPTION_HEIGHT, GAP, compose, heat_map, inspect_pseudo_labels,
    make_palette, panel_images)

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
# The tiny segmentor's crop is 32x32; the second unlabeled image is smaller,
# so the data preprocessor pads it (bottom and right).
UNSUP_SHAPES = [(32, 32), (28, 30), (32, 32)]


def collated_batch(seed, num_sup=2, unsup_shapes=UNSUP_SHAPES,
                   num_classes=4, with_truth=True):
    """A batch as the dataloader collates it: per branch, one entry per
    sample (None where the sample has no such view), BGR uint8 images."""
    generator = torch.Generator().manual_seed(seed)
    total = num_sup + len(unsup_shapes)
    inputs = dict(sup=[None] * total, unsup_teacher=[None] * total)
    samples = dict(sup=[None] * total, unsup_teacher=[None] * total)
    for i in range(num_sup):
        inputs['sup'][i] = torch.randint(
            0, 256, (3, 32, 32), generator=generator, dtype=torch.uint8)
        sample = SegDataSample(metainfo=dict(img_shape=(32, 32),
                                             ori_shape=(32, 32)))
        sample.gt_sem_seg = PixelData(data=torch.randint(
            0, num_classes, (1, 32, 32), generator=generator))
        samples['sup'][i] = sample
    for k, shape in enumerate(unsup_shapes):
        i = num_sup + k
        inputs['unsup_teacher'][i] = torch.randint(
            0, 256, (3, *shape), generator=generator, dtype=torch.uint8)
        sample = SegDataSample(metainfo=dict(img_shape=shape,
                                             ori_shape=shape))
        if with_truth:
            truth = torch.randint(0, num_classes, (1, *shape),
                                  generator=generator)
            truth[0, :3] = 255
            sample.diag_sem_seg = PixelData(data=truth)
        samples['unsup_teacher'][i] = sample
    return dict(inputs=inputs, data_samples=samples)


def sharpen(model):
    """Classifier weights large enough for varied pseudo-labels: mmseg's
    initialisation (std 0.01) predicts one class everywhere."""
    for net in (model.student, model.teacher):
        generator = torch.Generator().manual_seed(0)
        conv_seg = net.decode_head.conv_seg
        conv_seg.weight.data.copy_(
            torch.randn(conv_seg.weight.shape, generator=generator) * 100)
    return model


def build_cwbass(cfg, **threshold):
    model = MODELS.build(
        dict(
            type='CWBASSSegmentor',
            segmentor=cfg,
            threshold=dict(type='DynamicThreshold', **threshold)))
    return sharpen(model).train()


def per_class_threshold(cfg):
    """A class-EMA threshold whose classes have very different taus."""
    model = build_cwbass(cfg, statistic='class_ema', beta=10.0, tau_min=0.0,
                         tau_max=1.0)
    model.threshold.class_stat.copy_(torch.tensor([0.0, 1.0, 0.2, 0.9]))
    return model


def test_panels_are_what_the_training_step_uses(tiny_segmentor_cfg):
    torch.manual_seed(0)
    model = per_class_threshold(tiny_segmentor_cfg)
    batch = collated_batch(seed=1)
    panels = inspect_pseudo_labels(model, batch, max_images=8)

    assert [p.label.shape for p in panels] == UNSUP_SHAPES
    for k, p in enumerate(panels):
        raw = batch['inputs']['unsup_teacher'][2 + k]
        assert p.image.shape == (*UNSUP_SHAPES[k], 3)
        np.testing.assert_array_equal(p.image,
                                      raw.numpy()[::-1].transpose(1, 2, 0))
        assert p.confidence.shape == p.kept.shape == p.band.shape == \
            p.truth.shape == UNSUP_SHAPES[k]
        assert p.kept.dtype == p.band.dtype == bool

    # Pixel level: the band is model.band of the (padded) pseudo-label and
    # the kept mask is confidence > tau of the pixel's class.
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    pseudo = model.get_pseudo_labels(data['inputs']['unsup_teacher'],
                                     data['data_samples']['unsup_teacher'])
    band = model.band(pseudo.label, pseudo.valid)
    tau_of_class = model.threshold.threshold_of(model.threshold.class_stat)
    assert len(set(tau_of_class.tolist())) == 4
    for k, (height, width) in enumerate(UNSUP_SHAPES):
        label = pseudo.label[k, :height, :width]
        kept = pseudo.confidence[k, :height, :width] > tau_of_class[label]
        np.testing.assert_array_equal(panels[k].label, label.numpy())
        np.testing.assert_array_equal(panels[k].band,
                                      band[k, :height, :width].numpy())
        np.testing.assert_array_equal(panels[k].kept, kept.numpy())
        assert 0 < kept.sum() < kept.numel()
    assert panels[1].band.any() and not panels[1].band.all()

    # Batch level: the step's own logged statistics agree with the panels.
    model.threshold.hook_attached = True
    losses = model.loss(data['inputs'], data['data_samples'])
    pixels = sum(p.kept.size for p in panels)
    assert sum(p.kept.sum() for p in panels) / pixels == pytest.approx(
        losses['unsup.kept_ratio'].item())
    assert sum(p.band.sum() for p in panels) / pixels == pytest.approx(
        losses['unsup.band_ratio'].item())
    assert sum(p.tau * p.kept.size for p in panels) / pixels == \
        pytest.approx(losses['unsup.tau'].item(), rel=1e-5)
    labelled = [p.truth != 255 for p in panels]
    hits = sum(((p.label == p.truth) & m).sum()
               for p, m in zip(panels, labelled))
    assert hits / sum(m.sum() for m in labelled) == pytest.approx(
        losses['unsup.pseudo_acc'].item())


def test_batch_mean_tau_is_the_steps_and_max_images_limits(
        tiny_segmentor_cfg):
    torch.manual_seed(0)
    model = build_cwbass(tiny_segmentor_cfg, beta=40.0, tau_min=0.0,
                         tau_max=1.0)
    batch = collated_batch(seed=2)
    panels = inspect_pseudo_labels(model, batch, max_images=1)
    assert len(panels) == 1
    # tau comes from the mean confidence of all three images, not one.
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert panels[0].tau == pytest.approx(losses['unsup.tau'].item())
    alone = inspect_pseudo_labels(
        model, collated_batch(seed=2, unsup_shapes=UNSUP_SHAPES[:1]), 1)
    assert alone[0].tau != pytest.approx(panels[0].tau, abs=1e-6)


def test_threshold_mode_and_state_are_untouched(tiny_segmentor_cfg):
    model = per_class_threshold(tiny_segmentor_cfg)
    threshold = model.threshold
    threshold.last_tau.fill_(0.123)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    inspect_pseudo_labels(model, collated_batch(seed=3), max_images=2)
    assert threshold.training and model.training
    assert not model.teacher.training
    assert threshold._pending is None  # nothing recorded for the EMA
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_mean_teacher_has_no_band_and_its_fixed_threshold(
        tiny_segmentor_cfg):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MeanTeacherSegmentor',
            segmentor=tiny_segmentor_cfg,
            pseudo_threshold=0.4))
    sharpen(model).train()
    batch = collated_batch(seed=4)
    panels = inspect_pseudo_labels(model, batch, max_images=2)
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    pseudo = model.get_pseudo_labels(data['inputs']['unsup_teacher'],
                                     data['data_samples']['unsup_teacher'])
    for k, p in enumerate(panels):
        height, width = UNSUP_SHAPES[k]
        assert p.band is None and p.tau == pytest.approx(0.4)
        np.testing.assert_array_equal(
            p.kept, (pseudo.confidence[k, :height, :width] > 0.4).numpy())
    captions = [c for c, _ in panel_images(panels[0], make_palette(None, 4))]
    assert [c.split()[0] for c in captions] == [
        'image', 'pseudo-label', 'conf', 'kept', 'truth'
    ]


def test_panel_colours_and_layout():
    label = np.array([[0, 1], [2, 3]])
    truth = np.array([[0, 255], [2, 0]])
    panels = SimpleNamespace(
        image=np.full((2, 2, 3), 7, np.uint8),
        label=label,
        confidence=np.array([[0.0, 1.0], [0.5, 1.0]], np.float32),
        band=np.array([[True, False], [False, False]]),
        kept=np.array([[False, True], [True, True]]),
        tau=0.3,
        truth=truth)
    palette = [[10, 20, 30], [40, 50, 60], [70, 80, 90]]
    table = make_palette(palette, 4)
    images = dict((c.split()[0], img) for c, img in panel_images(panels,
                                                                 table))
    assert list(images) == [
        'image', 'pseudo-label', 'conf', 'band', 'kept', 'truth'
    ]
    np.testing.assert_array_equal(images['pseudo-label'][0, 0], [10, 20, 30])
    np.testing.assert_array_equal(images['pseudo-label'][1, 0], [70, 80, 90])
    # class 3 is beyond the palette: a fixed colour, the same every call
    np.testing.assert_array_equal(images['pseudo-label'][1, 1],
                                  make_palette(palette, 4)[3])
    np.testing.assert_array_equal(images['truth'][0, 1], [255, 255, 255])
    np.testing.assert_array_equal(images['band'][..., 0],
                                  [[255, 0], [0, 0]])
    np.testing.assert_array_equal(images['kept'][..., 2],
                                  [[0, 255], [255, 255]])
    # JET on an absolute scale: 0 dark blue, 1 dark red
    np.testing.assert_array_equal(images['conf'][0, 0], [0, 0, 128])
    np.testing.assert_array_equal(images['conf'][0, 1], [128, 0, 0])
    np.testing.assert_array_equal(heat_map(np.array([[2.0]])), [[[128, 0,
                                                                 0]]])
    captions = [c for c, _ in panel_images(panels, table)]
    assert captions[3] == 'band 25%' and captions[4] == 'kept 75% tau 0.30'
    assert captions[5] == 'truth acc 67%'  # 2 of 3 labelled pixels

    canvas = compose(panel_images(panels, table))
    assert canvas.shape == (CAPTION_HEIGHT + 2, 6 * 2 + 5 * GAP, 3)
    for k, image in enumerate(images.values()):
        x = k * (2 + GAP)
        np.testing.assert_array_equal(canvas[CAPTION_HEIGHT:, x:x + 2],
                                      image)


def local_visualizer(save_dir):
    return SegLocalVisualizer.get_instance(
        f'vis_{uuid.uuid4().hex}',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(save_dir))


def train(cfg, save_dir, vis_hook=None, steps=3):
    """A few CW-BASS steps with the run's hooks in priority order."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    cfg = copy.deepcopy(cfg)
    # Dropout in the student: the run consumes random numbers every step.
    cfg['decode_head']['dropout_ratio'] = 0.3
    model = build_cwbass(cfg, statistic='class_ema')
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(model.student.parameters(), lr=1e-4, momentum=0.9))
    hooks = [
        HOOKS.build(dict(type='MeanTeacherHook', momentum=0.5)),
        HOOKS.build(
            dict(type='DynamicThresholdHook', momentum=0.5, min_pixels=1))
    ] + ([vis_hook] if vis_hook is not None else [])
    runner = SimpleNamespace(model=model, iter=0, optim_wrapper=optim_wrapper,
                             visualizer=local_visualizer(save_dir))
    for hook in hooks:
        hook.before_train(runner)
    for step in range(steps):
        runner.iter = step
        batch = collated_batch(seed=10 + step)
        for hook in hooks:
            hook.before_train_iter(runner, step, batch)
        model.train()
        model.train_step(batch, optim_wrapper)
        for hook in hooks:
            hook.after_train_iter(runner, step, batch)
    return model, (torch.get_rng_state(), np.random.get_state()[1].copy(),
                   random.getstate())


def test_a_run_with_the_hook_trains_bit_identically(tiny_segmentor_cfg,
                                                    tmp_path):
    plain, plain_rng = train(tiny_segmentor_cfg, tmp_path / 'plain')
    hook = HOOKS.build(
        dict(type='PseudoLabelVisualizationHook', interval=1, max_images=2))
    drawn, drawn_rng = train(tiny_segmentor_cfg, tmp_path / 'drawn', hook)
    untrained = sharpen(build_cwbass(tiny_segmentor_cfg)).student
    assert not torch.equal(plain.student.decode_head.conv_seg.weight,
                           untrained.decode_head.conv_seg.weight)
    plain_state, drawn_state = plain.state_dict(), drawn.state_dict()
    assert plain_state.keys() == drawn_state.keys()
    for key, value in plain_state.items():
        assert torch.equal(value, drawn_state[key]), key
    assert torch.equal(plain_rng[0], drawn_rng[0])
    assert np.array_equal(plain_rng[1], drawn_rng[1])
    assert plain_rng[2] == drawn_rng[2]
    written = sorted(os.listdir(tmp_path / 'drawn' / 'vis_data' / 'vis_image'))
    assert written == [
        f'pseudo_label_{k}_{step}.png' for k in range(2)
        for step in (1, 2, 3)
    ]
    assert not (tmp_path / 'plain' / 'vis_data' / 'vis_image').exists()


@pytest.mark.parametrize('switch', [dict(draw=False), dict(interval=0)])
def test_off_switches_draw_nothing(tiny_segmentor_cfg, tmp_path, switch):
    hook = HOOKS.build(dict(type='PseudoLabelVisualizationHook', **switch))
    train(tiny_segmentor_cfg, tmp_path, hook, steps=1)
    assert not (tmp_path / 'vis_data' / 'vis_image').exists()


def test_interval_counts_training_iterations(tiny_segmentor_cfg, tmp_path):
    hook = HOOKS.build(
        dict(type='PseudoLabelVisualizationHook', interval=2, max_images=1))
    train(tiny_segmentor_cfg, tmp_path, hook, steps=5)
    assert sorted(os.listdir(tmp_path / 'vis_data' / 'vis_image')) == [
        'pseudo_label_0_2.png', 'pseudo_label_0_4.png'
    ]


@pytest.mark.parametrize('kwargs, message', [
    (dict(interval=-1), 'interval must be an integer >= 0'),
    (dict(interval=2.5), 'interval must be an integer >= 0'),
    (dict(max_images=0), 'max_images must be an integer >= 1'),
    (dict(intreval=10), "did you mean 'interval'"),
])
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HOOKS.build(dict(type='PseudoLabelVisualizationHook', **kwargs))


def test_a_segmentor_without_pseudo_labels_is_refused(tiny_segmentor_cfg):
    hook = HOOKS.build(dict(type='PseudoLabelVisualizationHook'))
    runner = SimpleNamespace(model=MODELS.build(tiny_segmentor_cfg))
    with pytest.raises(TypeError, match='got EncoderDecoder'):
        hook.before_train(runner)


def demo_config_drawing(path, interval, max_images, extra=''):
    """Write a config: the demo's, plus a visualisation hook, plus
    ``extra`` lines."""
    demo = osp.join(REPO, 'configs', 'demo', 'cwbass_r18-tiny_toy-voc_1-8.py')
    hooks = [dict(h) for h in Config.fromfile(demo).custom_hooks]
    hooks.append(dict(type='PseudoLabelVisualizationHook', interval=interval,
                      max_images=max_images))
    path.write_text(f'_base_ = [{demo!r}]\ncustom_hooks = {hooks!r}\n' +
                    extra)
    return path


@pytest.mark.slow
def test_train_cli_writes_the_images_to_vis_data(toy_voc_workspace,
                                                 tmp_path, run_cli,
                                                 tiny_run_options):
    config = demo_config_drawing(tmp_path / 'with_vis.py', 2, 4)
    short = tiny_run_options(val_interval=4) + ['param_scheduler.0.end=4']

    def run_train(work, *options):
        run_cli('train', config, '--work-dir', work, '--cfg-options', *short,
                *options, cwd=toy_voc_workspace, check=True)
        (run_dir, ) = [d for d in work.iterdir() if d.is_dir()]
        return run_dir / 'vis_data' / 'vis_image'

    images = run_train(tmp_path / 'work', 'train_cfg.max_iters=4')
    # 2 unlabeled images per batch, drawn at iterations 2 and 4.
    assert sorted(os.listdir(images)) == [
        f'pseudo_label_{k}_{step}.png' for k in range(2) for step in (2, 4)
    ]
    for name in os.listdir(images):
        canvas = cv2.imread(str(images / name))
        height, width = canvas.shape[:2]
        # six panels (the demo stashes diagnostic masks) of a <= 64x64 crop
        assert (width - 5 * GAP) % 6 == 0
        assert CAPTION_HEIGHT < height <= CAPTION_HEIGHT + 64
        assert (width - 5 * GAP) // 6 <= 64
    # The off switch from the command line: the hook is the last entry.
    last = len(Config.fromfile(config).custom_hooks) - 1
    off = f'custom_hooks.{last}.draw=False'
    assert not run_train(tmp_path / 'off', 'train_cfg.max_iters=2',
                         off).exists()


@pytest.mark.slow
def test_two_gloo_processes_draw_without_hanging(toy_voc_workspace,
                                                 tmp_path, run_cli,
                                                 tiny_run_options):
    # Every rank computes the pseudo-labels: the batch-mean threshold
    # all-reduces, so a rank that skipped it would leave the other waiting.
    # Two ranks need 2 x 2 labeled images: a split with 4 of them.
    splits = toy_voc_workspace / 'data' / 'splits' / 'toy_voc'
    ids = (splits / '1-8' / 'labeled.txt').read_text().split() + \
        (splits / '1-8' / 'unlabeled.txt').read_text().split()
    (splits / 'vis_dist').mkdir(exist_ok=True)
    (splits / 'vis_dist' / 'labeled.txt').write_text('\n'.join(ids[:4]))
    (splits / 'vis_dist' / 'unlabeled.txt').write_text('\n'.join(ids[4:]))
    config = demo_config_drawing(
        tmp_path / 'dist_vis.py', 1, 1,
        "model = dict(threshold=dict(statistic='batch_mean'))\n"
        'train_dataloader = dict(dataset=dict(\n'
        "    labeled=dict(ann_file='data/splits/toy_voc/vis_dist/"
        "labeled.txt'),\n"
        "    unlabeled=dict(ann_file='data/splits/toy_voc/vis_dist/"
        "unlabeled.txt')))\n")
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    run_cli('-m', 'torch.distributed.run', '--nproc_per_node=2',
            f'--master_port={port}', osp.join(REPO, 'tools', 'train.py'),
            config, '--launcher', 'pytorch', '--work-dir', tmp_path / 'work',
            '--cfg-options', *tiny_run_options(iters=2),
            cwd=toy_voc_workspace, env=dict(OMP_NUM_THREADS='1'), check=True)
    (run_dir, ) = [d for d in (tmp_path / 'work').iterdir() if d.is_dir()]
    assert sorted(os.listdir(run_dir / 'vis_data' / 'vis_image')) == [
        'pseudo_label_0_1.png', 'pseudo_label_0_2.png'
    ]
