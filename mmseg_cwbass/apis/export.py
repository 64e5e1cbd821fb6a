# Copyright (c) mmseg-cwbass contributors. All rights reserved.
# Licensed under the Apache License, Version 2.0.
"""Export one branch of a CW-BASS checkpoint as a plain mmseg model.

A CW-BASS run saves a wrapper model (``CWBASSSegmentor`` and friends) whose
``state_dict`` holds ``student.<mmseg key>`` and ``teacher.<mmseg key>``, and
whose config needs this plugin (``custom_imports``). The export writes

* ``<name>.py``: a plain mmseg config whose ``model`` is the wrapped
  segmentor, with every training-only and plugin-only part removed, so that
  ``mmseg.apis.init_model``, ``MMSegInferencer`` and mmseg's
  ``tools/test.py`` load it without this plugin installed;
* ``<name>.pth``: ``{'state_dict': ..., 'meta': ...}`` of the chosen branch,
  made only of tensors and plain Python values, so that
  ``torch.load(weights_only=True)`` (torch >= 2.6's default, which mmengine
  0.10.7 uses) accepts it.

Plugin-only types are found by looking each ``type`` up in mmseg's
registries: a class whose module is not part of mmseg, mmengine, mmcv,
mmdet, mmpretrain or torch would need ``custom_imports``. A plugin model
class is converted to plain mmseg by, in this order:

1. its classmethod ``export_plain_cfg(cfg: dict) -> dict``, if it has one;
2. otherwise its nearest registered mmseg base class (e.g. the boundary-aware
   head -> ``DepthwiseSeparableASPPHead``), keeping the arguments that base
   accepts. This is only safe when the subclass changes training, not
   inference, so the export then proves it: both models get the same
   weights and must give the same logits on a random input.

Weights the plain model does not have (a training-only branch) are dropped.
Plugin metrics and hooks are dropped, plugin loops are replaced by
mmengine's; anything else plugin-only is an error unless
``allow_plugin_types=True``, which keeps ``custom_imports`` instead.
"""
import copy
import inspect
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.registry import DefaultScope, Registry

from ..engine.checkpoint import UntrustedCheckpointError as EngineUntrustedError
from ..engine.checkpoint import \
    load_checkpoint_file as engine_load_checkpoint_file

BRANCHES = ('teacher', 'student')

#: Top-level config keys that only training reads. ``custom_imports`` is
#: dropped so that the exported config does not need the plugin.
TRAIN_ONLY_KEYS = ('train_dataloader', 'train_cfg', 'optim_wrapper',
                   'optimizer', 'optimizer_config', 'param_scheduler',
                   'lr_config', 'custom_hooks', 'auto_scale_lr',
                   'model_wrapper_cfg', 'custom_imports', 'semi_train_cfg',
                   'semi_test_cfg', 'work_dir')

#: Top-level keys built at test/inference time: a plugin-only type in them
#: cannot simply be dropped.
RUNTIME_KEYS = ('test_pipeline', 'test_dataloader', 'val_dataloader',
                'tta_model', 'tta_pipeline', 'visualizer', 'vis_backends',
                'env_cfg', 'log_processor', 'randomness')

#: Packages whose registered classes mmseg can build on its own (mmdet and
#: mmpretrain are reached by mmseg through ``mmdet.``/``mmpretrain.`` scoped
#: types; torch classes are registered by mmcv/mmengine).
PLAIN_ROOTS = frozenset(
    {'mmseg', 'mmengine', 'mmcv', 'mmdet', 'mmpretrain', 'torch', 'builtins'})

#: Name of the optional classmethod a plugin model class offers to convert
#: its config into a plain-mmseg one.
EXPORT_HOOK = 'export_plain_cfg'


class ExportError(RuntimeError):
    """The checkpoint or config cannot be exported as asked."""


class UntrustedCheckpointError(ExportError, EngineUntrustedError):
    """The checkpoint needs full unpickling, which the caller did not allow."""


