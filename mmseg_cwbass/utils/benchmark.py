"""Cost of a CW-BASS training step against the compute it needs.

A CW-BASS step must run the student forward/backward on ``B_l + B_u`` images
and the teacher forward on ``B_u`` images; everything else (pseudo-labels,
Sobel band, threshold, weighting, EMA, logging, data) is overhead. This module
measures, on the current device, with synchronised timers:

* (a) the full CW-BASS ``train_step`` plus the runner's per-step logging and
  the :class:`MeanTeacherHook` EMA update that follows it (EMA also alone);
* (b) a plain mmseg supervised ``train_step`` of the same segmentor
  (``cfg.model.segmentor``) on the same ``B_l + B_u`` images, with labels;
* (c) the teacher forward (no grad) on the ``B_u`` images;

and reports ``R = a / (b + c)``, a stage breakdown of (a) obtained by timing
the segmentor's stage methods (instance attributes wrapped by the benchmark;
no core code is changed), peak memory, the memory the no-grad teacher saves,
inference images/s of the exported teacher and the images/s of the real
two-source train dataloader. Timed batches are synthetic (toy images rendered
at the crop size, packed like the pipeline's output), so that the data
loader is measured on its own.

Entry points: :func:`run_benchmark` (returns a JSON-able dict) and
:func:`format_markdown`; ``tools/benchmark.py`` is the command line.
"""
import contextlib
import copy
import functools
import logging
import math
import os
import os.path as osp
import platform
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import (Any, Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple)

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

#: Stages of the instrumented CW-BASS step: name -> (group, description).
#: Group ``cwbass`` is the CW-BASS-specific overhead whose share of the step
#: the performance target bounds; ``student``/``teacher`` is the compute the
#: step needs; ``common`` is what a plain mmseg step pays as well.
STAGES: Dict[str, Tuple[str, str]] = {
    'data_preprocessor': ('common', 'normalise/pad/stack (+H2D copy)'),
    'teacher_forward': ('teacher', 'teacher backbone + decode head'),
    'pseudo_label': ('cwbass', 'upsample, argmax, confidence, valid mask'),
    'student_backbone': ('student', 'student backbone (one pass on cat(l, u)'
                         ' or one per batch)'),
    'student_sup_head_loss': ('student', 'decode head + CE on labeled'),
    'student_unsup_head': ('student', 'decode head on unlabeled'),
    'threshold': ('cwbass', 'dynamic threshold tau'),
    'band': ('cwbass', 'Sobel boundary band'),
    'cw_loss': ('cwbass', 'confidence-weighted CE'),
    'boundary_loss': ('cwbass', 'band CE'),
    'pseudo_label_stats': ('cwbass', 'pseudo-label accuracy (diagnostic)'),
    'unsup_other': ('cwbass', 'upsample logits, masks, logged statistics'),
    'loss_other': ('cwbass', 'branch checks, unsup weighting, prefixes'),
    'parse_losses': ('common', 'sum of losses, log_vars'),
    'backward': ('student', 'student backward'),
    'optimizer_step': ('student', 'SGD step + zero_grad'),
    'train_step_other': ('common', 'forward dispatch, autocast context'),
    'logging': ('common', 'message hub update (.item() per scalar)'),
    'ema': ('cwbass', 'MeanTeacherHook EMA update'),
}

#: Stages of the instrumented plain supervised step (b), for comparison.
SUPERVISED_STAGES: Tuple[str, ...] = (
    'data_preprocessor', 'backbone', 'decode_head_loss', 'parse_losses',
    'backward', 'optimizer_step', 'train_step_other', 'logging')

TARGET_R = 1.05
TARGET_SPECIFIC_SHARE = 0.03


@dataclass
class BenchmarkOptions:
    """Settings of one benchmark run.

    Attributes:
        iters (int): Timed iterations per variant and round.
        warmup (int): Untimed iterations of each variant before round 1.
        repeats (int): Interleaved rounds of (a), (b), (c) and the
            instrumented (a); every reported time is the median of rounds.
        device (str): ``'auto'`` (CUDA if available), ``'cpu'``, ``'cuda'``
            or ``'cuda:N'``.
        amp (bool): Mixed precision: mmengine's ``AmpOptimWrapper`` on CUDA,
            ``torch.autocast('cpu', bfloat16)`` on CPU.
        amp_dtype (str, optional): ``'float16'`` or ``'bfloat16'``; defaults
            to float16 on CUDA (mmseg's ``--amp``) and bfloat16 on CPU.
        channels_last (bool): Models and preprocessed inputs in
            ``torch.channels_last``.
        cudnn_benchmark (bool, optional): Force
            ``torch.backends.cudnn.benchmark``; None follows
            ``env_cfg.cudnn_benchmark`` of the config.
        memory_variant (bool): Also run a few steps with the teacher under
            autograd to measure the memory its no-grad forward saves.
        inference (bool): Measure inference of the exported teacher.
        infer_batch (int, optional): Inference batch; defaults to
            ``B_l + B_u``.
        data (str): Train dataloader: ``'auto'`` (the config's data if
            present, else a generated toy VOC tree for VOC-layout configs),
            ``'config'``, ``'toy'`` or ``'none'``.
        data_batches (int): Timed loader batches (after ``data_warmup``).
        data_warmup (int): Untimed loader batches.
        toy_image_size (tuple[int, int]): (H, W) of generated toy images;
            the default is the typical Pascal VOC photo size.
        toy_images (int): Number of generated toy train images.
        profile_dir (str, optional): If set, profile a few instrumented
            CW-BASS steps with ``torch.profiler`` and write the op table and
            a Chrome trace there.
        profile_iters (int): Profiled steps.
        seed (int): Seed of the synthetic batch and of the models.
        threads (int, optional): ``torch.set_num_threads`` for the run;
            None keeps torch's default (one per core).
    """
    iters: int = 20
    warmup: int = 3
    repeats: int = 3
    device: str = 'auto'
    amp: bool = False
    amp_dtype: Optional[str] = None
    channels_last: bool = False
    cudnn_benchmark: Optional[bool] = None
    memory_variant: bool = True
    inference: bool = True
    infer_batch: Optional[int] = None
    data: str = 'auto'
    data_batches: int = 20
    data_warmup: int = 2
    toy_image_size: Tuple[int, int] = (375, 500)
    toy_images: int = 24
    profile_dir: Optional[str] = None
    profile_iters: int = 3
    seed: int = 0
    threads: Optional[int] = None


