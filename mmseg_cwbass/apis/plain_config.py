# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""The plain mmseg config of the segmentor inside a CW-BASS config, for
:func:`mmseg_cwbass.apis.export.export_semi_checkpoint`.

The result is the wrapped segmentor as ``model``, with every training-only
and plugin-only part removed, so that ``mmseg.apis.init_model``,
``MMSegInferencer`` and mmseg's ``tools/test.py`` load it without this
plugin installed.

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

A plugin class with no mmseg equivalent that names its module in the class
attribute ``export_custom_import`` (the DINOv2 backbone) is kept as it is,
and the exported config keeps ``custom_imports`` for that module alone.

Weights the plain model does not have (a training-only branch) are dropped.
Plugin metrics and hooks are dropped, plugin loops are replaced by
mmengine's; anything else plugin-only is an error unless
``allow_plugin_types=True``, which keeps ``custom_imports`` instead.
"""
import copy
import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, Union

from mmengine.config import Config
from mmengine.registry import Registry

from ..engine.cli import read_config

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
#: Name of the optional class attribute of a plugin model class that mmseg
#: has no equivalent of (the DINOv2 backbone): the module to import for it.
#: The exported config then keeps ``custom_imports`` for these modules alone.
IMPORT_HOOK = 'export_custom_import'


class ExportError(RuntimeError):
    """The checkpoint or config cannot be exported as asked."""


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
    return read_config(str(config))


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


def convert_config(config: Union[str, Path, Config],
                   allow_plugin_types: bool = False
                   ) -> Tuple[Config, List[str], Optional[dict]]:
    """Plain mmseg config for the segmentor wrapped by a CW-BASS config.

    Args:
        config (str | Path | Config): The CW-BASS (wrapper) config.
        allow_plugin_types (bool): Keep plugin-only types (and the config's
            ``custom_imports``) instead of failing. The result then needs the
            plugin installed. Defaults to False.

    Returns:
        tuple[Config, list[str], dict | None]: The plain config,
        human-readable notes on what was changed or dropped, and the
        segmentor config before any plugin class was converted (None if
        nothing was converted), which the export checks predictions
        against.

    Raises:
        ExportError: ``model`` has no ``segmentor`` key, or a part needed at
            test time uses a plugin-only type.
    """
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
    imports: List[str] = []
    if not allow_plugin_types:
        for path, type_ in list(problems):
            module = getattr(_resolve(type_, registries)[1], IMPORT_HOOK,
                             None)
            if isinstance(module, str):
                problems.remove((path, type_))
                if module not in imports:
                    imports.append(module)
                notes.append(f'{path}: {type_} has no mmseg equivalent; '
                             f'custom_imports keeps its module {module} '
                             'alone (the exported config needs mmseg_cwbass '
                             'installed)')
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
    if imports and 'custom_imports' not in plain:
        plain['custom_imports'] = dict(
            imports=imports, allow_failed_imports=False)
    plain['model'] = segmentor
    return Config(plain), notes, original
