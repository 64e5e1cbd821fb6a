"""Markdown report of a ``tools/analysis_tools/benchmark.py`` result."""
import math
import os.path as osp
from typing import Any, Dict, List, Optional

from mmseg_cwbass.utils.markdown import markdown_table


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return 'n/a' if math.isnan(value) else f'{value:.{digits}f}'
    return str(value)


def table(head: List[str], rows: List[List[Any]]) -> List[str]:
    """Markdown table lines; a column is right-aligned where its first
    row holds a number."""
    align = ['r' if rows and isinstance(cell, (int, float)) and
             not isinstance(cell, bool) else 'l' for cell in
             (rows[0] if rows else head)]
    return markdown_table(
        head, [[fmt(c, 2) if isinstance(c, float) else c for c in row]
               for row in rows], align=align).splitlines()


def timing_rows(result: Dict[str, Any]) -> List[List[Any]]:
    meta, t = result['meta'], result['timings_ms']
    cpu = (result.get('cpu_time') or {}).get('timings_ms')
    mem = result.get('memory', {})
    n_l, n_u = meta['batch']['labeled'], meta['batch']['unlabeled']
    views = max(1, meta.get('student_views', 1))
    labels = [
        ('cwbass_step', f"(a) {meta['model']} step (train_step + logging + "
         'EMA)'),
        ('cwbass_train_step', '(a) of which train_step + logging'),
        ('ema', '(a) of which EMA update (MeanTeacherHook)'),
        ('supervised_step', f'(b) supervised mmseg step, '
         f'{n_l + views * n_u} labeled images'),
        ('teacher_forward', f'(c) teacher forward, {n_u} images (no grad)'),
    ]
    rows = []
    for key, label in labels:
        if key not in t:
            continue
        row = [label, t[key]['median'],
               ', '.join(fmt(v) for v in t[key]['rounds'])]
        if cpu:
            row.append(cpu[key]['median'])
        peak = mem.get(f'{key}_peak')
        row.append(fmt(peak) if peak is not None else '')
        rows.append(row)
    if 'ratio_R' in result:
        row = ['**R = a / (b + c)**', f"**{result['ratio_R']:.3f}**",
               ', '.join(f'{v:.3f}' for v in result['ratio_R_rounds'])]
        if cpu:
            row.append(f"**{result['cpu_time']['ratio_R']:.3f}**")
        rows.append(row + [''])
    return rows


def stage_lines(result: Dict[str, Any]) -> List[str]:
    stages = result.get('stages_ms')
    if not stages:
        return []
    device = result['meta']['device'].startswith('cuda')
    head = ['range', 'group', 'host ms', 'share', 'ops']
    if device:
        head += ['device ms', 'device share']
    rows = []
    for name, s in stages.items():
        row = [f'`{name}`', s['group'], s['ms'],
               f"{100 * s['share']:.2f}%", fmt(s['ops'], 0)]
        if device:
            row += [s['device_ms'], f"{100 * (s['device_share'] or 0):.2f}%"]
        rows.append(row + [s['description']])
    share = f"{100 * result['cwbass_specific_share']:.2f}%"
    if result.get('cwbass_specific_device_share') is not None:
        share += (f" of host time, "
                  f"{100 * result['cwbass_specific_device_share']:.2f}% of "
                  'device time')
    meta = result['meta']
    return [
        '',
        f"Stage breakdown of (a) from torch.profiler ranges "
        f"({meta['profile_iters']} profiled steps, per-step means, exclusive "
        f"of nested ranges; profiled step {fmt(result['profiled_step_ms'])} "
        'ms host time):',
        '',
    ] + table(head + ['what'], rows) + [
        '',
        f"**Method-specific ranges (group `cwbass`: threshold, band, "
        "weighted losses, strong views, channel dropout, method loss, EMA): "
        f"{fmt(result['cwbass_specific_ms'], 2)} ms = {share} of the "
        'step**. Pseudo-labelling (upsample, argmax, confidence, valid mask) '
        'sits inside `semi:pseudo_labels` with the teacher forward: '
        f"{fmt(result['pseudo_label_extra_ops'], 0)} operators more than "
        f"(c), {fmt(result['pseudo_label_overhead_ms'], 2)} ms more than a "
        'profiled (c) (two short samples: noisy on a shared machine).',
    ]