def load_checkpoint_file(path: Union[str, Path],
                         trust: bool = False) -> Dict[str, Any]:
    """Load a checkpoint onto the CPU under the plugin's checkpoint policy.

    Plain state dicts load with ``weights_only=True``. Full mmengine
    checkpoints are unpickled only if trusted: written by this plugin on
    this machine (trust store), or ``trust=True`` (CLI:
    ``--trust-checkpoint``). See :mod:`mmseg_cwbass.engine.checkpoint`.

    Args:
        path (str | Path): Checkpoint file.
        trust (bool): Allow full unpickling of this file. Defaults to False
            (consult the trust store).

    Returns:
        dict: The loaded checkpoint.

    Raises:
        UntrustedCheckpointError: Full unpickling needed but not allowed.
    """
    try:
        return engine_load_checkpoint_file(
            path, map_location='cpu', trust=True if trust else None)
    except EngineUntrustedError as err:
        raise UntrustedCheckpointError(
            f'{err} (tools/export_model.py: --trust-checkpoint)') from err


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


# ---------------------------------------------------------------- registries
def _mmseg_registries() -> List[Registry]:
    import mmseg.registry as mmseg_registry
    return [
        obj for obj in vars(mmseg_registry).values()
        if isinstance(obj, Registry)
    ]


def _is_plain_class(obj: Any) -> bool:
    module = getattr(obj, '__module__', None) or ''
    return module.split('.', 1)[0] in PLAIN_ROOTS


def _resolve(type_: Any, registries: List[Registry]) -> Tuple[bool, Any]:
    """Returns (plain, class-or-None) for a config ``type`` value."""
    if not isinstance(type_, str):
        # Pure-Python style configs put the class itself.
        return _is_plain_class(type_), type_
    found = None
    for registry in registries:
        try:
            obj = registry.get(type_)
        except Exception:  # noqa: BLE001 - a bad scope must not abort export
            obj = None
        if obj is None:
            continue
        if _is_plain_class(obj):
            return True, obj
        found = obj
    return False, found


def find_plugin_types(node: Any,
                      path: str = '',
                      registries: Optional[List[Registry]] = None
                      ) -> List[Tuple[str, str]]:
    """Lists the config ``type`` values mmseg cannot build on its own.

    Args:
        node (Any): Config subtree (dicts, lists and values).
        path (str): Key path of ``node``, used in the result.
        registries (list[Registry], optional): Registries to look in;
            defaults to all of ``mmseg.registry``.

    Returns:
        list[tuple[str, str]]: ``(key path, type)`` for every type that is
        unknown to mmseg's registries or provided by a package outside
        mmseg/mmengine/mmcv/mmdet/mmpretrain/torch.
    """
    registries = registries if registries is not None else _mmseg_registries()
    found: List[Tuple[str, str]] = []
    if isinstance(node, Mapping):
        if 'type' in node and not _resolve(node['type'], registries)[0]:
            found.append((path or '<root>', str(node['type'])))
        for key, value in node.items():
            found += find_plugin_types(value, f'{path}.{key}' if path else
                                       str(key), registries)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            found += find_plugin_types(value, f'{path}[{i}]', registries)
    return found


def _accepted_kwargs(cls: type) -> set:
    """Argument names ``cls(...)`` accepts, following ``**kwargs`` upwards."""
    names: set = set()
    for klass in cls.__mro__:
        if '__init__' not in vars(klass) or klass is object:
            continue
        params = list(inspect.signature(klass.__init__).parameters.values())
        names |= {
            p.name
            for p in params[1:] if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                              p.KEYWORD_ONLY)
        }
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def _plain_base(cls: type, registries: List[Registry]) -> Optional[type]:
    """Nearest base class of ``cls`` that mmseg registers under its name."""
    for base in cls.__mro__[1:]:
        if base is object or not _is_plain_class(base):
            continue
        if any(r.get(base.__name__) is base for r in registries):
            return base
    return None