# ------------------------------------------------------------------ config
def load_config(config: str,
                cfg_options: Optional[Dict[str, Any]] = None) -> Config:
    """Load a config, merge ``--cfg-options`` and import its plugins.

    Args:
        config (str): Config file.
        cfg_options (dict, optional): ``key=value`` overrides.

    Returns:
        Config: The merged config.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    _import_plugins(cfg)
    return cfg


def _import_plugins(cfg: Config) -> None:
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    import mmseg_cwbass  # noqa: F401  (registers the plugin's components)
    init_default_scope(cfg.get('default_scope', 'mmseg'))


def _find_transform(pipeline: Sequence[dict], type_name: str) -> List[dict]:
    return [t for t in pipeline or [] if t.get('type') == type_name]


def batch_layout(cfg: Config) -> Dict[str, Any]:
    """Batch sizes, crop size and branches a config trains with.

    Args:
        cfg (Config): A semi-supervised config.

    Returns:
        dict: ``labeled`` and ``unlabeled`` (per step, as
        ``MultiSourceSampler`` splits the batch), ``crop_size`` (H, W),
        ``student_view`` (an ``unsup_student`` branch exists) and
        ``diagnostic_masks`` (the unlabeled pipeline stashes masks).
    """
    loader = cfg.get('train_dataloader', {}) or {}
    sampler = loader.get('sampler', {}) or {}
    batch = int(sampler.get('batch_size', loader.get('batch_size', 2)))
    ratio = list(sampler.get('source_ratio', [1, 1]))
    per_source = [batch * r // sum(ratio) for r in ratio]
    per_source[0] += batch - sum(per_source)
    dataset = loader.get('dataset', {}) or {}
    unlabeled_pipeline = (dataset.get('unlabeled', {}) or {}).get(
        'pipeline', [])
    branches = set()
    for branch_cfg in _find_transform(unlabeled_pipeline, 'MultiBranch'):
        branches |= {k for k in branch_cfg if k not in ('type',
                                                        'branch_field')}
    crop = None
    segmentor = cfg.model.get('segmentor', cfg.model)
    preprocessor = segmentor.get('data_preprocessor') or \
        cfg.model.get('data_preprocessor') or {}
    if preprocessor.get('size'):
        crop = tuple(int(s) for s in preprocessor['size'])
    if crop is None and cfg.get('crop_size'):
        crop = tuple(int(s) for s in cfg.crop_size)
    if crop is None:
        crops = _find_transform(
            (dataset.get('labeled', {}) or {}).get('pipeline', []),
            'RandomCrop')
        if crops:
            crop = tuple(int(s) for s in crops[0]['crop_size'])
    if crop is None:
        raise ValueError('cannot find the crop size: set '
                         'model.segmentor.data_preprocessor.size')
    return dict(
        labeled=per_source[0],
        unlabeled=per_source[1] if len(per_source) > 1 else per_source[0],
        crop_size=crop,
        student_view='unsup_student' in branches,
        diagnostic_masks=bool(
            _find_transform(unlabeled_pipeline, 'StashDiagnosticMask')))


# ------------------------------------------------------------------ device
def resolve_device(name: str) -> torch.device:
    """``'auto'`` -> CUDA when available, else CPU."""
    if name == 'auto':
        name = 'cuda' if torch.cuda.is_available() else 'cpu'
    device = torch.device(name)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda asked but CUDA is not available')
    return device


def make_sync(device: torch.device) -> Callable[[], None]:
    """A function that waits for all queued work on ``device``."""
    if device.type == 'cuda':
        return functools.partial(torch.cuda.synchronize, device)
    return lambda: None


def _proc_status_kib(key: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            match = re.search(rf'^{key}:\s+(\d+)\s+kB', f.read(), re.M)
        return int(match.group(1)) if match else None
    except OSError:
        return None


class PeakMemory:
    """Peak memory of a code section, in MiB.

    CUDA: ``torch.cuda.max_memory_allocated`` (tensors only, reset per
    section). CPU: the process's peak resident set size; Linux lets a
    process reset its high-water mark (``/proc/self/clear_refs``), so each
    section gets its own peak. Where that fails, ``getrusage``'s
    process-lifetime ``ru_maxrss`` is used and ``resettable`` is False.

    Args:
        device (torch.device): Device whose memory is tracked.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.kind = ('cuda_max_memory_allocated'
                     if device.type == 'cuda' else 'cpu_peak_rss')
        self.resettable = device.type == 'cuda'
        self.baseline_mib = 0.0

    def reset(self) -> None:
        """Start a section: reset the peak and record the current usage."""
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.baseline_mib = torch.cuda.memory_allocated(
                self.device) / 2**20
            return
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')  # 5: reset the peak RSS (Linux >= 4.0)
            self.resettable = True
        except OSError:
            self.resettable = False
        rss = _proc_status_kib('VmRSS')
        self.baseline_mib = (rss or 0) / 1024

    def peak_mib(self) -> float:
        """Peak since the last :meth:`reset`."""
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            return torch.cuda.max_memory_allocated(self.device) / 2**20
        hwm = _proc_status_kib('VmHWM') if self.resettable else None
        if hwm is None:
            # Linux reports ru_maxrss in KiB.
            hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return hwm / 1024


def tune_allocator_for_rss() -> bool:
    """Make glibc return freed blocks >= 128 KiB to the OS at once.

    With glibc's defaults, the mmap threshold rises to the largest block
    freed so far and freed heap memory stays resident, so the peak RSS of a
    section mostly shows what earlier sections left behind. A fixed, small
    threshold makes RSS follow the live tensors. Irreversible for the
    process and slower to allocate: call it after the timings.

    Returns:
        bool: Whether glibc accepted the settings.
    """
    import ctypes
    import ctypes.util
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = libc.mallopt(m_mmap_threshold, 128 * 1024) == 1
        ok = libc.mallopt(m_trim_threshold, 128 * 1024) == 1 and ok
        libc.malloc_trim(0)
        return bool(ok)
    except (OSError, AttributeError):
        return False


# ------------------------------------------------------------------ timers
class StageTimer:
    """Exclusive time of wrapped methods, with device synchronisation.

    :meth:`wrap` replaces a method by an instance attribute that
    synchronises, times the original and subtracts the time of nested timed
    calls, so every stage gets its exclusive time and the stages add up to
    the instrumented step; wall time (``totals``) and process CPU time
    (``cpu_totals``). :meth:`restore` removes every wrapper.

    Args:
        sync (callable): Waits for the device.
        record_function (bool): Also open a ``torch.profiler`` range per
            call, so profiles carry the stage names.
    """

    def __init__(self, sync: Callable[[], None],
                 record_function: bool = False) -> None:
        self.sync = sync
        self.record_function = record_function
        self.totals: Dict[str, float] = defaultdict(float)
        self.cpu_totals: Dict[str, float] = defaultdict(float)
        self.calls: Dict[str, int] = defaultdict(int)
        self._stack: List[Tuple[float, float]] = []
        self._patches: List[Tuple[Any, str, bool, Any]] = []

    @contextlib.contextmanager
    def section(self, name: str) -> Iterator[None]:
        """Time a block as stage ``name``."""
        ctx = torch.profiler.record_function(name) if \
            self.record_function else contextlib.nullcontext()
        self.sync()
        start = time.perf_counter()
        start_cpu = time.process_time()
        self._stack.append((0.0, 0.0))
        try:
            with ctx:
                yield
        finally:
            self.sync()
            elapsed = time.perf_counter() - start
            elapsed_cpu = time.process_time() - start_cpu
            nested, nested_cpu = self._stack.pop()
            self.totals[name] += elapsed - nested
            self.cpu_totals[name] += elapsed_cpu - nested_cpu
            self.calls[name] += 1
            if self._stack:
                outer, outer_cpu = self._stack[-1]
                self._stack[-1] = (outer + elapsed, outer_cpu + elapsed_cpu)

    def wrap(self, obj: Any, attr: str, name: str) -> bool:
        """Time ``obj.attr`` as stage ``name``; False if it does not exist.

        Args:
            obj: Object whose method is wrapped (instance attribute).
            attr (str): Method name.
            name (str): Stage name (several methods may share one).

        Returns:
            bool: Whether the method was wrapped.
        """
        if obj is None:
            return False
        original = getattr(obj, attr, None)
        if not callable(original):
            return False
        had_own = attr in vars(obj)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            with self.section(name):
                return original(*args, **kwargs)

        # An instance attribute shadows the class's method for this object
        # only; object.__setattr__ skips nn.Module's bookkeeping.
        if isinstance(obj, ModuleType):
            setattr(obj, attr, timed)
        else:
            object.__setattr__(obj, attr, timed)
        self._patches.append((obj, attr, had_own, original))
        return True

    def wrap_global(self, module: Any, attr: str, name: str) -> bool:
        """Time a module-level function (restored by :meth:`restore`)."""
        return self.wrap(module, attr, name)

    def restore(self) -> None:
        """Undo every :meth:`wrap`, most recent first."""
        for obj, attr, had_own, original in reversed(self._patches):
            if isinstance(obj, ModuleType):
                setattr(obj, attr, original)
            elif had_own:
                # An earlier instance attribute (e.g. another wrapper).
                object.__setattr__(obj, attr, original)
            else:
                object.__delattr__(obj, attr)
        self._patches.clear()

    def per_call_ms(self, iters: int, cpu: bool = False) -> Dict[str, float]:
        """Stage totals in ms per step (wall, or process CPU time)."""
        totals = self.cpu_totals if cpu else self.totals
        return {k: 1000.0 * v / max(iters, 1) for k, v in totals.items()}


def _final_head(segmentor: nn.Module) -> nn.Module:
    head = segmentor.decode_head
    return head[-1] if isinstance(head, nn.ModuleList) else head


def instrument_semi(timer: StageTimer, model: nn.Module,
                    optim_wrapper: Any) -> None:
    """Wrap the stage methods of a teacher/student model (see ``STAGES``).

    Args:
        timer (StageTimer): Receives the stage times.
        model (nn.Module): A ``SemiBaseSegmentor`` (e.g. CW-BASS).
        optim_wrapper: Its optimizer wrapper.
    """
    from mmseg_cwbass.models.segmentors import cwbass as cwbass_module
    timer.wrap(model.data_preprocessor, 'forward', 'data_preprocessor')
    timer.wrap(model.teacher, 'extract_feat', 'teacher_forward')
    heads = model.teacher.decode_head
    for head in (heads if isinstance(heads, nn.ModuleList) else [heads]):
        timer.wrap(head, 'forward', 'teacher_forward')
    timer.wrap(model, 'get_pseudo_labels', 'pseudo_label')
    timer.wrap(model, 'extract_student_feats', 'student_backbone')
    timer.wrap(model, 'loss_by_gt_labels', 'student_sup_head_loss')
    timer.wrap(model, '_student_logits', 'student_unsup_head')
    timer.wrap(getattr(model, 'threshold', None), 'forward', 'threshold')
    student_head = _final_head(model.student)
    timer.wrap(student_head, 'boundary_band', 'band')
    timer.wrap_global(cwbass_module, 'sobel_boundary_band', 'band')
    timer.wrap(getattr(model, 'unsup_loss', None), 'forward', 'cw_loss')
    timer.wrap(student_head, 'loss_boundary', 'boundary_loss')
    timer.wrap(getattr(model, 'boundary_loss', None), 'forward',
               'boundary_loss')
    timer.wrap(model, 'pseudo_label_stats', 'pseudo_label_stats')
    timer.wrap(model, 'loss_by_pseudo_labels', 'unsup_other')
    timer.wrap(model, 'loss', 'loss_other')
    timer.wrap(model, 'parse_losses', 'parse_losses')
    timer.wrap(optim_wrapper, 'backward', 'backward')
    timer.wrap(optim_wrapper, 'step', 'optimizer_step')
    timer.wrap(optim_wrapper, 'zero_grad', 'optimizer_step')
    timer.wrap(model, 'train_step', 'train_step_other')


