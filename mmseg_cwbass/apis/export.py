# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Export one branch of a CW-BASS checkpoint as a plain mmseg model.

A CW-BASS run saves a wrapper model (``CWBASSSegmentor`` and friends) whose
``state_dict`` holds ``student.<mmseg key>`` and ``teacher.<mmseg key>``, and
whose config needs this plugin (``custom_imports``).
:func:`export_semi_checkpoint` writes

* ``<name>.py``: a plain mmseg config whose ``model`` is the wrapped
  segmentor (:func:`~mmseg_cwbass.apis.plain_config.convert_config`), so
  that ``mmseg.apis.init_model``, ``MMSegInferencer`` and mmseg's
  ``tools/test.py`` load it without this plugin installed;
* ``<name>.pth``: ``{'state_dict': ..., 'meta': ...}`` of the chosen branch,
  made only of tensors and plain Python values, so that
  ``torch.load(weights_only=True)`` (torch >= 2.6's default, which mmengine
  0.10.7 uses) accepts it.

It lives in ``mmseg_cwbass.apis`` because, like ``mmseg.apis.init_model``,
it is a user-facing call over a config and a checkpoint, and two tool
folders use it: ``tools/model_converters/export_model.py`` (the CLI) and
``tools/analysis_tools/benchmark.py`` (inference of the exported teacher).
The checkpoint is read under the plugin's checkpoint policy
(:mod:`mmseg_cwbass.engine.checkpoint`).
"""
import copy
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.registry import DefaultScope

from ..engine.checkpoint import UntrustedCheckpointError, load_checkpoint_file
from ..engine.cli import read_config
from ..models.utils import final_head
from .plain_config import ExportError, convert_config

BRANCHES = ('teacher', 'student')


def extract_branch_state_dict(checkpoint: Mapping,
                              branch: str = 'teacher',
                              source: str = 'checkpoint'
                              ) -> 'OrderedDict[str, torch.Tensor]':
    """State dict of one branch of the wrapper, prefix stripped.

    Args:
        checkpoint (Mapping): Loaded checkpoint, with or without the
            ``state_dict`` level.
        branch (str): ``'teacher'`` or ``'student'``.
        source (str): Name of the checkpoint for error messages.

    Returns:
        OrderedDict[str, torch.Tensor]: Detached CPU tensors keyed by plain
        mmseg parameter names. Other wrapper entries (``threshold.*``, the
        other branch) are left out.

    Raises:
        ExportError: No ``<branch>.`` key exists.
    """
    if branch not in BRANCHES:
        raise ValueError(f'branch must be one of {BRANCHES}, got {branch!r}')
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, Mapping):
        raise ExportError(f'{source}: `state_dict` is a {type(state)}, '
                          'not a mapping')
    prefix = f'{branch}.'
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for key, value in state.items():
        # A model saved from inside DistributedDataParallel keeps `module.`.
        if key.startswith('module.'):
            key = key[len('module.'):]
        if key.startswith(prefix) and isinstance(value, torch.Tensor):
            # clone(): a view would save its whole (possibly shared) storage.
            out[key[len(prefix):]] = value.detach().cpu().clone()
    if not out:
        roots = sorted({str(k).split('.', 1)[0] for k in state})
        raise ExportError(
            f"{source}: no '{prefix}*' weights in the state_dict (top-level "
            f'prefixes found: {roots}). Is this a checkpoint of a CW-BASS '
            "teacher/student wrapper? A plain mmseg checkpoint needs no "
            'export.')
    return out


# --------------------------------------------------------------- checkpoint
#: Marks a value :func:`_plain_value` cannot keep.
_DROP = object()


def _plain_value(value: Any, path: str, notes: List[str]) -> Any:
    """``value`` as tensors and builtin types only (``weights_only`` safe)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            item = _plain_value(v, f'{path}.{k}', notes)
            if item is not _DROP:
                out[str(k)] = item
        return out
    if isinstance(value, (list, tuple)):
        items = [_plain_value(v, f'{path}[{i}]', notes)
                 for i, v in enumerate(value)]
        items = [v for v in items if v is not _DROP]
        return tuple(items) if isinstance(value, tuple) else items
    notes.append(f'dropped {path} ({type(value).__name__})')
    return _DROP