def _to_plain(node: dict, cls: type, registries: List[Registry],
              path: str, notes: List[str]) -> Tuple[dict, bool]:
    """Plain config for one plugin node; (node, converted)."""
    hook: Optional[Callable] = getattr(cls, EXPORT_HOOK, None)
    if callable(hook):
        new = dict(hook(copy.deepcopy(node)))
        notes.append(f'{path}: {node["type"]} -> {new.get("type")} '
                     f'({cls.__name__}.{EXPORT_HOOK})')
        return new, True
    base = _plain_base(cls, registries) if isinstance(cls, type) else None
    if base is None:
        return node, False
    accepted = _accepted_kwargs(base)
    new = {k: v for k, v in node.items() if k == 'type' or k in accepted}
    new['type'] = base.__name__
    dropped = sorted(set(node) - set(new))
    notes.append(f'{path}: {node["type"]} -> its mmseg base {base.__name__}'
                 f' (dropped arguments {dropped})')
    return new, True


def _apply_export_hooks(node: Any, registries: List[Registry],
                        notes: List[str], path: str = 'model'
                        ) -> Tuple[Any, bool]:
    """Converts plugin model configs to plain ones; (node, any converted)."""
    converted = False
    if isinstance(node, Mapping):
        node = dict(node)
        if 'type' in node:
            plain, cls = _resolve(node['type'], registries)
            if not plain and cls is not None:
                node, converted = _to_plain(node, cls, registries, path,
                                            notes)
        out = {}
        for key, value in node.items():
            out[key], sub = _apply_export_hooks(value, registries, notes,
                                                f'{path}.{key}')
            converted |= sub
        return out, converted
    if isinstance(node, (list, tuple)):
        items = []
        for i, value in enumerate(node):
            item, sub = _apply_export_hooks(value, registries, notes,
                                            f'{path}[{i}]')
            items.append(item)
            converted |= sub
        return (tuple(items) if isinstance(node, tuple) else items), converted
    return node, False


# -------------------------------------------------------------------- config
def _as_config(config: Union[str, Path, Config]) -> Config:
    if isinstance(config, Config):
        return copy.deepcopy(config)
    if not Path(config).is_file():
        raise FileNotFoundError(f'config file not found: {config}')
    return Config.fromfile(str(config))


def _null_pretrained(segmentor: dict) -> None:
    """No weight download or pretrained load when the exported model builds.

    The exported weights replace any initialisation, and offline machines
    cannot fetch ImageNet weights anyway.
    """
    if 'pretrained' in segmentor:
        segmentor['pretrained'] = None
    backbone = segmentor.get('backbone')
    if isinstance(backbone, dict):
        if 'init_cfg' in backbone:
            backbone['init_cfg'] = None
        if 'pretrained' in backbone:
            backbone['pretrained'] = None

    def is_pretrained(init: Any) -> bool:
        if isinstance(init, Mapping):
            return init.get('type') == 'Pretrained'
        if isinstance(init, (list, tuple)):
            return any(is_pretrained(i) for i in init)
        return False

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if is_pretrained(node.get('init_cfg')):
                node['init_cfg'] = None
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(segmentor)


def _inner_data_preprocessor(wrapper: Mapping) -> Optional[dict]:
    outer = wrapper.get('data_preprocessor')
    if not isinstance(outer, Mapping):
        return None
    # MultiBranchDataPreprocessor-style: the per-image preprocessing is the
    # nested one; the outer only splits the branches.
    inner = outer.get('data_preprocessor')
    if isinstance(inner, Mapping):
        return copy.deepcopy(dict(inner))
    return copy.deepcopy(dict(outer))


def _plugin_free_evaluator(evaluator: Any, key: str, registries,
                           notes: List[str]) -> Any:
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    kept = []
    for metric in metrics:
        if isinstance(metric, Mapping) and find_plugin_types(
                metric, key, registries):
            notes.append(f'dropped plugin metric {metric.get("type")} from '
                         f'{key}')
        else:
            kept.append(metric)
    if not kept:
        kept = [dict(type='IoUMetric', iou_metrics=['mIoU'])]
        notes.append(f'{key}: no plain metric left, using IoUMetric(mIoU)')
    return kept if isinstance(evaluator, list) or len(kept) > 1 else kept[0]