def instrument_supervised(timer: StageTimer, model: nn.Module,
                          optim_wrapper: Any) -> None:
    """Wrap the stage methods of a plain mmseg ``EncoderDecoder``."""
    timer.wrap(model.data_preprocessor, 'forward', 'data_preprocessor')
    timer.wrap(model, 'extract_feat', 'backbone')
    timer.wrap(model, '_decode_head_forward_train', 'decode_head_loss')
    timer.wrap(model, '_auxiliary_head_forward_train', 'decode_head_loss')
    timer.wrap(model, 'parse_losses', 'parse_losses')
    timer.wrap(optim_wrapper, 'backward', 'backward')
    timer.wrap(optim_wrapper, 'step', 'optimizer_step')
    timer.wrap(optim_wrapper, 'zero_grad', 'optimizer_step')
    timer.wrap(model, 'train_step', 'train_step_other')


# --------------------------------------------------------------- synthetic
def _sample(idx: int, shape: Tuple[int, int]) -> SegDataSample:
    # The metainfo PackSegInputs writes after RandomCrop/RandomFlip.
    return SegDataSample(
        metainfo=dict(
            img_path=f'synthetic_{idx:04d}.jpg',
            seg_map_path=f'synthetic_{idx:04d}.png',
            ori_shape=shape,
            img_shape=shape,
            scale_factor=(1.0, 1.0),
            flip=False,
            flip_direction=None,
            reduce_zero_label=False))


def synthetic_images(num: int, shape: Tuple[int, int], num_classes: int,
                     seed: int) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """Toy photos and masks at the crop size, as the pipeline packs them.

    Args:
        num (int): Number of images.
        shape (tuple[int, int]): (H, W).
        num_classes (int): Classes of the model; toy labels beyond it are
            mapped to 0.
        seed (int): Seed.

    Returns:
        list[tuple[Tensor, Tensor]]: uint8 BGR (3, H, W) images and int64
        (1, H, W) masks (255 = ignore).
    """
    from mmseg_cwbass.testing.toy_data import render_voc_sample
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(num):
        image, mask, _ = render_voc_sample(rng, shape)
        mask = mask.astype(np.int64)
        mask[(mask >= num_classes) & (mask != 255)] = 0
        img = torch.from_numpy(
            np.ascontiguousarray(image[..., ::-1].transpose(2, 0, 1)))
        out.append((img, torch.from_numpy(mask)[None]))
    return out


def synthetic_batches(layout: Dict[str, Any], num_classes: int,
                      seed: int) -> Dict[str, Any]:
    """Collated batches for the semi-supervised and the plain step.

    Both use the same image tensors: the semi batch feeds the first
    ``labeled`` images to ``sup`` and the rest to ``unsup_teacher``; the
    plain batch feeds all of them, with masks, to the supervised step.

    Args:
        layout (dict): Output of :func:`batch_layout`.
        num_classes (int): Number of classes of the model.
        seed (int): Seed.

    Returns:
        dict: ``semi`` and ``sup`` batches (pseudo-collated, as
        ``train_dataloader`` yields them) and ``images`` (the raw list).
    """
    n_l, n_u = layout['labeled'], layout['unlabeled']
    shape = tuple(layout['crop_size'])
    extra = n_u if layout['student_view'] else 0
    images = synthetic_images(n_l + n_u + extra, shape, num_classes, seed)
    total = n_l + n_u

    def none_list() -> List[None]:
        return [None] * total

    inputs: Dict[str, List] = dict(sup=none_list(), unsup_teacher=none_list())
    samples: Dict[str, List] = dict(sup=none_list(),
                                    unsup_teacher=none_list())
    if extra:
        inputs['unsup_student'] = none_list()
        samples['unsup_student'] = none_list()
    sup_inputs, sup_samples = [], []
    for i in range(total):
        img, mask = images[i]
        labeled = _sample(i, shape)
        labeled.gt_sem_seg = PixelData(data=mask)
        sup_inputs.append(img)
        sup_samples.append(labeled)
        if i < n_l:
            inputs['sup'][i] = img
            samples['sup'][i] = copy.deepcopy(labeled)
            continue
        unlabeled = _sample(i, shape)
        if layout['diagnostic_masks']:
            unlabeled.diag_sem_seg = PixelData(data=mask)
        inputs['unsup_teacher'][i] = img
        samples['unsup_teacher'][i] = unlabeled
        if extra:
            # A different photo stands in for the strong view: only its
            # shape matters for the cost.
            inputs['unsup_student'][i] = images[i + n_u][0]
            samples['unsup_student'][i] = copy.deepcopy(unlabeled)
    return dict(
        semi=dict(inputs=inputs, data_samples=samples),
        sup=dict(inputs=sup_inputs, data_samples=sup_samples),
        images=images[:total])


def _to_channels_last(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.dim() == 4:
        return value.contiguous(memory_format=torch.channels_last)
    if isinstance(value, dict):
        return {k: _to_channels_last(v) for k, v in value.items()}
    return value


def _channels_last_preprocessor(preprocessor: nn.Module) -> None:
    """Make a data preprocessor return channels-last image batches."""
    original = preprocessor.forward

    @functools.wraps(original)
    def forward(*args, **kwargs):
        out = original(*args, **kwargs)
        out['inputs'] = _to_channels_last(out['inputs'])
        return out

    object.__setattr__(preprocessor, 'forward', forward)


# ------------------------------------------------------------------ models
def _amp_dtype(options: BenchmarkOptions,
               device: torch.device) -> Optional[torch.dtype]:
    if not options.amp:
        return None
    name = options.amp_dtype or ('float16'
                                 if device.type == 'cuda' else 'bfloat16')
    dtype = getattr(torch, name)
    if device.type == 'cpu' and dtype != torch.bfloat16:
        raise ValueError('CPU autocast supports only bfloat16')
    return dtype


def autocast_context(device: torch.device,
                     dtype: Optional[torch.dtype]) -> Any:
    """``torch.autocast`` for ``device`` or a null context."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def build_optim_wrapper_for(model: nn.Module, cfg: Config,
                            device: torch.device,
                            amp_dtype: Optional[torch.dtype]) -> Any:
    """The config's optimizer wrapper, with AMP as asked.

    CUDA AMP uses mmengine's ``AmpOptimWrapper`` (what mmseg's ``--amp``
    does). mmengine's AMP wrapper refuses CPUs, so on CPU a plain
    ``OptimWrapper`` gets a bfloat16 autocast context instead.

    Args:
        model (nn.Module): Model to optimise.
        cfg (Config): Config with ``optim_wrapper``.
        device (torch.device): Device.
        amp_dtype (torch.dtype, optional): Autocast dtype; None = fp32.

    Returns:
        OptimWrapper: The wrapper.
    """
    from mmengine.optim import build_optim_wrapper
    ow_cfg = copy.deepcopy(cfg.optim_wrapper)
    amp_keys = ('loss_scale', 'dtype', 'use_fsdp')
    if device.type == 'cuda' and amp_dtype is not None:
        ow_cfg['type'] = 'AmpOptimWrapper'
        ow_cfg['dtype'] = str(amp_dtype).replace('torch.', '')
        ow_cfg.setdefault('loss_scale', 'dynamic')
    elif ow_cfg.get('type') == 'AmpOptimWrapper' and (
            device.type != 'cuda' or amp_dtype is None):
        ow_cfg['type'] = 'OptimWrapper'
        for key in amp_keys:
            ow_cfg.pop(key, None)
    # The optimizer constructor warns once per frozen teacher parameter,
    # which is expected here and would bury the report.
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        optim_wrapper = build_optim_wrapper(model, ow_cfg)
    finally:
        logger.setLevel(level)
    if device.type == 'cpu' and amp_dtype is not None:
        original = optim_wrapper.optim_context

        @contextlib.contextmanager
        def optim_context(module):
            with original(module), autocast_context(device, amp_dtype):
                yield

        optim_wrapper.optim_context = optim_context
    return optim_wrapper


def build_models(cfg: Config, device: torch.device,
                 channels_last: bool) -> Tuple[nn.Module, nn.Module]:
    """The CW-BASS model and a plain mmseg model of its segmentor.

    The plain model starts from the student's weights, so both steps see
    the same numbers.

    Args:
        cfg (Config): The CW-BASS config.
        device (torch.device): Device.
        channels_last (bool): Convert weights to channels-last.

    Returns:
        tuple[nn.Module, nn.Module]: (semi model, plain segmentor), both in
        train mode.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmseg.registry import MODELS
    semi = MODELS.build(copy.deepcopy(cfg.model))
    if not (hasattr(semi, 'teacher') and hasattr(semi, 'student')):
        raise TypeError(f'{type(semi).__name__} has no teacher/student: the '
                        'benchmark needs a semi-supervised config')
    plain = MODELS.build(copy.deepcopy(cfg.model.segmentor))
    # One process, like mmengine's Runner when not distributed: SyncBN of
    # the stock configs becomes BN.
    semi = revert_sync_batchnorm(semi)
    plain = revert_sync_batchnorm(plain)
    plain.load_state_dict(semi.student.state_dict())
    for model in (semi, plain):
        model.to(device)
        if channels_last:
            model.to(memory_format=torch.channels_last)
            _channels_last_preprocessor(model.data_preprocessor)
        model.train()
    return semi, plain


