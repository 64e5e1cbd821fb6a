"""Inference and train-dataloader throughput for
``tools/analysis_tools/benchmark.py``."""
import contextlib
import copy
import importlib.util
import math
import os.path as osp
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from step_benchmark import StepBench, median, sample


def _load_exporter():
    """``tools/model_converters/export_model.py``, imported by path."""
    path = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                    'model_converters', 'export_model.py')
    spec = importlib.util.spec_from_file_location('_export_model', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _exported_teacher(bench: StepBench, work_dir: str):
    """The teacher as a user deploys it: exported with
    ``export_semi_checkpoint``, loaded with ``mmseg.apis.init_model``."""
    from mmseg.apis import init_model
    export_semi_checkpoint = _load_exporter().export_semi_checkpoint
    ckpt = osp.join(work_dir, 'semi.pth')
    state = {k: v.detach().cpu() for k, v in bench.semi.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict()), ckpt)
    cfg_path, ckpt_path = export_semi_checkpoint(
        bench.cfg, ckpt, work_dir, branch='teacher', name='teacher')
    # mmengine's load_checkpoint prints to stdout, where the report goes.
    with contextlib.redirect_stdout(sys.stderr):
        return init_model(cfg_path, ckpt_path, device=str(bench.device))


def inference(bench: StepBench, iters: int, warmup: int, repeats: int,
              batch: int = 0) -> Dict[str, Any]:
    """Images/s of ``predict`` and ``_forward`` on crop-size images.

    Semi-supervised configs: the exported teacher; plain configs: the
    model itself. ``batch`` defaults to ``B_l + B_u``.
    """
    layout = bench.layout
    batch = batch or layout['labeled'] + layout['unlabeled']
    shape = layout['crop_size']
    if bench.semi is not None:
        with tempfile.TemporaryDirectory() as work_dir:
            model = _exported_teacher(bench, work_dir)
        path = 'export_semi_checkpoint + mmseg.apis.init_model'
    else:
        model, path = bench.plain, 'the config model'
    model.eval()
    if bench.channels_last:
        model.to(memory_format=torch.channels_last)
    images = [bench.images[i % len(bench.images)][0] for i in range(batch)]
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=images,
                 data_samples=[sample(i, shape) for i in range(batch)]),
            False)

    def rate(fn: Callable[[], Any]) -> List[float]:
        rounds = []
        with torch.no_grad(), bench.autocast():
            for _ in range(max(warmup, 1)):
                fn()
            for _ in range(repeats):
                bench.sync()
                start = time.perf_counter()
                for _ in range(iters):
                    fn()
                bench.sync()
                rounds.append(batch * iters / (time.perf_counter() - start))
        return rounds

    predict = rate(lambda: model.predict(data['inputs'],
                                         data['data_samples']))
    forward = rate(lambda: model._forward(data['inputs']))
    model.train()
    return dict(path=path, batch=batch,
                predict_img_per_s=median(predict),
                forward_img_per_s=median(forward),
                predict_rounds=predict, forward_rounds=forward)


def _sources(dl_cfg: dict) -> List[dict]:
    dataset = dl_cfg.get('dataset') or {}
    if 'labeled' in dataset:
        return [dataset['labeled'], dataset['unlabeled']]
    return [dataset]


def _missing(dl_cfg: dict) -> List[str]:
    """Split files and image folders of the train set that do not exist."""
    missing = []
    for part in _sources(dl_cfg):
        root = part.get('data_root') or ''
        for path in (part.get('ann_file'),
                     (part.get('data_prefix') or {}).get('img_path')):
            if path and not osp.exists(osp.join(root, path)):
                missing.append(osp.join(root, path))
    return missing