def format_markdown(result: Dict[str, Any]) -> str:
    """The report of a benchmark result.

    Args:
        result (dict): Output of ``benchmark.run``.

    Returns:
        str: Markdown.
    """
    meta = result['meta']
    env = meta['env']  # mmseg_cwbass.utils.collect_env
    n_l, n_u = meta['batch']['labeled'], meta['batch']['unlabeled']
    cpu = result.get('cpu_time')
    mem = result.get('memory', {})
    lines = [
        f"### Step benchmark: `{osp.basename(meta['config'] or '')}`", '',
        f"{meta['device_name']}, {env['torch threads']} torch threads; "
        f"torch {env['PyTorch']}, mmseg "
        f"{env['MMSegmentation']}; {meta['model']}, batch {n_l}+{n_u} "
        f"at {meta['crop_size'][0]}x{meta['crop_size'][1]}, "
        f"{meta['num_classes']} classes, student "
        f"{meta['student_params_m']:.1f} M parameters; "
        f"amp={meta['amp_dtype'] or 'off'}, "
        f"channels_last={meta['channels_last']}, "
        f"cudnn.benchmark={meta['cudnn_benchmark']}; median of "
        f"{meta['repeats']} rounds x {meta['iters']} iterations (variants "
        f"interleaved, after {meta['warmup']} warm-up).", '',
    ]
    head = ['measurement', 'wall ms / iter', 'rounds (wall)']
    if cpu:
        head.append('CPU-time ms / iter')
    lines += table(head + [f"peak memory MiB ({mem.get('kind')})"],
                   timing_rows(result))
    lines += stage_lines(result)
    ops = result.get('op_counts') or {}
    if 'cwbass_step' in ops:
        needed = max(ops['supervised_step'] + ops['teacher_forward'], 1)
        lines += ['', 'ATen operators per step (each at least one kernel '
                  f"launch on a GPU): (a) {fmt(ops['cwbass_step'], 0)} (EMA "
                  f"{fmt(ops['ema'], 0)}), (b) "
                  f"{fmt(ops['supervised_step'], 0)}, (c) "
                  f"{fmt(ops['teacher_forward'], 0)}; a / (b + c) = "
                  f"{ops['cwbass_step'] / needed:.2f}."]
    elif ops:
        lines += ['', 'ATen operators per step: ' + ', '.join(
            f'{k} {fmt(v, 0)}' for k, v in ops.items()) + '.']
    syncs = result.get('syncs_in_train_step')
    if syncs is not None:
        where = ', '.join(f'{k} x{v}' for k, v in syncs['sources'].items())
        lines += ['', "Host-device synchronisations inside (a)'s "
                  f"train_step: {syncs['count']}" +
                  (f' ({where})' if where else '') + '.']
    if mem:
        rows = [[k, fmt(v)] for k, v in mem.items()
                if isinstance(v, float)]
        lines += ['', f"Memory ({mem['kind']}, MiB; process_peak_rss_mib is "
                  'the lifetime peak RSS of the whole benchmark process):',
                  ''] + table(['quantity', 'MiB'], rows)
    inf = result.get('inference')
    if inf:
        lines += ['', f"Inference ({inf['path']}), batch {inf['batch']}: "
                  f"`predict` {fmt(inf['predict_img_per_s'])} img/s, "
                  "`mode='tensor'` forward "
                  f"{fmt(inf['forward_img_per_s'])} img/s."]
    lines.append('')
    data = result.get('data', {})
    if data.get('status') == 'ok':
        lines += [f"Train dataloader ({data['source']}, 1 process, batch "
                  f"{data['batch_size']}):", ''] + table(
                      ['quantity', 'value'], [
                          ['ms per batch', fmt(data['per_batch_ms'])],
                          ['images/s per worker',
                           fmt(data['img_per_s_per_worker'])],
                          ['workers needed (ceil(load / step))',
                           data['workers_needed']],
                          ['num_workers of the config',
                           data['config_num_workers']],
                          ["keeps up with the config's workers",
                           data['keeps_up']],
                      ])
    else:
        lines.append(f"Train dataloader: skipped ({data.get('reason')}).")
    profile: Optional[dict] = result.get('profile')
    if profile:
        lines += ['', f"Profiler trace: {profile['trace']}; op table: "
                  f"{profile['table']}"]
    return '\n'.join(lines) + '\n'
