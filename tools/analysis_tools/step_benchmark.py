"""What a CW-BASS training step costs against the compute it needs.

The measurements behind ``tools/analysis_tools/benchmark.py``:

* (a) the CW-BASS step: ``train_step``, the runner's per-step logging and
  the :class:`MeanTeacherHook` EMA update;
* (b) a plain mmseg ``train_step`` of ``cfg.model.segmentor`` on the same
  ``B_l + B_u`` images, all labeled;
* (c) the teacher forward, no grad, on the ``B_u`` unlabeled images;

timed with synchronised wall clocks, variants interleaved per iteration.
Stage breakdown, operator counts and CPU memory come from ``torch.profiler``:
the model code names its stages with ``record_function`` ranges
(``semi:*``, ``cwbass:*``), this module adds ``bench:*`` ranges around the
pieces it drives. Timed batches are toy photos at the crop size, packed as
the pipelines pack them. The real train dataloader (:func:`dataloader`) and
the inference of the teacher as a user deploys it (:func:`inference`) are
timed on their own.

Above 600 lines because it holds every measurement of the one benchmark tool
(step variants, profiler, memory, inference, dataloader), which used to be
split over two modules; ``benchmark.py`` stays the command line and
``benchmark_report.py`` the markdown.
"""
import contextlib
import copy
import math
import os.path as osp
import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.registry import HOOKS, MODELS
from mmseg.structures import SegDataSample
from torch.profiler import ProfilerActivity, profile, record_function

from mmseg_cwbass.apis import export_semi_checkpoint
from mmseg_cwbass.datasets.dataset_configs import (dataset_configs,
                                                   read_ids,
                                                   resolve_ann_file,
                                                   resolve_path)
from mmseg_cwbass.models.utils import final_head
from mmseg_cwbass.testing.toy_configs import use_toy_voc
from mmseg_cwbass.testing.toy_data import generate_toy_voc, render_voc_sample
from profiler_ranges import analyse_ranges


def median(values) -> float:
    values = list(values)
    return float(statistics.median(values)) if values else float('nan')


# ---------------------------------------------------------------- set-up
def batch_layout(cfg: Config) -> Dict[str, Any]:
    """Images per step, crop size and branches of a config.

    Returns:
        dict: ``semi`` (teacher/student config), ``labeled`` and
        ``unlabeled`` per step (``MultiSourceSampler``'s split; a plain
        config has only labeled images), ``crop_size``, ``student_view``
        (an ``unsup_student`` branch), ``student_views`` (how many
        ``unsup_student*`` branches: each is one more student batch),
        ``cutmix`` (a ``RandomCutMixBox`` in them) and ``diagnostic_masks``.
    """
    loader = cfg.get('train_dataloader') or {}
    sampler = loader.get('sampler') or {}
    batch = int(sampler.get('batch_size', loader.get('batch_size', 2)))
    semi = 'segmentor' in cfg.model
    labeled, unlabeled = batch, 0
    if semi:
        ratio = list(sampler.get('source_ratio', [1, 1]))
        labeled = batch * ratio[0] // sum(ratio)
        unlabeled = batch - labeled
    segmentor = cfg.model.get('segmentor', cfg.model)
    size = (segmentor.get('data_preprocessor') or {}).get('size') or \
        (cfg.model.get('data_preprocessor') or {}).get('size') or \
        cfg.get('crop_size')
    if not size:
        raise ValueError(f'{cfg.filename}: no crop size; set '
                         'model.segmentor.data_preprocessor.size')
    pipeline = ((loader.get('dataset') or {}).get('unlabeled')
                or {}).get('pipeline') or []
    students = [
        t[k] for t in pipeline if t.get('type') == 'MultiBranch'
        for k in t if k.startswith('unsup_student')
    ]
    return dict(
        semi=semi, labeled=labeled, unlabeled=unlabeled,
        crop_size=tuple(int(s) for s in size),
        student_view=bool(students), student_views=len(students),
        cutmix=any(s.get('type') == 'RandomCutMixBox' for branch in students
                   for s in branch),
        diagnostic_masks=bool((loader.get('dataset') or {}).get(
            'diagnostic_masks')))