def _dataset_meta(checkpoint: Mapping, cfg: Config, num_classes: Any,
                  notes: List[str]) -> Optional[dict]:
    meta = checkpoint.get('meta')
    if isinstance(meta, Mapping) and isinstance(meta.get('dataset_meta'),
                                                Mapping):
        return _plain_value(dict(meta['dataset_meta']), 'dataset_meta',
                            notes)
    # Fall back on the test dataset's class names, so that init_model does
    # not guess the dataset from the number of classes.
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    try:
        import mmseg.registry as mmseg_registry
        dataset_cls = mmseg_registry.DATASETS.get(dataset.get('type', ''))
        info = dict(getattr(dataset_cls, 'METAINFO', {}) or {})
        info.update(dataset.get('metainfo') or {})
    except Exception:  # noqa: BLE001 - best effort only
        info = {}
    classes = info.get('classes')
    if classes and (num_classes is None or len(classes) == num_classes):
        notes.append('dataset_meta taken from the test dataset '
                     f'{dataset.get("type")}')
        return _plain_value(
            {k: info[k] for k in ('classes', 'palette') if k in info},
            'dataset_meta', notes)
    notes.append('WARNING: no dataset_meta in the checkpoint or the config')
    return None


def _logits(model: torch.nn.Module, inputs: torch.Tensor) -> List[Any]:
    with torch.no_grad():
        out = model.eval()(inputs, mode='tensor')
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _check_against_model(model_cfg: dict,
                         state_dict: 'OrderedDict',
                         scope: str,
                         source: str,
                         notes: List[str],
                         original_cfg: Optional[dict] = None,
                         probe_size: Tuple[int, int] = (64, 64)
                         ) -> Tuple['OrderedDict', torch.nn.Module]:
    """Builds the plain model and matches the exported weights to it.

    If plugin classes were converted (``original_cfg`` given), the original
    model with all the branch's weights and the plain one with the kept
    weights must also give the same logits on a random input.

    Returns:
        tuple: The weights the plain model has, and the model.
    """
    from mmseg.registry import MODELS

    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(ConfigDict(copy.deepcopy(model_cfg)))
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    mismatched = [
        f'{k}: {tuple(state_dict[k].shape)} vs model '
        f'{tuple(expected[k].shape)}' for k in expected
        if k in state_dict and state_dict[k].shape != expected[k].shape
    ]
    if missing or mismatched:
        raise ExportError(
            f'{source}: the exported weights do not fit the exported model: '
            f'{len(missing)} missing (e.g. {missing[:5]}), '
            f'{len(mismatched)} of another shape (e.g. {mismatched[:3]})')
    if unexpected:
        notes.append(f'dropped {len(unexpected)} weights the plain model '
                     f'does not have (e.g. {unexpected[:5]})')
    kept = OrderedDict((k, state_dict[k]) for k in expected)
    if original_cfg is None:
        return kept, model

    model.load_state_dict(kept, strict=True)
    advice = ('give the plugin class an `export_plain_cfg` classmethod, or '
              'export with allow_plugin_types=True (CLI: '
              '--keep-plugin-imports)')
    try:
        with DefaultScope.overwrite_default_scope(scope):
            original = MODELS.build(ConfigDict(copy.deepcopy(original_cfg)))
        original.load_state_dict(state_dict, strict=True)
        probe = torch.randn(
            1, 3, *probe_size, generator=torch.Generator().manual_seed(0))
        want, got = _logits(original, probe), _logits(model, probe)
    except Exception as err:  # noqa: BLE001 - reported with the advice
        raise ExportError(
            f'{source}: could not compare the converted plain model with the'
            f' plugin model ({type(err).__name__}: {err}); {advice}') from err
    same = len(want) == len(got) and all(
        a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-5)
        for a, b in zip(want, got))
    if not same:
        raise ExportError(
            f'{source}: the plain mmseg model the plugin classes were '
            'converted to predicts differently from the trained model, so '
            f'the conversion is not valid; {advice}')
    notes.append('converted model checked: same logits as the plugin model')
    return kept, model