def _ema_hook(cfg: Config) -> Any:
    from mmseg.registry import HOOKS
    for hook_cfg in cfg.get('custom_hooks', []) or []:
        if hook_cfg.get('type') == 'MeanTeacherHook':
            return HOOKS.build(copy.deepcopy(hook_cfg))
    from mmseg_cwbass.engine.hooks import MeanTeacherHook
    return MeanTeacherHook()


def _log_outputs(hub: MessageHub, outputs: Dict[str, torch.Tensor]) -> None:
    # What RuntimeInfoHook.after_train_iter does with every step's log_vars.
    for key, value in outputs.items():
        hub.update_scalar(f'train/{key}', value)


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float('nan')


def _stat(rounds: Sequence[float]) -> Dict[str, Any]:
    return dict(median=_median(rounds), rounds=[float(r) for r in rounds])


def _delta(start: Tuple[float, float],
           end: Tuple[float, float]) -> Tuple[float, float]:
    return end[0] - start[0], end[1] - start[1]


def _add(x: Tuple[float, float],
         y: Tuple[float, float]) -> Tuple[float, float]:
    return x[0] + y[0], x[1] + y[1]


# ------------------------------------------------------------------- runs
class _Bench:
    """State shared by the variants of one benchmark run."""

    def __init__(self, cfg: Config, options: BenchmarkOptions,
                 log: Callable[[str], None]) -> None:
        self.cfg = cfg
        self.options = options
        self.log = log
        self.device = resolve_device(options.device)
        self.sync = make_sync(self.device)
        self.memory = PeakMemory(self.device)
        self.amp_dtype = _amp_dtype(options, self.device)
        self.layout = batch_layout(cfg)
        torch.manual_seed(options.seed)
        self.semi, self.plain = build_models(cfg, self.device,
                                             options.channels_last)
        self.num_classes = _final_head(self.semi.student).num_classes
        batches = synthetic_batches(self.layout, self.num_classes,
                                    options.seed)
        self.semi_batch = batches['semi']
        self.sup_batch = batches['sup']
        self.images = batches['images']
        self.semi_ow = build_optim_wrapper_for(self.semi, cfg, self.device,
                                               self.amp_dtype)
        self.plain_ow = build_optim_wrapper_for(self.plain, cfg,
                                                self.device, self.amp_dtype)
        self.hook = _ema_hook(cfg)
        self.hub = MessageHub.get_instance('mmseg_cwbass_benchmark')
        # Past any ramp-up: the unsupervised terms count fully.
        self.hub.update_info('iter', 10**6)
        self.iteration = 0
        self.hook.before_train(SimpleNamespace(model=self.semi, iter=0))
        with torch.no_grad():
            pre = self.semi.data_preprocessor(self.semi_batch, True)
        self.teacher_inputs = pre['inputs']['unsup_teacher']

    # One iteration of each variant --------------------------------------
    def now(self) -> Tuple[float, float]:
        """(wall, process CPU) seconds, after waiting for the device."""
        self.sync()
        return time.perf_counter(), time.process_time()

    def semi_step(self, timer: Optional[StageTimer] = None
                  ) -> Tuple[Tuple[float, float], Tuple[float, float]]:
        """(a): train_step + logging, then the EMA hook.

        Returns:
            tuple: ((wall, cpu) of train_step + logging, (wall, cpu) of the
            EMA update), in seconds.
        """
        start = self.now()
        outputs = self.semi.train_step(self.semi_batch, self.semi_ow)
        with timer.section('logging') if timer else contextlib.nullcontext():
            _log_outputs(self.hub, outputs)
        mid = self.now()
        runner = SimpleNamespace(model=self.semi, iter=self.iteration)
        with timer.section('ema') if timer else contextlib.nullcontext():
            self.hook.after_train_iter(runner, self.iteration)
        end = self.now()
        self.iteration += 1
        return _delta(start, mid), _delta(mid, end)

    def sup_step(self,
                 timer: Optional[StageTimer] = None) -> Tuple[float, float]:
        """(b): plain supervised train_step + logging; (wall, cpu) s."""
        start = self.now()
        outputs = self.plain.train_step(self.sup_batch, self.plain_ow)
        with timer.section('logging') if timer else contextlib.nullcontext():
            _log_outputs(self.hub, outputs)
        return _delta(start, self.now())

    @torch.no_grad()
    def teacher_forward(self) -> Tuple[float, float]:
        """(c): teacher network forward on the unlabeled batch; (wall,
        cpu) s."""
        start = self.now()
        with autocast_context(self.device, self.amp_dtype):
            self.semi.teacher._forward(self.teacher_inputs)
        return _delta(start, self.now())

    # Rounds --------------------------------------------------------------
    def measure(self) -> Dict[str, Any]:
        """Rounds of (a), (b), (c), then the instrumented (a) and (b).

        Within a round the variants alternate every iteration, so a slow
        spell of a shared machine hits all of them alike; a round reports
        the median iteration of each variant, and the result the median of
        the rounds. Wall time is what the targets are about; process CPU
        time is recorded too, because on a CPU shared with other jobs it
        does not count the time the scheduler gave to them.

        Returns:
            dict: ``rounds`` and ``cpu_rounds`` (ms per variant and round),
            ``stages``/``cpu_stages`` and ``sup_stages`` (ms per stage and
            round).
        """
        opts = self.options
        self.log(f'warm-up: {opts.warmup} iterations of each variant')
        for _ in range(opts.warmup):
            self.semi_step()
            self.sup_step()
            self.teacher_forward()
        rounds: Dict[str, List[float]] = defaultdict(list)
        cpu_rounds: Dict[str, List[float]] = defaultdict(list)
        stages: Dict[str, List[float]] = defaultdict(list)
        cpu_stages: Dict[str, List[float]] = defaultdict(list)
        sup_stages: Dict[str, List[float]] = defaultdict(list)
        for r in range(opts.repeats):
            # key -> list of (wall, cpu) per iteration
            times: Dict[str, List[Tuple[float, float]]] = defaultdict(list)
            for _ in range(opts.iters):
                train, ema = self.semi_step()
                times['cwbass_step'].append(_add(train, ema))
                times['cwbass_train_step'].append(train)
                times['ema'].append(ema)
                times['supervised_step'].append(self.sup_step())
                times['teacher_forward'].append(self.teacher_forward())

            # Stage timers synchronise around every stage, which costs a
            # little on a GPU: they run apart from the plain timings.
            semi_timer = StageTimer(self.sync)
            sup_timer = StageTimer(self.sync)
            instrument_semi(semi_timer, self.semi, self.semi_ow)
            instrument_supervised(sup_timer, self.plain, self.plain_ow)
            try:
                for _ in range(opts.iters):
                    times['cwbass_step_instrumented'].append(
                        _add(*self.semi_step(semi_timer)))
                    times['supervised_step_instrumented'].append(
                        self.sup_step(sup_timer))
            finally:
                semi_timer.restore()
                sup_timer.restore()
            for key, values in times.items():
                rounds[key].append(1000 * _median([w for w, _ in values]))
                cpu_rounds[key].append(1000 * _median([c for _, c in values]))
            # Stage times are means (they must add up to the mean step).
            instrumented = times['cwbass_step_instrumented']
            rounds['cwbass_step_instrumented_mean'].append(
                1000 * statistics.fmean(w for w, _ in instrumented))
            cpu_rounds['cwbass_step_instrumented_mean'].append(
                1000 * statistics.fmean(c for _, c in instrumented))
            per_step = semi_timer.per_call_ms(opts.iters)
            per_step_cpu = semi_timer.per_call_ms(opts.iters, cpu=True)
            for name in STAGES:
                stages[name].append(per_step.get(name, 0.0))
                cpu_stages[name].append(per_step_cpu.get(name, 0.0))
            per_step = sup_timer.per_call_ms(opts.iters)
            for name in SUPERVISED_STAGES:
                sup_stages[name].append(per_step.get(name, 0.0))
            self.log(
                f'round {r + 1}/{opts.repeats}: '
                f"a={rounds['cwbass_step'][-1]:.1f} ms "
                f"b={rounds['supervised_step'][-1]:.1f} ms "
                f"c={rounds['teacher_forward'][-1]:.1f} ms (wall); "
                f"a={cpu_rounds['cwbass_step'][-1]:.1f} ms "
                f"b={cpu_rounds['supervised_step'][-1]:.1f} ms "
                f"c={cpu_rounds['teacher_forward'][-1]:.1f} ms (CPU time)")
        return dict(rounds=rounds, cpu_rounds=cpu_rounds, stages=stages,
                    cpu_stages=cpu_stages, sup_stages=sup_stages)

    def _peak(self, fn: Callable[[], Any],
              iters: int = 2) -> Tuple[float, float]:
        """(peak, peak above the usage at the start) in MiB of ``iters``
        calls, after one unmeasured call."""
        fn()
        self.memory.reset()
        for _ in range(iters):
            fn()
        peak = self.memory.peak_mib()
        return peak, peak - self.memory.baseline_mib

    def measure_memory(self) -> Dict[str, Any]:
        """Peak memory of each variant, and what the no-grad teacher saves.

        On CPU, glibc keeps freed memory mapped (its mmap threshold grows
        with use), which hides the peak of a section behind earlier ones;
        the allocator is therefore told to unmap large blocks at once
        (``mallopt``) before this pass. That slows allocation down, so it
        runs after every timing.

        Returns:
            dict: Peaks (MiB) and the teacher-with-grad figures.
        """
        tuned = tune_allocator_for_rss() if self.device.type == 'cpu' \
            else None
        out: Dict[str, Any] = dict(
            kind=self.memory.kind, unit='MiB', allocator_tuned=tuned)
        for key, fn in (('cwbass_step', self.semi_step),
                        ('supervised_step', self.sup_step),
                        ('teacher_forward', self.teacher_forward)):
            out[f'{key}_peak'], out[f'{key}_above_start'] = self._peak(fn)
        out['per_section_reset'] = self.memory.resettable
        if self.options.memory_variant:
            grad = self.teacher_grad_memory()
            out['cwbass_step_teacher_with_grad_peak'] = grad['peak_mib']
            out['cwbass_step_teacher_with_grad_above_start'] = grad[
                'above_start_mib']
            out['saved_by_no_grad_teacher'] = \
                grad['peak_mib'] - out['cwbass_step_peak']
            out['teacher_activations_autograd_would_keep'] = \
                grad['saved_activation_mib']
        return out

    def teacher_grad_memory(self) -> Dict[str, Any]:
        """Peak of steps whose teacher runs under autograd.

        The teacher's parameters are made to require grad and its forward
        runs with grad enabled, so autograd keeps its activations for as
        long as the step holds its outputs (the logged confidence keeps the
        graph alive until the end of the step). Autograd's saved tensors are
        also counted directly, without the weights and the input batch.

        Returns:
            dict: ``peak_mib``, ``above_start_mib`` and
            ``saved_activation_mib``.
        """
        semi = self.semi
        cls_fn = type(semi).get_pseudo_labels
        raw = getattr(cls_fn, '__wrapped__', cls_fn)
        params = list(semi.teacher.parameters())
        excluded = {p.untyped_storage().data_ptr() for p in params}
        saved: Dict[int, int] = {}

        def pack(tensor: torch.Tensor) -> torch.Tensor:
            try:
                storage = tensor.untyped_storage()
            except (RuntimeError, NotImplementedError):
                return tensor  # e.g. opaque backend tensors
            if storage.data_ptr() not in excluded:
                saved[storage.data_ptr()] = storage.nbytes()
            return tensor

        def with_grad(inputs, data_samples):
            excluded.add(inputs.untyped_storage().data_ptr())
            with torch.enable_grad(), \
                    torch.autograd.graph.saved_tensors_hooks(
                        pack, lambda t: t):
                return raw(semi, inputs, data_samples)

        saved_mib = [0.0]

        def step() -> None:
            # Addresses are reused between steps: count per step.
            saved.clear()
            self.semi_step()
            saved_mib[0] = max(saved_mib[0], sum(saved.values()) / 2**20)

        object.__setattr__(semi, 'get_pseudo_labels', with_grad)
        for p in params:
            p.requires_grad_(True)
        try:
            peak, above_start = self._peak(step)
        finally:
            object.__delattr__(semi, 'get_pseudo_labels')
            for p in params:
                p.requires_grad_(False)
        return dict(peak_mib=peak, above_start_mib=above_start,
                    saved_activation_mib=saved_mib[0])

    def count_ops(self) -> Dict[str, int]:
        """ATen operators dispatched per step of each variant.

        Counts top-level ``aten::`` calls (from Python or the autograd
        engine, not their internal sub-calls) in one step under
        ``torch.profiler``. On a GPU each is at least one kernel launch, so
        when a step is launch-bound (small model or batch) R follows the
        ratio of these counts rather than the FLOPs.

        Returns:
            dict: Counts for ``cwbass_step`` (with the EMA), ``ema``,
            ``supervised_step`` and ``teacher_forward``.
        """
        from torch.profiler import ProfilerActivity, profile

        def count(fn: Callable[[], Any]) -> int:
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                fn()
            return sum(
                1 for e in prof.events() if e.name.startswith('aten::') and (
                    e.cpu_parent is None
                    or not e.cpu_parent.name.startswith('aten::')))

        runner = SimpleNamespace(model=self.semi, iter=self.iteration)
        return dict(
            cwbass_step=count(self.semi_step),
            ema=count(lambda: self.hook.after_train_iter(runner, 0)),
            supervised_step=count(self.sup_step),
            teacher_forward=count(self.teacher_forward))

    def find_syncs(self) -> Dict[str, Any]:
        """Host-device synchronisations inside one CW-BASS ``train_step``.

        CUDA only: ``torch.cuda.set_sync_debug_mode('warn')`` makes every
        synchronising call (``.item()``, ``nonzero``, boolean indexing, a
        device-to-host copy) warn; they are counted by source line. A sync
        inside the step stalls the host until the GPU catches up, which
        exposes the launch overhead of everything after it. The logging
        after the step (one ``.item()`` per log var) is left out.

        Returns:
            dict: ``count`` and ``sources`` (``file:line`` -> count).
        """
        import warnings
        sources: Dict[str, int] = defaultdict(int)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            torch.cuda.set_sync_debug_mode('warn')
            try:
                self.semi.train_step(self.semi_batch, self.semi_ow)
            finally:
                torch.cuda.set_sync_debug_mode('default')
        for item in caught:
            if 'synchroniz' in str(item.message):
                sources[f'{osp.basename(item.filename)}:{item.lineno}'] += 1
        return dict(count=sum(sources.values()), sources=dict(sources))

    def profile(self) -> Dict[str, Any]:
        """Profile instrumented CW-BASS steps; write table and trace."""
        from torch.profiler import ProfilerActivity, profile
        out_dir = self.options.profile_dir
        os.makedirs(out_dir, exist_ok=True)
        activities = [ProfilerActivity.CPU]
        if self.device.type == 'cuda':
            activities.append(ProfilerActivity.CUDA)
        timer = StageTimer(self.sync, record_function=True)
        instrument_semi(timer, self.semi, self.semi_ow)
        try:
            with profile(activities=activities, record_shapes=True) as prof:
                for _ in range(self.options.profile_iters):
                    self.semi_step(timer)
        finally:
            timer.restore()
        sort_key = ('self_device_time_total'
                    if self.device.type == 'cuda' else 'self_cpu_time_total')
        table = prof.key_averages().table(sort_by=sort_key, row_limit=40)
        table_path = osp.join(out_dir, 'cwbass_step_ops.txt')
        with open(table_path, 'w') as f:
            f.write(table)
        trace_path = osp.join(out_dir, 'cwbass_step_trace.json')
        prof.export_chrome_trace(trace_path)
        top = []
        for evt in sorted(
                prof.key_averages(),
                key=lambda e: getattr(e, sort_key, 0.0),
                reverse=True)[:25]:
            top.append(
                dict(
                    name=evt.key,
                    self_ms_per_step=getattr(evt, sort_key, 0.0) / 1000 /
                    self.options.profile_iters,
                    calls_per_step=evt.count / self.options.profile_iters))
        return dict(table=table_path, trace=trace_path, top_ops=top)


