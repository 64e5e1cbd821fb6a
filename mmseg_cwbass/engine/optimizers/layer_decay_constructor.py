"""Layer-wise learning-rate decay for ViT backbones inside any segmentor.

BEiT-style fine-tuning (Bao et al., ICLR 2022; used for DINOv2 by the
UniMatch V2 line of work as an option) scales the lr of transformer block
``i`` of ``L`` by ``rate ** (L - i)``, the embeddings by ``rate ** (L + 1)``
and everything after the last block (final norm, decode head) by 1.

mmseg's ``LearningRateDecayOptimizerConstructor`` finds layers by names that
start with ``backbone.`` and accepts only ConvNeXt/BEiT/MAE backbones; in
our teacher/student wrappers the student's names start with
``student.backbone.`` and the frozen teacher must get no parameter group at
all. This constructor matches ``backbone.layers.N`` anywhere in the name,
skips every parameter without gradient (the teacher) silently, reads the
depth from the backbone's ``num_layers`` and logs its groups one line per
setting (:class:`SemiOptimWrapperConstructor`).
"""
import re
from typing import List, Optional, Tuple

import torch.nn as nn
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

from ...utils.config_keys import check_keys
from .semi_optim_wrapper_constructor import SemiOptimWrapperConstructor

#: ``paramwise_cfg`` keys this constructor reads.
PARAMWISE_KEYS = ('layer_decay_rate', 'num_layers', 'custom_keys',
                  'no_decay_1d')
#: Backbone parameters that belong to the embedding "layer 0".
EMBED_NAMES = ('cls_token', 'pos_embed', 'register_tokens', 'mask_token',
               'patch_embed')
_TOKEN = re.compile(r'(?:^|\.)backbone\.(cls_token|pos_embed|register_tokens|'
                    r'mask_token)$')
_LAYER = re.compile(r'(?:^|\.)backbone\.layers\.(\d+)\.')
_EMBED = re.compile(r'(?:^|\.)backbone\.(' + '|'.join(EMBED_NAMES) +
                    r')(?:\.|$)')


def layer_id(name: str, num_layers: int) -> int:
    """0 for the embeddings, ``i + 1`` for block ``i``, ``num_layers + 1``
    for everything after the blocks."""
    match = _LAYER.search(name)
    if match:
        return int(match.group(1)) + 1
    if _EMBED.search(name):
        return 0
    return num_layers + 1


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(SemiOptimWrapperConstructor):
    """Optimizer wrapper constructor with layer-wise lr decay.

    ``paramwise_cfg``:

    - ``layer_decay_rate`` (float): Per-layer factor, e.g. 0.9. Required.
    - ``num_layers`` (int, optional): Number of transformer blocks; by
      default the ``num_layers`` of ``model.backbone`` or
      ``model.student.backbone``.
    - ``custom_keys`` (dict): ``{substring: dict(lr_mult=, decay_mult=)}``
      on top of the decay (e.g. ``decode_head`` at 40x), longest key first,
      as mmengine's default constructor.
    - ``no_decay_1d`` (bool): No weight decay on biases, norms, LayerScale
      and the tokens/position embedding. Defaults to True.

    Example::

        optim_wrapper = dict(
            constructor='LayerDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=0.9, custom_keys={
                'decode_head': dict(lr_mult=40.0)}))
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        paramwise_cfg = dict(paramwise_cfg or {})
        check_keys(paramwise_cfg, PARAMWISE_KEYS,
                   'optim_wrapper.paramwise_cfg')
        if 'layer_decay_rate' not in paramwise_cfg:
            raise ValueError('optim_wrapper.paramwise_cfg.layer_decay_rate '
                             'is required by LayerDecayOptimWrapperConstructor'
                             ' (e.g. 0.9)')
        self.layer_decay_rate = float(paramwise_cfg['layer_decay_rate'])
        if not 0 < self.layer_decay_rate <= 1:
            raise ValueError('optim_wrapper.paramwise_cfg.layer_decay_rate '
                             f'must be in (0, 1], got {self.layer_decay_rate}')
        self.num_layers = paramwise_cfg.get('num_layers')
        self.no_decay_1d = bool(paramwise_cfg.get('no_decay_1d', True))
        custom = dict(paramwise_cfg.get('custom_keys') or {})
        for key, value in custom.items():
            check_keys(value, ('lr_mult', 'decay_mult'),
                       f'optim_wrapper.paramwise_cfg.custom_keys.{key}')
        # The parent's own paramwise handling is not used (add_params below).
        super().__init__(optim_wrapper_cfg, None)
        self.custom_keys = custom
        # Non-empty: the parent's __call__ then goes through add_params.
        self.paramwise_cfg = paramwise_cfg

    @staticmethod
    def _backbone_depth(module: nn.Module) -> int:
        for path in ('backbone', 'student.backbone'):
            node = module
            for part in path.split('.'):
                node = getattr(node, part, None)
            if node is not None and hasattr(node, 'num_layers'):
                return int(node.num_layers)
        raise ValueError(
            'LayerDecayOptimWrapperConstructor: neither model.backbone nor '
            'model.student.backbone has num_layers; set '
            'optim_wrapper.paramwise_cfg.num_layers')

    def _multipliers(self, name: str) -> Tuple[float, float]:
        for key in sorted(sorted(self.custom_keys), key=len, reverse=True):
            if key in name:
                cfg = self.custom_keys[key]
                return (float(cfg.get('lr_mult', 1.0)),
                        float(cfg.get('decay_mult', 1.0)))
        return 1.0, 1.0

    def _no_decay(self, name: str, param: nn.Parameter) -> bool:
        if not self.no_decay_1d:
            return False
        return param.ndim <= 1 or name.endswith('.bias') or \
            _TOKEN.search(name) is not None

    def add_params(self, params: List[dict], module: nn.Module,
                   **kwargs) -> None:
        """One parameter group per trainable parameter, named in
        ``group['name']``; parameters without gradient (a frozen teacher)
        get none."""
        num_layers = int(self.num_layers if self.num_layers is not None else
                         self._backbone_depth(module))
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            lid = layer_id(name, num_layers)
            scale = self.layer_decay_rate**(num_layers + 1 - lid)
            lr_mult, decay_mult = self._multipliers(name)
            decay = 0.0 if self._no_decay(name, param) else \
                (self.base_wd or 0.0) * decay_mult
            params.append(
                dict(params=[param], name=name, layer_id=lid,
                     lr=self.base_lr * scale * lr_mult, weight_decay=decay))