def _use_toy_voc(dl_cfg: dict, work_dir: str, num: int,
                 size: List[int], seed: int) -> None:
    """Point every source at a generated toy VOC tree (VOC layouts only)."""
    from mmseg_cwbass.testing.toy_data import generate_toy_voc
    root = generate_toy_voc(work_dir, num_train=num, num_val=0,
                            image_size=tuple(size), seed=seed)
    ids = [f'train_{i:06d}' for i in range(num)]
    parts = _sources(dl_cfg)
    for i, part in enumerate(parts):
        ann = osp.join(work_dir, f'split{i}.txt')
        with open(ann, 'w') as f:
            f.write('\n'.join(ids[i::len(parts)]) + '\n')
        seg = osp.basename(str(
            (part.get('data_prefix') or {}).get('seg_map_path', '')))
        if seg not in ('SegmentationClass', 'SegmentationClassAug'):
            raise ValueError(
                f'train_dataloader seg_map_path {seg!r} is not a VOC layout: '
                'toy data is generated for VOC-layout configs only')
        part.update(data_root=None, ann_file=ann, data_prefix=dict(
            img_path=osp.join(root, 'JPEGImages'),
            seg_map_path=osp.join(root, seg)))


def dataloader(cfg: Config, data: str, batches: int, toy_images: int,
               toy_size: List[int], step_ms: float, seed: int = 0,
               log: Callable[[str], None] = print) -> Dict[str, Any]:
    """ms per batch of the config's real ``train_dataloader`` in one process.

    Args:
        cfg (Config): The config.
        data (str): ``'auto'`` (the config's data, or toy VOC data when it is
            missing), ``'config'``, ``'toy'`` or ``'none'``.
        batches (int): Timed batches (after two untimed ones).
        toy_images (int): Number of generated images.
        toy_size (list[int]): Their (H, W).
        step_ms (float): Step time that the loader has to keep up with.
        seed (int): Seed of the sampler and the toy data.
        log (callable): Progress printer.

    Returns:
        dict: ``status``, ``per_batch_ms``, ``img_per_s_per_worker``,
        ``workers_needed`` = ceil(load time / step time) (a worker delivers
        a batch per load time, the step consumes one per step time), and
        whether the config's ``num_workers`` keeps up.
    """
    dl_cfg = copy.deepcopy(cfg.train_dataloader).to_dict()
    workers = int(dl_cfg.get('num_workers', 0))
    result: Dict[str, Any] = dict(config_num_workers=workers)
    if data == 'none':
        return dict(result, status='skipped', reason='--data none')
    missing = _missing(dl_cfg)
    if missing and data == 'config':
        return dict(result, status='skipped',
                    reason=f'data not found: {missing[:3]}')
    with tempfile.TemporaryDirectory() as work_dir:
        source = 'config'
        if data == 'toy' or missing:
            log(f'dataloader: generating {toy_images} toy VOC images of '
                f'{toy_size[0]}x{toy_size[1]}')
            try:
                _use_toy_voc(dl_cfg, work_dir, max(toy_images, 4), toy_size,
                             seed)
            except ValueError as err:
                return dict(result, status='skipped', reason=str(err))
            source = f'toy VOC {toy_size[0]}x{toy_size[1]}'
        dl_cfg.update(num_workers=0, persistent_workers=False)
        dl_cfg.pop('prefetch_factor', None)
        loader = Runner.build_dataloader(dl_cfg, seed=seed)
        iterator = iter(loader)
        for _ in range(2):
            next(iterator)
        times = []
        for _ in range(max(batches, 1)):
            start = time.perf_counter()
            next(iterator)
            times.append(time.perf_counter() - start)
    per_batch_ms = 1000 * median(times)
    batch_size = int(dl_cfg.get('batch_size', 1))
    needed = max(1, math.ceil(per_batch_ms / step_ms)) if step_ms > 0 else 1
    effective = step_ms + per_batch_ms if workers == 0 else max(
        step_ms, per_batch_ms / workers)
    return dict(
        result, status='ok', source=source, batch_size=batch_size,
        batches=len(times), per_batch_ms=per_batch_ms,
        img_per_s_per_worker=1000 * batch_size / per_batch_ms,
        step_ms=step_ms, workers_needed=needed,
        keeps_up=workers >= needed and workers > 0,
        effective_step_ms_with_config_workers=effective)