def _inference_model(cfg: Config, semi: nn.Module, device: torch.device,
                     work_dir: str) -> Tuple[nn.Module, str]:
    """The exported teacher as mmseg loads it (or a direct build)."""
    ckpt = osp.join(work_dir, 'semi.pth')
    state = {k: v.detach().cpu() for k, v in semi.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict()), ckpt)
    try:
        from mmseg.apis import init_model

        from mmseg_cwbass.apis.export import export_semi_checkpoint
        cfg_path, ckpt_path = export_semi_checkpoint(
            cfg, ckpt, work_dir, branch='teacher', name='benchmark_teacher')
        # mmengine's load_checkpoint print()s to stdout, where the report
        # goes.
        with contextlib.redirect_stdout(sys.stderr):
            model = init_model(cfg_path, ckpt_path, device=str(device))
        return model, 'export_semi_checkpoint + mmseg.apis.init_model'
    except Exception as err:  # noqa: BLE001 - fall back, and say so
        from mmseg.registry import MODELS
        model = MODELS.build(copy.deepcopy(cfg.model.segmentor))
        model.load_state_dict(semi.teacher.state_dict())
        model.to(device).eval()
        return model, f'plain build from cfg.model.segmentor ({err!r})'


def benchmark_inference(bench: _Bench) -> Dict[str, Any]:
    """Images/s of the exported teacher: ``predict`` and ``_forward``.

    Args:
        bench (_Bench): The run (config, models, device, images).

    Returns:
        dict: ``path``, ``batch``, ``predict_img_per_s``,
        ``forward_img_per_s`` (medians over rounds) and their rounds.
    """
    opts = bench.options
    batch = opts.infer_batch or (bench.layout['labeled'] +
                                 bench.layout['unlabeled'])
    shape = tuple(bench.layout['crop_size'])
    images = [bench.images[i % len(bench.images)][0] for i in range(batch)]
    with tempfile.TemporaryDirectory() as work_dir:
        model, path = _inference_model(bench.cfg, bench.semi, bench.device,
                                       work_dir)
    if opts.channels_last:
        model.to(memory_format=torch.channels_last)
    samples = [_sample(i, shape) for i in range(batch)]
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=images, data_samples=samples), False)
    inputs = _to_channels_last(data['inputs']) if opts.channels_last else \
        data['inputs']
    data_samples = data['data_samples']
    iters = max(opts.iters, 1)

    def timed(fn: Callable[[], Any]) -> List[float]:
        with torch.no_grad(), autocast_context(bench.device,
                                               bench.amp_dtype):
            for _ in range(max(opts.warmup, 1)):
                fn()
            out = []
            for _ in range(opts.repeats):
                bench.sync()
                start = time.perf_counter()
                for _ in range(iters):
                    fn()
                bench.sync()
                out.append(batch * iters / (time.perf_counter() - start))
        return out

    predict = timed(lambda: model.predict(inputs, data_samples))
    forward = timed(lambda: model._forward(inputs, data_samples))
    return dict(
        path=path,
        batch=batch,
        predict_img_per_s=_median(predict),
        forward_img_per_s=_median(forward),
        predict_rounds=predict,
        forward_rounds=forward)