def toy_images(num: int, shape: Tuple[int, int], num_classes: int,
               seed: int) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """Toy photos (uint8 BGR, 3xHxW) and masks (1xHxW) at ``shape``."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(num):
        image, mask, _ = render_voc_sample(rng, shape)
        mask = mask.astype(np.int64)
        mask[(mask >= num_classes) & (mask != 255)] = 0
        bgr = np.ascontiguousarray(image[..., ::-1].transpose(2, 0, 1))
        out.append((torch.from_numpy(bgr), torch.from_numpy(mask)[None]))
    return out


def sample(idx: int, shape: Tuple[int, int],
           mask: Optional[torch.Tensor] = None,
           field: str = 'gt_sem_seg') -> SegDataSample:
    """A data sample as ``PackSegInputs`` writes it after a crop."""
    out = SegDataSample(metainfo=dict(
        img_path=f'toy_{idx:04d}.jpg', ori_shape=shape, img_shape=shape,
        scale_factor=(1.0, 1.0), flip=False, flip_direction=None,
        reduce_zero_label=False))
    if mask is not None:
        out.set_data({field: PixelData(data=mask)})
    return out


def toy_batches(layout: Dict[str, Any], images: list) -> Dict[str, dict]:
    """Collated batches: ``sup`` (all images labeled) and ``semi``.

    The semi batch feeds the first ``B_l`` images to ``sup`` and the next
    ``B_u`` to ``unsup_teacher`` (and a further ``B_u`` photos to each
    ``unsup_student*`` branch of the config, with a CutMix box over a
    quarter of the crop when the branch draws boxes); the
    ``MultiSourceSampler`` batch holds None where a branch has no image.
    The plain batch (b) has ``B_l + V * B_u`` labeled images for ``V >= 1``
    student views: the student compute the method needs.
    """
    n_l, n_u = layout['labeled'], layout['unlabeled']
    shape = layout['crop_size']
    views = layout.get('student_views', int(layout['student_view']))
    total = n_l + n_u
    plain = n_l + max(1, views) * n_u if layout['semi'] else total
    sup = dict(inputs=[img for img, _ in images[:plain]],
               data_samples=[sample(i, shape, m)
                             for i, (_, m) in enumerate(images[:plain])])
    if not layout['semi']:
        return dict(sup=sup)
    students = ['unsup_student' + ('' if v == 0 else str(v + 1))
                for v in range(views)]
    branches = ['sup', 'unsup_teacher'] + students
    inputs = {b: [None] * total for b in branches}
    samples = {b: [None] * total for b in branches}
    for i, (img, mask) in enumerate(images[:total]):
        if i < n_l:
            inputs['sup'][i], samples['sup'][i] = img, sample(i, shape, mask)
            continue
        diag = mask if layout['diagnostic_masks'] else None
        inputs['unsup_teacher'][i] = img
        samples['unsup_teacher'][i] = sample(i, shape, diag, 'diag_sem_seg')
        for v, branch in enumerate(students):
            # Another photo stands in for the strong view: same cost.
            inputs[branch][i] = images[i + (v + 1) * n_u][0]
            samples[branch][i] = sample(i, shape, diag, 'diag_sem_seg')
            if layout.get('cutmix'):
                samples[branch][i].set_metainfo(dict(cutmix_box=(
                    0, 0, shape[0] // 2, shape[1] // 2)))
    return dict(sup=sup, semi=dict(inputs=inputs, data_samples=samples))


class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward context adds a CPU autocast.

    mmengine's ``AmpOptimWrapper`` (what mmseg's ``--amp`` uses) refuses
    CPUs; this gives a CPU run the same bfloat16 forward.
    """

    def __init__(self, *args, dtype: torch.dtype = torch.bfloat16,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dtype = dtype

    @contextlib.contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast('cpu', self.dtype):
            yield


def optim_wrapper_for(model: nn.Module, cfg: Config, device: torch.device,
                      amp_dtype: Optional[torch.dtype]) -> OptimWrapper:
    """The config's optimizer wrapper (param-wise settings included), made
    ``AmpOptimWrapper`` on CUDA or CPU autocast when AMP is asked."""
    ow_cfg = copy.deepcopy(cfg.optim_wrapper)
    for key in ('loss_scale', 'dtype', 'use_fsdp'):
        ow_cfg.pop(key, None)
    ow_cfg['type'] = 'OptimWrapper'
    if device.type == 'cuda' and amp_dtype is not None:
        ow_cfg.update(type='AmpOptimWrapper', loss_scale='dynamic',
                      dtype=str(amp_dtype).replace('torch.', ''))
    wrapper = build_optim_wrapper(model, ow_cfg)
    if device.type == 'cpu' and amp_dtype is not None:
        wrapper = CPUAutocastOptimWrapper(
            wrapper.optimizer, dtype=amp_dtype,
            clip_grad=ow_cfg.get('clip_grad'))
    return wrapper


# ------------------------------------------------------------------ bench
class StepBench:
    """Models, batches and one iteration of each variant.

    Args:
        cfg (Config): Loaded config (plugins imported).
        device (torch.device): Device.
        amp_dtype (torch.dtype, optional): Autocast dtype; None is fp32.
        channels_last (bool): Weights in channels-last format (convolution
            outputs follow the weights' format).
        seed (int): Seed of weights and toy images.
    """

    def __init__(self, cfg: Config, device: torch.device,
                 amp_dtype: Optional[torch.dtype], channels_last: bool,
                 seed: int = 0) -> None:
        self.cfg, self.device, self.amp_dtype = cfg, device, amp_dtype
        self.channels_last = channels_last
        self.layout = batch_layout(cfg)
        torch.manual_seed(seed)
        self.semi = None
        if self.layout['semi']:
            self.semi = self._prepare(MODELS.build(copy.deepcopy(cfg.model)))
            if not hasattr(self.semi, 'teacher'):
                raise TypeError(f'{type(self.semi).__name__} has no teacher')
            self.plain = self._prepare(
                MODELS.build(copy.deepcopy(cfg.model.segmentor)))
            # Same weights: both steps compute the same numbers.
            self.plain.load_state_dict(self.semi.student.state_dict())
            self.semi_ow = optim_wrapper_for(self.semi, cfg, device,
                                             amp_dtype)
            self.hook = self._ema_hook()
            self.hook.before_train(SimpleNamespace(model=self.semi, iter=0))
        else:
            self.plain = self._prepare(MODELS.build(copy.deepcopy(cfg.model)))
        self.plain_ow = optim_wrapper_for(self.plain, cfg, device, amp_dtype)
        self.num_classes = final_head(self.plain).num_classes
        n_l, n_u = self.layout['labeled'], self.layout['unlabeled']
        extra = n_u * self.layout['student_views']
        self.images = toy_images(n_l + n_u + extra, self.layout['crop_size'],
                                 self.num_classes, seed)
        self.batches = toy_batches(self.layout, self.images)
        self.hub = MessageHub.get_instance('mmseg_cwbass_benchmark')
        # Past any ramp-up: the unsupervised terms count fully.
        self.hub.update_info('iter', 10**6)
        self.iteration = 0
        if self.semi is not None:
            with torch.no_grad():
                data = self.semi.data_preprocessor(self.batches['semi'], True)
            self.teacher_inputs = data['inputs']['unsup_teacher']

    def _prepare(self, model: nn.Module) -> nn.Module:
        # One process, as mmengine's Runner when not distributed.
        model = revert_sync_batchnorm(model).to(self.device)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        return model.train()

    def _ema_hook(self):
        for hook in self.cfg.get('custom_hooks') or []:
            if hook.get('type') == 'MeanTeacherHook':
                return HOOKS.build(copy.deepcopy(hook))
        return HOOKS.build(dict(type='MeanTeacherHook'))

    def sync(self) -> None:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)

    def _log(self, outputs: Dict[str, torch.Tensor]) -> None:
        # What RuntimeInfoHook does with every step's log_vars.
        with record_function('bench:logging'):
            for key, value in outputs.items():
                self.hub.update_scalar(f'train/{key}', value)

    def cwbass_step(self) -> None:
        """(a): train_step, logging, EMA."""
        with record_function('bench:cwbass_step'):
            self.cwbass_train_step()
            self.ema()

    def cwbass_train_step(self) -> None:
        """(a) without the EMA: train_step and logging."""
        with record_function('bench:train_step'):
            outputs = self.semi.train_step(self.batches['semi'], self.semi_ow)
        self._log(outputs)

    def ema(self) -> None:
        """The EMA update of the step (``MeanTeacherHook``)."""
        self.hook.after_train_iter(
            SimpleNamespace(model=self.semi, iter=self.iteration),
            self.iteration)
        self.iteration += 1

    def supervised_step(self) -> None:
        """(b): plain mmseg train_step and logging."""
        with record_function('bench:supervised_step'):
            self._log(self.plain.train_step(self.batches['sup'],
                                            self.plain_ow))

    @torch.no_grad()
    def teacher_forward(self) -> None:
        """(c): teacher backbone + decode head, logits only."""
        with record_function('bench:teacher_forward'), self.autocast():
            self.semi.teacher(self.teacher_inputs, mode='tensor')

    def teacher_forward_with_grad(self) -> float:
        """(c) as if the teacher were under autograd; returns the MiB of
        the tensors autograd saves for backward (weights and input
        excluded). The graph lives until the call returns, as the logged
        confidence would keep it until the end of a step."""
        params = list(self.semi.teacher.parameters())
        skip = {p.untyped_storage().data_ptr() for p in params}
        skip.add(self.teacher_inputs.untyped_storage().data_ptr())
        saved: Dict[int, int] = {}

        def pack(tensor: torch.Tensor) -> torch.Tensor:
            ptr = tensor.untyped_storage().data_ptr()
            if ptr not in skip:
                saved[ptr] = tensor.untyped_storage().nbytes()
            return tensor

        for p in params:
            p.requires_grad_(True)
        try:
            with record_function('bench:teacher_forward_with_grad'), \
                    torch.enable_grad(), self.autocast(), \
                    torch.autograd.graph.saved_tensors_hooks(
                        pack, lambda t: t):
                out = self.semi.teacher(self.teacher_inputs, mode='tensor')
                self.sync()
                del out
        finally:
            for p in params:
                p.requires_grad_(False)
        return sum(saved.values()) / 2**20

    def autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def variants(self) -> Dict[str, Callable[[], None]]:
        """The timed variants of this config."""
        if self.semi is None:
            return dict(supervised_step=self.supervised_step)
        return dict(cwbass_step=self.cwbass_step,
                    supervised_step=self.supervised_step,
                    teacher_forward=self.teacher_forward)

    # ------------------------------------------------------------ timing
    def time_rounds(self, iters: int, warmup: int, repeats: int,
                    log: Callable[[str], None]) -> Dict[str, Any]:
        """Wall and process-CPU ms per iteration, median per round.

        The variants alternate every iteration, so a slow spell of a
        shared machine hits all of them alike.
        """
        variants = self.variants()
        for _ in range(warmup):
            for fn in variants.values():
                fn()
        wall: Dict[str, List[float]] = defaultdict(list)
        cpu: Dict[str, List[float]] = defaultdict(list)
        for r in range(repeats):
            times: Dict[str, List[Tuple[float, float]]] = defaultdict(list)
            for _ in range(iters):
                for name, fn in variants.items():
                    if name != 'cwbass_step':
                        times[name].append(self._timed(fn))
                        continue
                    train = self._timed(self.cwbass_train_step)
                    ema = self._timed(self.ema)
                    times['cwbass_train_step'].append(train)
                    times['ema'].append(ema)
                    times[name].append((train[0] + ema[0],
                                        train[1] + ema[1]))
            for name, values in times.items():
                wall[name].append(1000 * median(w for w, _ in values))
                cpu[name].append(1000 * median(c for _, c in values))
            log(f'round {r + 1}/{repeats}: ' + ', '.join(
                f'{k} {v[-1]:.1f} ms' for k, v in wall.items()))
        return dict(wall=dict(wall), cpu=dict(cpu))

    def _timed(self, fn: Callable[[], None]) -> Tuple[float, float]:
        self.sync()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        self.sync()
        return time.perf_counter() - wall, time.process_time() - cpu

    # ---------------------------------------------------------- profiler
    def profile_steps(self, iters: int,
                      trace_dir: Optional[str] = None) -> Dict[str, Any]:
        """Stage times and operator counts from ``torch.profiler``.

        Profiles ``iters`` iterations of every variant, after one more
        unprofiled.

        Returns:
            dict: See :func:`profiler_ranges.analyse_ranges`; with
            ``trace_dir``, also the paths of the Chrome trace and op table.
        """
        variants = self.variants()
        for fn in variants.values():
            fn()
        activities = [ProfilerActivity.CPU]
        if self.device.type == 'cuda':
            activities.append(ProfilerActivity.CUDA)
        with profile(activities=activities) as prof:
            for _ in range(iters):
                for fn in variants.values():
                    fn()
        self.sync()
        result = analyse_ranges(prof.events(), iters)
        if trace_dir:
            result['trace'] = osp.join(trace_dir, 'benchmark_trace.json')
            prof.export_chrome_trace(result['trace'])
            result['table'] = osp.join(trace_dir, 'benchmark_ops.txt')
            key = 'self_device_time_total' if self.device.type == 'cuda' \
                else 'self_cpu_time_total'
            with open(result['table'], 'w') as f:
                f.write(prof.key_averages().table(sort_by=key, row_limit=40))
        return result

    def find_syncs(self) -> Dict[str, Any]:
        """CUDA only: calls that make the host wait for the GPU inside one
        CW-BASS ``train_step`` (``.item()``, boolean indexing, copies to
        the host), by source line. Each exposes the launch latency of
        everything after it."""
        sources: Dict[str, int] = defaultdict(int)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            torch.cuda.set_sync_debug_mode('warn')
            try:
                self.semi.train_step(self.batches['semi'], self.semi_ow)
            finally:
                torch.cuda.set_sync_debug_mode('default')
        for item in caught:
            if 'synchroniz' in str(item.message):
                sources[f'{osp.basename(item.filename)}:{item.lineno}'] += 1
        return dict(count=sum(sources.values()), sources=dict(sources))

    # ------------------------------------------------------------ memory
    def peak_mib(self, fn: Callable[[], Any]) -> Dict[str, float]:
        """Peak memory of one call (after an unmeasured one).

        CUDA: ``max_memory_allocated`` (``peak``) and its rise over the
        memory allocated at the start (``above_start``). CPU: the peak of
        the tensor memory allocated through PyTorch's CPU allocator during
        the call, above what was live at its start, from the profiler's
        memory events (``profile_memory``); oneDNN scratch space and memory
        outside tensors are not counted.
        """
        fn()
        if self.device.type == 'cuda':
            self.sync()
            torch.cuda.reset_peak_memory_stats(self.device)
            start = torch.cuda.memory_allocated(self.device)
            fn()
            self.sync()
            peak = torch.cuda.max_memory_allocated(self.device)
            return dict(peak=peak / 2**20, above_start=(peak - start) / 2**20)
        with profile(activities=[ProfilerActivity.CPU],
                     profile_memory=True) as prof:
            fn()
        # The raw allocator events: the public prof.events() folds them into
        # each operator's net usage, which loses the peaks inside operators
        # (on the tiny test model it gave 1.70 instead of 1.47 MiB for (a)).
        records = sorted(
            (e.start_ns(), e.nbytes())
            for e in prof.profiler.kineto_results.events()
            if e.name() == '[memory]' and e.device_type().name == 'CPU')
        live = peak = 0
        for _, nbytes in records:
            live += nbytes
            peak = max(peak, live)
        return dict(peak=peak / 2**20, above_start=peak / 2**20)

    def measure_memory(self, teacher_grad: bool) -> Dict[str, Any]:
        """Peaks of every variant and what the no-grad teacher saves."""
        kind = ('cuda_max_memory_allocated' if self.device.type == 'cuda'
                else 'cpu_profiler_tensor_peak_above_start')
        out: Dict[str, Any] = dict(kind=kind, unit='MiB')
        for name, fn in self.variants().items():
            peak = self.peak_mib(fn)
            out[f'{name}_peak'] = peak['peak']
            out[f'{name}_above_start'] = peak['above_start']
        if teacher_grad and self.semi is not None:
            saved = []
            peak = self.peak_mib(
                lambda: saved.append(self.teacher_forward_with_grad()))
            out['teacher_forward_with_grad_peak'] = peak['peak']
            out['saved_by_no_grad_teacher'] = \
                peak['above_start'] - out['teacher_forward_above_start']
            out['teacher_activations_autograd_would_keep'] = max(saved)
        return out