def export_semi_checkpoint(config: Union[str, Path, Config],
                           checkpoint_path: Union[str, Path],
                           out_dir: Union[str, Path],
                           branch: str = 'teacher',
                           name: Optional[str] = None,
                           trust: bool = False,
                           allow_plugin_types: bool = False,
                           verify: bool = True) -> Tuple[str, str]:
    """Writes a plain mmseg config and checkpoint for one branch.

    Args:
        config (str | Path | Config): The CW-BASS wrapper config (path or
            loaded ``Config``; ``--cfg-options`` already merged).
        checkpoint_path (str | Path): Checkpoint saved by the CW-BASS run.
        out_dir (str | Path): Output directory (created if needed).
        branch (str): ``'teacher'`` (the EMA model, default) or
            ``'student'``.
        name (str, optional): Output file stem. Defaults to
            ``<config stem>_<branch>``.
        trust (bool): Allow full unpickling of the checkpoint if the safe
            load fails; otherwise the trust store decides (see
            :func:`mmseg_cwbass.engine.checkpoint.load_checkpoint_file`).
        allow_plugin_types (bool): See
            :func:`~mmseg_cwbass.apis.plain_config.convert_config`.
        verify (bool): Build the plain model and check that the weights fit
            it (weights it lacks are dropped), that converted plugin classes
            predict the same logits, then reload both files the way mmseg
            does. Defaults to True.

    Returns:
        tuple[str, str]: Paths of the written config and checkpoint.

    Raises:
        ExportError: Wrong config or checkpoint; see the message.
        UntrustedCheckpointError: The checkpoint needs full unpickling and
            neither ``trust`` nor the trust store allows it.
    """
    if branch not in BRANCHES:
        raise ValueError(f'branch must be one of {BRANCHES}, got {branch!r}')
    plain_cfg, notes, original = convert_config(config, allow_plugin_types)
    try:
        checkpoint = load_checkpoint_file(
            checkpoint_path, map_location='cpu', trust=True if trust else None)
    except UntrustedCheckpointError as err:
        raise UntrustedCheckpointError(
            f'{err} (export_model.py: or pass --trust-checkpoint)') from err
    if not isinstance(checkpoint, Mapping):
        raise ExportError(f'{checkpoint_path}: not a checkpoint dict '
                          f'({type(checkpoint).__name__})')
    state_dict = extract_branch_state_dict(checkpoint, branch,
                                           str(checkpoint_path))
    # Unknown without the model: dataset_meta then is not checked against
    # the number of classes.
    num_classes = None
    if verify:
        state_dict, model = _check_against_model(
            plain_cfg.model.to_dict(), state_dict,
            plain_cfg.get('default_scope') or 'mmseg', str(checkpoint_path),
            notes, original)
        num_classes = final_head(model).num_classes
    elif original is not None:
        notes.append('WARNING: plugin classes were converted without '
                     'checking that predictions are unchanged (verify=False)')
    meta: Dict[str, Any] = dict(
        exported_by='mmseg_cwbass',
        branch=branch,
        source_checkpoint=Path(checkpoint_path).name)
    source_meta = checkpoint.get('meta')
    if isinstance(source_meta, Mapping):
        for key in ('epoch', 'iter'):
            if isinstance(source_meta.get(key), (int, np.integer)):
                meta[key] = int(source_meta[key])
    dataset_meta = _dataset_meta(checkpoint, plain_cfg, num_classes, notes)
    if dataset_meta is not None:
        meta['dataset_meta'] = dataset_meta

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source_cfg = (config.filename if isinstance(config, Config) else
                  str(config)) or ''
    if name is None:
        stem = Path(source_cfg).stem or Path(checkpoint_path).stem
        name = f'{stem}_{branch}'
    cfg_path = out / f'{name}.py'
    ckpt_path = out / f'{name}.pth'

    header = ('# Plain MMSegmentation config exported by mmseg_cwbass from\n'
              f'# {source_cfg or "a Config object"} ({branch} branch of '
              f'{Path(checkpoint_path).name}).\n')
    kept = plain_cfg.get('custom_imports')
    if kept:
        # Say why the plain config still imports a plugin module.
        header += ('# custom_imports keeps ' +
                   ', '.join(kept.get('imports', [])) + ': a model part '
                   'mmseg has no equivalent of (mmseg_cwbass must be '
                   'installed).\n')
    cfg_path.write_text(header + plain_cfg.pretty_text, encoding='utf-8')
    torch.save(dict(meta=meta, state_dict=dict(state_dict)), ckpt_path)

    if verify:
        # Exactly how mmengine will read them: a failure here is a bug of
        # the export, better reported now than at deployment.
        read_config(str(cfg_path), import_custom_modules=False)
        torch.load(ckpt_path, map_location='cpu', weights_only=True)

    for note in notes:
        print_log(f'export: {note}', logger='current')
    print_log(f'export: wrote {cfg_path} and {ckpt_path} ({branch}, '
              f'{len(state_dict)} tensors)', logger='current')
    return str(cfg_path), str(ckpt_path)