# -------------------------------------------------------------- dataloader
def _missing_data(dl_cfg: dict) -> List[str]:
    """Files/folders the config's train set needs but that do not exist."""
    dataset = dl_cfg.get('dataset', {}) or {}
    parts = [dataset.get('labeled'), dataset.get('unlabeled')] if \
        'labeled' in dataset else [dataset]
    missing = []
    for part in parts:
        if not part:
            continue
        root = part.get('data_root') or ''
        for key in ('ann_file', ):
            value = part.get(key)
            if value:
                path = value if osp.isabs(value) or not root else osp.join(
                    root, value)
                if not osp.isfile(path):
                    missing.append(path)
        img_dir = (part.get('data_prefix') or {}).get('img_path', '')
        if img_dir:
            path = img_dir if osp.isabs(img_dir) or not root else osp.join(
                root, img_dir)
            if not osp.isdir(path):
                missing.append(path)
        elif root and not osp.isdir(root):
            missing.append(root)
    return missing


def _is_voc_layout(dl_cfg: dict) -> bool:
    dataset = dl_cfg.get('dataset', {}) or {}
    if 'labeled' not in dataset:
        return False
    for role in ('labeled', 'unlabeled'):
        part = dataset[role] or {}
        seg = str((part.get('data_prefix') or {}).get('seg_map_path', ''))
        if part.get('type', 'PascalVOCDataset') != 'PascalVOCDataset' and \
                'SegmentationClass' not in seg:
            return False
    return True