# ------------------------------------------------- inference and data
def exported_teacher(bench: StepBench, work_dir: str) -> nn.Module:
    """The teacher as a user deploys it: exported with
    :func:`mmseg_cwbass.apis.export_semi_checkpoint`, loaded with
    ``mmseg.apis.init_model``."""
    from mmseg.apis import init_model
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
    """Images/s of ``predict`` and the ``mode='tensor'`` forward on
    crop-size images, median of ``repeats`` rounds of ``iters`` calls.

    Semi-supervised configs: the exported teacher; plain configs: the
    model itself. ``batch`` defaults to ``B_l + B_u``.
    """
    layout = bench.layout
    batch = batch or layout['labeled'] + layout['unlabeled']
    if bench.semi is not None:
        with tempfile.TemporaryDirectory() as work_dir:
            model = exported_teacher(bench, work_dir)
        path = 'export_semi_checkpoint + mmseg.apis.init_model'
    else:
        model, path = bench.plain, 'the config model'
    model.eval()
    if bench.channels_last:
        model.to(memory_format=torch.channels_last)
    images = [bench.images[i % len(bench.images)][0] for i in range(batch)]
    samples = [sample(i, layout['crop_size']) for i in range(batch)]
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=images, data_samples=samples), False)

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
    forward = rate(lambda: model(data['inputs'], mode='tensor'))
    model.train()
    return dict(path=path, batch=batch,
                predict_img_per_s=median(predict),
                forward_img_per_s=median(forward),
                predict_rounds=predict, forward_rounds=forward)


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
    leaves = dict(dataset_configs(dl_cfg['dataset'],
                                  'train_dataloader.dataset'))
    missing = [
        path for leaf in leaves.values()
        for path in (resolve_ann_file(leaf), resolve_path(
            leaf, (leaf.get('data_prefix') or {}).get('img_path')))
        if path and not osp.exists(path)
    ]
    if missing and data == 'config':
        return dict(result, status='skipped',
                    reason=f'data not found: {missing[:3]}')
    with tempfile.TemporaryDirectory() as work_dir:
        source = 'config'
        if data == 'toy' or missing:
            log(f'dataloader: generating {toy_images} toy VOC images of '
                f'{toy_size[0]}x{toy_size[1]}')
            num = max(toy_images, 4)
            root = generate_toy_voc(work_dir, num_train=num, num_val=0,
                                    image_size=tuple(toy_size), seed=seed)
            ids = read_ids(osp.join(root, 'ImageSets', 'Segmentation',
                                    'train.txt'))
            semi = any('.unlabeled' in key for key in leaves)
            roles = ('labeled', 'unlabeled') if semi else ('labeled', )
            splits = {}
            for i, role in enumerate(roles):  # alternate ids between roles
                splits[role] = osp.join(work_dir, f'{role}.txt')
                with open(splits[role], 'w') as f:
                    f.write('\n'.join(ids[i::len(roles)]) + '\n')
            try:
                use_toy_voc(dict(train_dataloader=dl_cfg), root, splits)
            except ValueError as err:
                return dict(result, status='skipped', reason=str(err))
            source = f'toy VOC {toy_size[0]}x{toy_size[1]}'
        dl_cfg.update(num_workers=0, persistent_workers=False)
        dl_cfg.pop('prefetch_factor', None)
        iterator = iter(Runner.build_dataloader(dl_cfg, seed=seed))
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
    return dict(
        result, status='ok', source=source, batch_size=batch_size,
        batches=len(times), per_batch_ms=per_batch_ms,
        img_per_s_per_worker=1000 * batch_size / per_batch_ms,
        step_ms=step_ms, workers_needed=needed,
        keeps_up=workers >= needed and workers > 0)