def build_plain_config(config: Union[str, Path, Config],
                       allow_plugin_types: bool = False
                       ) -> Tuple[Config, List[str]]:
    """Plain mmseg config for the segmentor wrapped by a CW-BASS config.

    Args:
        config (str | Path | Config): The CW-BASS (wrapper) config.
        allow_plugin_types (bool): Keep plugin-only types (and the config's
            ``custom_imports``) instead of failing. The result then needs the
            plugin installed. Defaults to False.

    Returns:
        tuple[Config, list[str]]: The plain config and human-readable notes
        on what was changed or dropped.

    Raises:
        ExportError: ``model`` has no ``segmentor`` key, or a part needed at
            test time uses a plugin-only type.
    """
    plain_cfg, notes, _ = _build_plain_config(config, allow_plugin_types)
    return plain_cfg, notes


def _build_plain_config(config: Union[str, Path, Config],
                        allow_plugin_types: bool
                        ) -> Tuple[Config, List[str], Optional[dict]]:
    """:func:`build_plain_config`, plus the segmentor config before any
    plugin class was converted (None if nothing was converted)."""
    cfg = _as_config(config)
    source = cfg.filename or 'config'
    notes: List[str] = []
    wrapper = cfg.get('model')
    if not isinstance(wrapper, Mapping) or 'segmentor' not in wrapper:
        model_type = wrapper.get('type') if isinstance(wrapper,
                                                       Mapping) else None
        raise ExportError(
            f"{source}: cfg.model (type={model_type!r}) has no 'segmentor' "
            'key, so it is not a CW-BASS teacher/student wrapper config. A '
            'plain mmseg config needs no export.')
    wrapper = wrapper.to_dict() if hasattr(wrapper, 'to_dict') else dict(
        wrapper)
    segmentor = copy.deepcopy(wrapper['segmentor'])
    if not segmentor.get('data_preprocessor'):
        inner = _inner_data_preprocessor(wrapper)
        if inner is not None:
            segmentor['data_preprocessor'] = inner
            notes.append('model.data_preprocessor taken from the wrapper: '
                         f'{inner.get("type")}')
        else:
            notes.append('WARNING: no data_preprocessor in the segmentor or '
                         'the wrapper; images will not be normalised')
    _null_pretrained(segmentor)

    registries = _mmseg_registries()
    plain = cfg.to_dict()
    original_imports = plain.get('custom_imports')
    plain.pop('model')
    for key in TRAIN_ONLY_KEYS:
        if plain.pop(key, None) is not None:
            notes.append(f'removed {key}')
    # A restored run must not load the training checkpoint again.
    plain['load_from'] = None
    plain['resume'] = False
    scope = plain.get('default_scope')
    if isinstance(scope, str) and scope.startswith('mmseg_cwbass'):
        plain['default_scope'] = 'mmseg'
        notes.append(f'default_scope {scope!r} -> mmseg')

    original: Optional[dict] = None
    if not allow_plugin_types:
        before = copy.deepcopy(segmentor)
        segmentor, converted = _apply_export_hooks(segmentor, registries,
                                                   notes)
        original = before if converted else None
    problems = find_plugin_types(segmentor, 'model', registries)
    for key in list(plain):
        value = plain[key]
        if not find_plugin_types(value, key, registries):
            continue
        if allow_plugin_types:
            problems += find_plugin_types(value, key, registries)
        elif key in ('val_evaluator', 'test_evaluator'):
            plain[key] = _plugin_free_evaluator(value, key, registries, notes)
        elif key in ('val_cfg', 'test_cfg'):
            loop = 'ValLoop' if key == 'val_cfg' else 'TestLoop'
            plain[key] = dict(type=loop)
            notes.append(f'{key}: plugin loop {value.get("type")} -> {loop}')
        elif key == 'default_hooks' and isinstance(value, Mapping):
            for name in list(value):
                if find_plugin_types(value[name], name, registries):
                    notes.append(f'dropped plugin hook default_hooks.{name}')
                    value.pop(name)
        elif key in RUNTIME_KEYS:
            problems += find_plugin_types(value, key, registries)
        else:
            # A helper variable (e.g. an unlabeled pipeline) that nothing
            # reads at test time.
            notes.append(f'removed {key} (uses plugin types)')
            plain.pop(key)

    if problems:
        listing = ', '.join(f'{p} (type={t!r})' for p, t in problems)
        if not allow_plugin_types:
            raise ExportError(
                f'{source}: these parts need types that plain mmseg does not'
                f' provide (and have no mmseg base class): {listing}. Give '
                f'the plugin class a classmethod `{EXPORT_HOOK}(cfg) -> '
                'dict` returning a plain-mmseg equivalent, or export with '
                'allow_plugin_types=True (CLI: --keep-plugin-imports) to '
                'keep custom_imports.')
        plain['custom_imports'] = original_imports or dict(
            imports=['mmseg_cwbass'], allow_failed_imports=False)
        notes.append(f'WARNING: kept custom_imports for {listing}')
    plain['model'] = segmentor
    return Config(plain), notes, original


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
                         ) -> 'OrderedDict':
    """Builds the plain model and matches the exported weights to it.

    If plugin classes were converted (``original_cfg`` given), the original
    model with all the branch's weights and the plain one with the kept
    weights must also give the same logits on a random input.
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
        return kept

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
    return kept


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
            load fails (see :func:`load_checkpoint_file`).
        allow_plugin_types (bool): See :func:`build_plain_config`.
        verify (bool): Build the plain model and check that the weights fit
            it (weights it lacks are dropped), that converted plugin classes
            predict the same logits, then reload both files the way mmseg
            does. Defaults to True.

    Returns:
        tuple[str, str]: Paths of the written config and checkpoint.

    Raises:
        ExportError: Wrong config or checkpoint; see the message.
    """
    if branch not in BRANCHES:
        raise ValueError(f'branch must be one of {BRANCHES}, got {branch!r}')
    plain_cfg, notes, original = _build_plain_config(config,
                                                     allow_plugin_types)
    checkpoint = load_checkpoint_file(checkpoint_path, trust=trust)
    if not isinstance(checkpoint, Mapping):
        raise ExportError(f'{checkpoint_path}: not a checkpoint dict '
                          f'({type(checkpoint).__name__})')
    state_dict = extract_branch_state_dict(checkpoint, branch,
                                           str(checkpoint_path))
    if verify:
        state_dict = _check_against_model(
            plain_cfg.model.to_dict(), state_dict,
            plain_cfg.get('default_scope') or 'mmseg', str(checkpoint_path),
            notes, original)
    elif original is not None:
        notes.append('WARNING: plugin classes were converted without '
                     'checking that predictions are unchanged (verify=False)')

    decode_head = plain_cfg.model.get('decode_head')
    # A list of heads (cascade segmentors): the last one predicts.
    if isinstance(decode_head, (list, tuple)) and decode_head:
        decode_head = decode_head[-1]
    num_classes = decode_head.get('num_classes') if isinstance(
        decode_head, Mapping) else None
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
    cfg_path.write_text(header + plain_cfg.pretty_text, encoding='utf-8')
    torch.save(dict(meta=meta, state_dict=dict(state_dict)), ckpt_path)

    if verify:
        # Exactly how mmengine will read them: a failure here is a bug of
        # the export, better reported now than at deployment.
        Config.fromfile(str(cfg_path), import_custom_modules=False)
        torch.load(ckpt_path, map_location='cpu', weights_only=True)

    for note in notes:
        print_log(f'export: {note}', logger='current')
    print_log(f'export: wrote {cfg_path} and {ckpt_path} ({branch}, '
              f'{len(state_dict)} tensors)', logger='current')
    return str(cfg_path), str(ckpt_path)