def _use_toy_voc(dl_cfg: dict, options: BenchmarkOptions,
                 work_dir: str) -> str:
    """Point the two sources at a generated toy VOC tree; returns its root."""
    from mmseg_cwbass.testing.toy_data import generate_toy_voc
    n = max(int(options.toy_images), 4)
    root = generate_toy_voc(
        work_dir, num_train=n, num_val=0,
        image_size=tuple(options.toy_image_size), seed=options.seed)
    ids = [f'train_{i:06d}' for i in range(n)]
    split = {'labeled': ids[:n // 2], 'unlabeled': ids[n // 2:]}
    for role, role_ids in split.items():
        ann = osp.join(work_dir, f'{role}.txt')
        with open(ann, 'w') as f:
            f.write('\n'.join(role_ids) + '\n')
        part = dl_cfg['dataset'][role]
        seg = osp.basename(
            str((part.get('data_prefix') or {}).get('seg_map_path', '')))
        if seg not in ('SegmentationClass', 'SegmentationClassAug'):
            seg = 'SegmentationClass'
        part['data_root'] = None
        part['data_prefix'] = dict(
            img_path=osp.join(root, 'JPEGImages'),
            seg_map_path=osp.join(root, seg))
        part['ann_file'] = ann
    return root


def benchmark_dataloader(cfg: Config, options: BenchmarkOptions,
                         step_ms: float,
                         log: Callable[[str], None]) -> Dict[str, Any]:
    """Images/s of the real train dataloader in one process.

    Builds ``train_dataloader`` (``SemiSegDataset`` + ``MultiSourceSampler``
    + ``MultiBranch`` pipelines) with ``num_workers=0`` and times whole
    batches, collation included.

    Args:
        cfg (Config): The config.
        options (BenchmarkOptions): Settings (``data``, batch counts, toy
            data).
        step_ms (float): Measured step time (a), to size the workers.
        log (callable): Progress printer.

    Returns:
        dict: ``status`` (``'ok'``/``'skipped'``), ``source``,
        ``per_batch_ms``, ``img_per_s_per_worker``, ``workers_needed``
        (``ceil(load time per batch / step time)``: each worker delivers a
        batch per load time, the step consumes one per step time),
        ``config_num_workers``, ``keeps_up``.
    """
    from mmengine.runner import Runner
    dl_cfg = copy.deepcopy(cfg.train_dataloader)
    if hasattr(dl_cfg, 'to_dict'):
        dl_cfg = dl_cfg.to_dict()
    workers = int(dl_cfg.get('num_workers', 0))
    result: Dict[str, Any] = dict(config_num_workers=workers)
    if options.data == 'none':
        return dict(result, status='skipped', reason='--data none')
    with tempfile.TemporaryDirectory() as work_dir:
        missing = _missing_data(dl_cfg)
        source = 'config'
        if options.data == 'toy' or (missing and options.data == 'auto'):
            if not _is_voc_layout(dl_cfg):
                return dict(
                    result, status='skipped',
                    reason=f'data not found ({missing[:2]}); toy data is '
                    'generated for VOC-layout configs only')
            log('dataloader: generating toy VOC data '
                f'({options.toy_images} images of '
                f'{options.toy_image_size[0]}x{options.toy_image_size[1]})')
            _use_toy_voc(dl_cfg, options, work_dir)
            source = (f'toy VOC {options.toy_image_size[0]}x'
                      f'{options.toy_image_size[1]}')
        elif missing:
            return dict(
                result, status='skipped',
                reason=f'data not found: {missing[:3]}')
        dl_cfg['num_workers'] = 0
        dl_cfg['persistent_workers'] = False
        dl_cfg.pop('prefetch_factor', None)
        loader = Runner.build_dataloader(dl_cfg, seed=options.seed)
        batch_size = int(dl_cfg.get('batch_size', 1))
        iterator = iter(loader)
        for _ in range(options.data_warmup):
            next(iterator)
        times = []
        for _ in range(max(options.data_batches, 1)):
            start = time.perf_counter()
            next(iterator)
            times.append(time.perf_counter() - start)
    per_batch_ms = 1000 * _median(times)
    needed = max(1, math.ceil(per_batch_ms / step_ms)) if step_ms > 0 else 1
    if workers == 0:
        effective = step_ms + per_batch_ms
    else:
        effective = max(step_ms, per_batch_ms / workers)
    return dict(
        result,
        status='ok',
        source=source,
        batch_size=batch_size,
        batches=len(times),
        per_batch_ms=per_batch_ms,
        img_per_s_per_worker=1000 * batch_size / per_batch_ms,
        step_ms=step_ms,
        workers_needed=needed,
        keeps_up=workers >= needed and workers > 0,
        effective_step_ms_with_config_workers=effective)


# ------------------------------------------------------------------- main
def _versions() -> Dict[str, str]:
    import mmcv
    import mmengine
    import mmseg
    return dict(
        torch=torch.__version__,
        mmseg=mmseg.__version__,
        mmengine=mmengine.__version__,
        mmcv=mmcv.__version__,
        python=platform.python_version())


def _device_name(device: torch.device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return (f'CPU ({os.cpu_count()} cores, '
            f'{torch.get_num_threads()} torch threads, '
            f'{platform.processor() or platform.machine()})')


def run_benchmark(cfg: Config,
                  options: Optional[BenchmarkOptions] = None,
                  log: Callable[[str], None] = print) -> Dict[str, Any]:
    """Measure a CW-BASS config; see the module docstring.

    Args:
        cfg (Config): A loaded semi-supervised config (``--cfg-options``
            merged, plugins imported: see :func:`load_config`).
        options (BenchmarkOptions, optional): Settings.
        log (callable): Progress printer. Defaults to ``print``.

    Returns:
        dict: JSON-able result; :func:`format_markdown` renders it.
    """
    options = options or BenchmarkOptions()
    if options.iters < 1 or options.repeats < 1 or options.warmup < 0:
        raise ValueError('need iters >= 1, repeats >= 1, warmup >= 0')
    _import_plugins(cfg)
    threads = torch.get_num_threads()
    if options.threads:
        torch.set_num_threads(options.threads)
    try:
        return _run_benchmark(cfg, options, log)
    finally:
        torch.set_num_threads(threads)


def _run_benchmark(cfg: Config, options: BenchmarkOptions,
                   log: Callable[[str], None]) -> Dict[str, Any]:
    """:func:`run_benchmark` once the thread count is set."""
    device = resolve_device(options.device)
    cudnn = options.cudnn_benchmark
    if cudnn is None:
        cudnn = bool((cfg.get('env_cfg') or {}).get('cudnn_benchmark',
                                                    False))
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = cudnn
    bench = _Bench(cfg, options, log)
    layout = bench.layout
    log(f'device: {_device_name(device)}; batch {layout["labeled"]}+'
        f'{layout["unlabeled"]} at {layout["crop_size"]}; '
        f'{options.repeats} rounds x {options.iters} iterations')
    measured = bench.measure()
    summary = _summarise(measured['rounds'], measured['stages'])
    cpu_summary = _summarise(measured['cpu_rounds'], measured['cpu_stages'])
    sup_stages = {k: _median(v) for k, v in measured['sup_stages'].items()}
    a = summary['timings_ms']['cwbass_step']['median']

    result: Dict[str, Any] = dict(
        meta=dict(
            config=cfg.filename,
            model=type(bench.semi).__name__,
            segmentor=type(bench.plain).__name__,
            device=str(device),
            device_name=_device_name(device),
            versions=_versions(),
            torch_threads=torch.get_num_threads(),
            amp=options.amp,
            amp_dtype=str(bench.amp_dtype).replace('torch.', '')
            if bench.amp_dtype is not None else None,
            channels_last=options.channels_last,
            cudnn_benchmark=cudnn if device.type == 'cuda' else None,
            iters=options.iters,
            warmup=options.warmup,
            repeats=options.repeats,
            batch=dict(
                labeled=layout['labeled'],
                unlabeled=layout['unlabeled'],
                student_view=layout['student_view']),
            crop_size=list(layout['crop_size']),
            num_classes=bench.num_classes,
            diagnostic_masks=layout['diagnostic_masks'],
            concat_student_forward=bool(
                bench.semi.semi_train_cfg.get('concat_student_forward',
                                              False)),
            student_params_m=sum(
                p.numel() for p in bench.semi.student.parameters()) / 1e6,
            timestamp=time.strftime('%Y-%m-%dT%H:%M:%S%z')),
        **summary,
        supervised_stages_ms=sup_stages,
        # The same quantities in process CPU time (not the wall clock):
        # robust to other jobs on a shared CPU, meaningless on a GPU.
        cpu_time=cpu_summary if device.type == 'cpu' else None)
    log('operator counts')
    result['op_counts'] = bench.count_ops()
    if device.type == 'cuda':
        log('synchronising calls in train_step')
        result['syncs_in_train_step'] = bench.find_syncs()
    if options.profile_dir:
        log(f'profiling {options.profile_iters} steps -> '
            f'{options.profile_dir}')
        result['profile'] = bench.profile()
    if options.inference:
        log('inference: exported teacher')
        result['inference'] = benchmark_inference(bench)
    log('dataloader')
    result['data'] = benchmark_dataloader(cfg, options, a, log)
    # Last: on CPU it retunes the allocator, which would slow timings.
    log('memory' + (' (and a teacher under autograd)'
                    if options.memory_variant else ''))
    result['memory'] = bench.measure_memory()
    result['targets'] = dict(
        R_max=TARGET_R,
        R_ok=bool(result['ratio_R'] <= TARGET_R),
        specific_share_max=TARGET_SPECIFIC_SHARE,
        specific_share_ok=bool(
            result['cwbass_specific_share'] <= TARGET_SPECIFIC_SHARE))
    return result


def _summarise(rounds: Dict[str, List[float]],
               stages: Dict[str, List[float]]) -> Dict[str, Any]:
    """Medians over rounds, R, stage rows and the CW-BASS-specific share.

    Args:
        rounds (dict): ms per variant and round.
        stages (dict): ms per stage and round (means per step).

    Returns:
        dict: ``timings_ms``, ``ratio_R``, ``ratio_R_rounds``,
        ``stages_ms``, ``stage_groups_ms``, ``cwbass_specific_ms`` and
        ``cwbass_specific_share``.
    """
    timings = {k: _stat(v) for k, v in rounds.items()}
    a, b, c = (timings[k]['median']
               for k in ('cwbass_step', 'supervised_step', 'teacher_forward'))
    bc_rounds = [x + y for x, y in zip(rounds['supervised_step'],
                                       rounds['teacher_forward'])]
    stages_ms = {k: _median(v) for k, v in stages.items()}
    # Stage times are per-step means: compare them with the mean step.
    instrumented = timings['cwbass_step_instrumented_mean']['median']
    rows = {}
    for name, (group, description) in STAGES.items():
        ms = stages_ms.get(name, 0.0)
        rows[name] = dict(
            group=group, description=description, ms=ms,
            share=ms / instrumented if instrumented > 0 else float('nan'))
    specific_ms = sum(row['ms'] for row in rows.values()
                      if row['group'] == 'cwbass')
    groups: Dict[str, float] = defaultdict(float)
    for row in rows.values():
        groups[row['group']] += row['ms']
    return dict(
        timings_ms=timings,
        ratio_R=a / (b + c) if b + c > 0 else float('nan'),
        ratio_R_rounds=[
            x / y if y > 0 else float('nan')
            for x, y in zip(rounds['cwbass_step'], bc_rounds)
        ],
        stages_ms=rows,
        stage_groups_ms=dict(groups),
        cwbass_specific_ms=specific_ms,
        cwbass_specific_share=specific_ms / instrumented
        if instrumented > 0 else float('nan'))


# ------------------------------------------------------------------ report
def _fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        if math.isnan(value):
            return 'n/a'
        return f'{value:.{digits}f}'
    return str(value)


def format_markdown(result: Dict[str, Any]) -> str:
    """Markdown tables of a :func:`run_benchmark` result.

    Args:
        result (dict): Benchmark result.

    Returns:
        str: The report.
    """
    meta = result['meta']
    t = result['timings_ms']
    cpu = result.get('cpu_time')
    ct = cpu['timings_ms'] if cpu else None
    batch = meta['batch']
    n_l, n_u = batch['labeled'], batch['unlabeled']
    mem = result.get('memory', {})
    lines = [
        f"### CW-BASS step benchmark: `{osp.basename(meta['config'] or '')}`",
        '',
        f"{meta['device_name']}; torch {meta['versions']['torch']}, "
        f"mmseg {meta['versions']['mmseg']}; batch {n_l}+{n_u} at "
        f"{meta['crop_size'][0]}x{meta['crop_size'][1]}, "
        f"{meta['num_classes']} classes, student "
        f"{meta['student_params_m']:.1f} M parameters; "
        f"amp={meta['amp_dtype'] or 'off'}, "
        f"channels_last={meta['channels_last']}; median of "
        f"{meta['repeats']} rounds x {meta['iters']} iterations (variants "
        f"interleaved per iteration, after {meta['warmup']} warm-up).",
        '',
    ]
    head = '| measurement | wall ms / iter | rounds (wall) |'
    rule = '|---|---:|---|'
    if ct:
        head += ' CPU-time ms / iter | rounds (CPU time) |'
        rule += '---:|---|'
    # On CPU, oneDNN and the allocator keep memory between calls, so the
    # rise above the usage at the start of a section means little there.
    above = mem.get('kind') == 'cuda_max_memory_allocated'
    lines += [
        head + (' peak memory MiB (above start) |'
                if above else ' peak memory MiB |'), rule + '---:|'
    ]

    def row(label: str, key: str, mem_key: Optional[str] = None) -> str:
        cells = [label, _fmt(t[key]['median']),
                 ', '.join(_fmt(v) for v in t[key]['rounds'])]
        if ct:
            cells += [_fmt(ct[key]['median']),
                      ', '.join(_fmt(v) for v in ct[key]['rounds'])]
        if mem_key and f'{mem_key}_peak' in mem:
            cells.append(_fmt(mem[f'{mem_key}_peak']) + (
                f" ({_fmt(mem[f'{mem_key}_above_start'])})"
                if above else ''))
        else:
            cells.append('')
        return '| ' + ' | '.join(cells) + ' |'

    def ratio_row() -> str:
        cells = ['**R = a / (b + c)**', f"**{result['ratio_R']:.3f}**",
                 ', '.join(f'{v:.3f}' for v in result['ratio_R_rounds'])]
        if cpu:
            cells += [f"**{cpu['ratio_R']:.3f}**",
                      ', '.join(f'{v:.3f}' for v in cpu['ratio_R_rounds'])]
        cells.append(f"target <= {result['targets']['R_max']}")
        return '| ' + ' | '.join(cells) + ' |'

    lines += [
        row('(a) CW-BASS step (train_step + logging + EMA)', 'cwbass_step',
            'cwbass_step'),
        row('(a) of which train_step + logging', 'cwbass_train_step'),
        row('(a) of which EMA update (MeanTeacherHook)', 'ema'),
        row(f'(b) supervised mmseg step, {n_l + n_u} labeled images',
            'supervised_step', 'supervised_step'),
        row(f'(c) teacher forward, {n_u} images (no grad)',
            'teacher_forward', 'teacher_forward'),
        ratio_row(),
        '',
        'Stage breakdown of (a), instrumented (a synchronised timer around '
        'every stage method; per-step means, exclusive of nested stages; '
        f"mean instrumented step "
        f"{_fmt(t['cwbass_step_instrumented_mean']['median'])} ms wall"
        + (f", {_fmt(ct['cwbass_step_instrumented_mean']['median'])} ms "
           'CPU time' if ct else '') + '):',
        '',
    ]
    head = '| stage | group | wall ms | share |'
    rule = '|---|---|---:|---:|'
    if cpu:
        head += ' CPU ms | share (CPU) |'
        rule += '---:|---:|'
    lines += [head + ' what |', rule + '---|']
    for name, stage in result['stages_ms'].items():
        cells = [name, stage['group'], _fmt(stage['ms'], 2),
                 f"{100 * stage['share']:.2f}%"]
        if cpu:
            other = cpu['stages_ms'][name]
            cells += [_fmt(other['ms'], 2), f"{100 * other['share']:.2f}%"]
        cells.append(stage['description'])
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines += ['']
    head = '| group | wall ms | share |'
    rule = '|---|---:|---:|'
    if cpu:
        head += ' CPU ms | share (CPU) |'
        rule += '---:|---:|'
    lines += [head, rule]
    for name in ('student', 'teacher', 'cwbass', 'common'):
        groups = result['stage_groups_ms']
        if name not in groups:
            continue
        total = t['cwbass_step_instrumented_mean']['median']
        cells = [name, _fmt(groups[name], 2),
                 f'{100 * groups[name] / total:.2f}%']
        if cpu:
            value = cpu['stage_groups_ms'][name]
            total = ct['cwbass_step_instrumented_mean']['median']
            cells += [_fmt(value, 2), f'{100 * value / total:.2f}%']
        lines.append('| ' + ' | '.join(cells) + ' |')
    share = f"{100 * result['cwbass_specific_share']:.2f}%"
    if cpu:
        share += f" wall, {100 * cpu['cwbass_specific_share']:.2f}% CPU time"
    lines += [
        '',
        '**CW-BASS-specific stages (pseudo-label, threshold, band, weighted '
        f"losses, statistics, EMA): {_fmt(result['cwbass_specific_ms'], 2)} "
        f'ms = {share} of the step** (target <= '
        f"{100 * result['targets']['specific_share_max']:.0f}%).",
        '',
        'Supervised step (b), instrumented (wall ms): ' + ', '.join(
            f'{k} {_fmt(v, 2)}'
            for k, v in result['supervised_stages_ms'].items()) + '.',
    ]
    syncs = result.get('syncs_in_train_step')
    if syncs is not None:
        where = ', '.join(f'{k} x{v}' for k, v in syncs['sources'].items())
        lines += [
            '',
            f"Host-device synchronisations inside (a)'s train_step: "
            f"{syncs['count']}" + (f' ({where})' if where else '') + '.',
        ]
    ops = result.get('op_counts')
    if ops:
        needed = max(ops['supervised_step'] + ops['teacher_forward'], 1)
        lines += [
            '',
            'ATen operators per step (kernel launches on a GPU): (a) '
            f"{ops['cwbass_step']} (EMA {ops['ema']}), (b) "
            f"{ops['supervised_step']}, (c) {ops['teacher_forward']}; "
            f"a / (b + c) = {ops['cwbass_step'] / needed:.2f}.",
        ]
    if mem:
        lines += [
            '',
            f"Memory ({mem['kind']}"
            + (', glibc told to unmap freed blocks'
               if mem.get('allocator_tuned') else '') + ', MiB'
            + ('; "above start" = peak minus the usage before the section'
               if above else '') + '):',
            '',
            '| quantity | MiB |',
            '|---|---:|',
        ]
        rows = [('cwbass_step_peak', 'peak, CW-BASS step'),
                ('supervised_step_peak', 'peak, supervised step'),
                ('teacher_forward_peak', 'peak, teacher forward')]
        if above:
            rows += [('cwbass_step_above_start', 'above start, CW-BASS step'),
                     ('supervised_step_above_start',
                      'above start, supervised step')]
        for key, label in rows + [
                ('cwbass_step_teacher_with_grad_peak',
                 'peak, CW-BASS step with the teacher under autograd'),
                ('saved_by_no_grad_teacher',
                 'memory saved by the no-grad teacher (peak difference)'),
                ('teacher_activations_autograd_would_keep',
                 'teacher activations autograd would keep (saved tensors)')]:
            if key in mem:
                lines.append(f'| {label} | {_fmt(mem[key])} |')
    inference = result.get('inference')
    if inference:
        lines += [
            '',
            f"Inference of the exported teacher ({inference['path']}), batch "
            f"{inference['batch']}: `predict` "
            f"{_fmt(inference['predict_img_per_s'])} img/s, `_forward` "
            f"{_fmt(inference['forward_img_per_s'])} img/s.",
        ]
    data = result.get('data', {})
    lines.append('')
    if data.get('status') == 'ok':
        lines += [
            f"Train dataloader ({data['source']}, 1 process, batch "
            f"{data['batch_size']}):",
            '',
            '| quantity | value |',
            '|---|---:|',
            f"| load time per batch | {_fmt(data['per_batch_ms'])} ms |",
            f"| images/s per worker | "
            f"{_fmt(data['img_per_s_per_worker'])} |",
            f"| workers needed for the step time (ceil(load / step)) | "
            f"{data['workers_needed']} |",
            f"| num_workers of the config | {data['config_num_workers']} |",
            f"| keeps up with the config's workers | {data['keeps_up']} |",
            f"| step time with the config's workers | "
            f"{_fmt(data['effective_step_ms_with_config_workers'])} ms |",
        ]
    else:
        lines.append(f"Train dataloader: skipped ({data.get('reason')}).")
    if result.get('profile'):
        lines += ['', f"Profile: {result['profile']['table']}"]
    return '\n'.join(lines) + '\n'
