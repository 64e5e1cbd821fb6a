"""Stage times and operator counts from ``torch.profiler`` ranges.

The model code names the stages of a CW-BASS step with ``record_function``
ranges (``semi:*``, ``cwbass:*``); ``step_benchmark`` adds ``bench:*`` ranges
around what it drives. This module turns a profiled run into per-range
exclusive host times, device times and operator counts.
"""
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple

from torch.autograd import DeviceType

#: Profiler ranges of a CW-BASS step: name -> (group, what). ``cwbass`` is
#: the method's own overhead, ``student``/``teacher`` the compute a step
#: needs, ``common`` what a plain mmseg step pays too. Ranges not listed
#: here are reported as well (``cwbass:*`` in group ``cwbass``).
STAGES: Dict[str, Tuple[str, str]] = {
    'semi:pseudo_labels': ('teacher', 'teacher forward + argmax, confidence,'
                           ' valid mask'),
    'semi:student_features': ('student', 'student backbone'),
    'semi:sup_loss': ('student', 'decode head + CE on labeled'),
    'semi:unsup_loss': ('student', 'decode head on unlabeled, logit '
                        'upsampling, masks, logged statistics'),
    'cwbass:threshold': ('cwbass', 'dynamic threshold tau'),
    'cwbass:boundary_band': ('cwbass', 'Sobel boundary band'),
    'cwbass:cw_loss': ('cwbass', 'confidence-weighted CE'),
    'cwbass:boundary_loss': ('cwbass', 'band CE'),
    'semi:backward_and_step': ('student', 'backward, optimizer step'),
    'bench:train_step': ('common', 'rest of train_step: data preprocessor, '
                         'loss sum, unsup weighting, finite check'),
    'bench:logging': ('common', 'message hub update, one .item() per log '
                      'var'),
    'semi:ema_update': ('cwbass', 'MeanTeacherHook EMA'),
    # Strong-view methods (FixMatch, UniMatch V2, CW-BASS on strong views):
    # their own stages count as method-specific like CW-BASS's.
    'semi:strong_views': ('cwbass', 'CutMix of the strong views with the '
                          'pseudo-labels, stacking, dropout masks'),
    'semi:channel_dropout': ('cwbass', 'complementary channel dropout on '
                             'the student features'),
    'semi:method_loss': ('cwbass', 'FixMatch/UniMatch V2 CE over confident '
                         'pixels / valid count'),
}
#: Ranges around whole variants (not stages of (a)).
VARIANTS = ('bench:cwbass_step', 'bench:supervised_step',
            'bench:teacher_forward', 'bench:teacher_forward_with_grad')


def analyse_ranges(events, iters: int) -> Dict[str, Any]:
    """Per-step host/device time and operators of every named range.

    Args:
        events: ``prof.events()`` of a profiled run.
        iters (int): Profiled iterations per variant.

    Returns:
        dict: ``stages`` (range -> ``group``, ``description``, host ``ms``
        exclusive of nested ranges, ``device_ms`` of the kernels its
        operators launched, ``ops``; per step), ``op_counts`` and host
        ``variant_ms`` per variant. Each top-level ATen operator counts for
        the innermost range open when it started, which also catches the
        backward operators that CUDA runs on the autograd engine's
        thread.
    """
    # Host events only: on CUDA each range also appears on the GPU timeline
    # (a gpu_user_annotation of the same name), and kernels are events too.
    events = [e for e in events
              if getattr(e, 'device_type', DeviceType.CPU) == DeviceType.CPU]
    named = [e for e in events
             if e.name.startswith(('semi:', 'cwbass:', 'bench:'))]
    if not named:
        return dict(stages={}, op_counts={}, variant_ms={})
    main = min(named, key=lambda e: e.time_range.start).thread
    ranges = sorted((e for e in named if e.thread == main),
                    key=lambda e: (e.time_range.start, -e.time_range.end))
    host: Dict[str, float] = defaultdict(float)
    variant_ms: Dict[str, float] = defaultdict(float)
    device: Dict[str, float] = defaultdict(float)
    ops: Dict[str, int] = defaultdict(int)
    variant_ops: Dict[str, int] = defaultdict(int)

    def innermost(t: float, pool) -> Optional[Any]:
        # Ranges are properly nested: the last one that opened before t
        # and is still open at t is the innermost.
        found = None
        for r in pool:
            if r.time_range.start > t:
                break
            if r.time_range.end >= t:
                found = r
        return found

    steps = [r.time_range for r in ranges if r.name == 'bench:cwbass_step']
    # Only (a) has stages; (b) also logs inside a bench:logging range.
    stage_ranges = [
        r for r in ranges if r.name not in VARIANTS and any(
            s.start <= r.time_range.start <= s.end for s in steps)
    ]
    open_ranges: List[Any] = []
    for r in stage_ranges:
        while open_ranges and \
                open_ranges[-1].time_range.end <= r.time_range.start:
            open_ranges.pop()
        if open_ranges:  # exclusive time: nested ranges are subtracted
            host[open_ranges[-1].name] -= r.time_range.elapsed_us()
        host[r.name] += r.time_range.elapsed_us()
        open_ranges.append(r)
    variant_ranges = [r for r in ranges if r.name in VARIANTS]
    for r in variant_ranges:
        variant_ms[r.name.split(':', 1)[1]] += r.time_range.elapsed_us()
    for e in events:
        if not e.name.startswith('aten::') or (
                e.cpu_parent is not None
                and e.cpu_parent.name.startswith('aten::')):
            continue
        start = e.time_range.start
        stage = innermost(start, stage_ranges)
        if stage is not None:
            ops[stage.name] += 1
            device[stage.name] += e.device_time_total
        variant = innermost(start, variant_ranges)
        if variant is not None:
            variant_ops[variant.name] += 1
    names = [n for n in STAGES if n in host] + sorted(
        n for n in host if n not in STAGES)
    stages = {
        name: dict(
            group=STAGES.get(name, ('cwbass' if name.startswith('cwbass:')
                                    else 'other', ''))[0],
            description=STAGES.get(name, ('', 'range in the model code'))[1],
            ms=host[name] / 1000 / iters,
            device_ms=device[name] / 1000 / iters,
            ops=ops[name] / iters)
        for name in names
    }
    op_counts = {k.split(':', 1)[1]: v / iters for k, v in variant_ops.items()}
    if 'semi:ema_update' in ops:
        op_counts['ema'] = ops['semi:ema_update'] / iters
    return dict(stages=stages, op_counts=op_counts,
                variant_ms={k: v / 1000 / iters
                            for k, v in variant_ms.items()})
