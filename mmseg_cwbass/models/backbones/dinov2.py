"""DINOv2 ViT backbone (Oquab et al., "DINOv2: Learning Robust Visual
Features without Supervision", TMLR 2024; registers: Darcet et al., "Vision
Transformers Need Registers", ICLR 2024).

mmseg 1.2's ``VisionTransformer`` cannot hold these weights: it has no
LayerScale and no register tokens, normalises only its last output and
resizes position embeddings straight to the grid. This backbone follows the
official ``dinov2/models/vision_transformer.py`` where it matters for the
numbers:

* pre-norm blocks ``x + ls1(attn(norm1(x)))``, ``x + ls2(mlp(norm2(x)))``,
  LayerNorm eps 1e-6, GELU MLP of ratio 4;
* register tokens sit between the class token and the patches and get no
  position embedding;
* ``get_intermediate_layers(norm=True)``: every returned layer goes through
  the final LayerNorm, the class token included;
* position embeddings (trained on a 37x37 grid, 518 px) are interpolated
  bicubically per checkpoint type: the plain checkpoints with
  ``interpolate_offset=0.1`` (``scale_factor=(n + 0.1) / 37``, no
  antialiasing), the "-reg" ones with offset 0 (``size=grid``, antialiasing).
  A 37x37 grid is used as stored.

The output is one ``[feature (N, C, h, w), cls_token (N, C)]`` pair per
``out_indices`` entry, the input of mmseg's ``DPTHead``. Weights of the
official release convert with ``tools/model_converters/dinov2_to_mmseg.py``
(docs/dinov2.md).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...utils.config_keys import check_keys, reject_unknown_args

#: Official architectures (hub names dinov2_vit{s,b,l}14[_reg]).
ARCH_ZOO: Dict[str, dict] = {
    's': dict(embed_dims=384, num_layers=12, num_heads=6,
              out_indices=(2, 5, 8, 11)),
    'b': dict(embed_dims=768, num_layers=12, num_heads=12,
              out_indices=(2, 5, 8, 11)),
    'l': dict(embed_dims=1024, num_layers=24, num_heads=16,
              out_indices=(4, 11, 17, 23)),
}
ARCH_KEYS = ('embed_dims', 'num_layers', 'num_heads', 'out_indices')
PATCH_SIZE = 14
#: The pretraining grid: 518 / 14 = 37 patches a side.
PRETRAIN_IMG_SIZE = 518


def nearest_valid_sizes(size: int, patch_size: int = PATCH_SIZE
                        ) -> Tuple[int, int]:
    """The multiples of ``patch_size`` just below and above ``size``."""
    below = max(patch_size, size // patch_size * patch_size)
    return below, below + patch_size


def check_crop_size(crop_size: Union[int, Sequence[int]], where: str,
                    patch_size: int = PATCH_SIZE) -> None:
    """Raise ``ValueError`` if a training crop is not a multiple of the patch.

    Args:
        crop_size (int | Sequence[int]): ``(h, w)`` or one side.
        where (str): What the crop belongs to, for the message (a config
            key or "the training input").
        patch_size (int): Defaults to 14.
    """
    sides = (crop_size, crop_size) if isinstance(crop_size, int) else tuple(
        crop_size)
    bad = [s for s in sides if int(s) % patch_size]
    if not bad:
        return
    hints = ', '.join(f'{s} -> {lo} or {hi}'
                      for s in bad for lo, hi in [nearest_valid_sizes(s)])
    raise ValueError(
        f'{where} is {tuple(sides)}, but DINOv2 trains on multiples of its '
        f'patch size {patch_size}; nearest valid sizes: {hints} (e.g. 518 '
        'for VOC, 798 for Cityscapes)')


def interpolate_pos_embed(patch_pos_embed: Tensor, grid: Tuple[int, int],
                          offset: float, antialias: bool) -> Tensor:
    """Resize a square ``(1, M*M, C)`` patch position embedding to ``grid``.

    Mirrors ``DinoVisionTransformer.interpolate_pos_encoding``: with an
    offset, ``scale_factor=((h + offset) / M, (w + offset) / M)`` (the
    official plain checkpoints use 0.1 to dodge a floating-point rounding of
    the output size); without one, ``size=grid``. Computed in fp32.

    Args:
        patch_pos_embed (Tensor): ``(1, M*M, C)``, without the class token.
        grid (tuple[int, int]): Target ``(h, w)`` in patches.
        offset (float): ``interpolate_offset``.
        antialias (bool): ``interpolate_antialias``.

    Returns:
        Tensor: ``(1, h*w, C)``.
    """
    num, dims = patch_pos_embed.shape[1:]
    side = int(math.sqrt(num))
    if side * side != num:
        raise ValueError(f'pos_embed holds {num} patches, not a square grid')
    if grid == (side, side):
        return patch_pos_embed
    dtype = patch_pos_embed.dtype
    square = patch_pos_embed.float().reshape(1, side, side, dims).permute(
        0, 3, 1, 2)
    if offset:
        kwargs = dict(scale_factor=((grid[0] + offset) / side,
                                    (grid[1] + offset) / side))
    else:
        kwargs = dict(size=grid)
    out = F.interpolate(square, mode='bicubic', antialias=antialias, **kwargs)
    if tuple(out.shape[-2:]) != tuple(grid):
        raise RuntimeError(f'pos_embed interpolated to {out.shape[-2:]}, '
                           f'expected {grid}')
    return out.permute(0, 2, 3, 1).reshape(1, -1, dims).to(dtype)


class PatchEmbed(nn.Module):
    """Non-overlapping 14x14 patches projected to ``dims`` channels."""

    def __init__(self, dims: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, dims, PATCH_SIZE, PATCH_SIZE)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x)


class LayerScale(nn.Module):
    """Per-channel scale of a residual branch (CaiT; DINOv2's ``ls1/ls2``)."""

    def __init__(self, dims: int, init_value: float) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dims, ), float(init_value)))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gamma


class Attention(nn.Module):
    """Multi-head self-attention with one fused ``qkv`` projection."""

    def __init__(self, dims: int, num_heads: int) -> None:
        super().__init__()
        if dims % num_heads:
            raise ValueError(f'embed_dims {dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.qkv = nn.Linear(dims, dims * 3)
        self.proj = nn.Linear(dims, dims)

    def forward(self, x: Tensor) -> Tensor:
        batch, tokens, dims = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads,
                                  dims // self.num_heads)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        # softmax(q k^T / sqrt(d)) v, as the official eager attention.
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(out.transpose(1, 2).reshape(batch, tokens, dims))


class Mlp(nn.Module):
    """``fc2(GELU(fc1(x)))``."""

    def __init__(self, dims: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dims, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dims)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm transformer block with LayerScale."""

    def __init__(self, dims: int, num_heads: int, mlp_ratio: float,
                 layer_scale_init: float, drop_path: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dims, eps=1e-6)
        self.attn = Attention(dims, num_heads)
        self.ls1 = LayerScale(dims, layer_scale_init)
        self.norm2 = nn.LayerNorm(dims, eps=1e-6)
        self.mlp = Mlp(dims, int(dims * mlp_ratio))
        self.ls2 = LayerScale(dims, layer_scale_init)
        self.drop_path = drop_path

    def _drop_path(self, x: Tensor) -> Tensor:
        """Stochastic depth per sample (identity at inference)."""
        if not self.training or self.drop_path == 0.:
            return x
        keep = 1. - self.drop_path
        mask = x.new_empty((x.shape[0], ) + (1, ) * (x.dim() - 1))
        return x * mask.bernoulli_(keep) / keep

    def forward(self, x: Tensor) -> Tensor:
        x = x + self._drop_path(self.ls1(self.attn(self.norm1(x))))
        return x + self._drop_path(self.ls2(self.mlp(self.norm2(x))))


@MODELS.register_module()
@reject_unknown_args
class DINOv2(BaseModule):
    """DINOv2 ViT-S/B/L with patch 14, optional register tokens.

    Args:
        arch (str | dict): ``'s'``, ``'b'`` or ``'l'``, or a dict with
            ``embed_dims``, ``num_layers``, ``num_heads`` (and optionally
            ``out_indices``) for a custom size. Defaults to ``'b'``.
        num_register_tokens (int): 0 for the plain checkpoints, 4 for the
            "-reg" ones. Defaults to 0.
        out_indices (Sequence[int], optional): Blocks whose outputs are
            returned (after the final LayerNorm). Defaults to the arch's
            (2/5/8/11 for S and B, 4/11/17/23 for L, as UniMatch V2).
        interpolate_offset (float, optional): Offset of the position
            embedding interpolation; default 0.1 without registers, 0 with
            them (the official hub models).
        interpolate_antialias (bool, optional): Default False without
            registers, True with them.
        mlp_ratio (float): Defaults to 4.
        layer_scale_init (float): Initial LayerScale value (the official
            hub models build with 1.0; checkpoints overwrite it).
        drop_path_rate (float): Stochastic depth, linear over the blocks.
            Defaults to 0 (UniMatch V2 fine-tunes without it).
        with_cp (bool): Activation checkpointing of every block while
            training: less memory, one extra block forward per step.
        init_cfg (dict, optional): E.g. ``dict(type='Pretrained',
            checkpoint='dinov2_vitb14_mmseg.pth')`` from the converter.
    """

    #: mmseg has no equivalent: the export (mmseg_cwbass.apis) keeps
    #: ``custom_imports`` for this module alone in an exported config.
    export_custom_import = __name__

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 num_register_tokens: int = 0,
                 out_indices: Optional[Sequence[int]] = None,
                 interpolate_offset: Optional[float] = None,
                 interpolate_antialias: Optional[bool] = None,
                 mlp_ratio: float = 4.0,
                 layer_scale_init: float = 1.0,
                 drop_path_rate: float = 0.0,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch.lower() not in ARCH_ZOO:
                raise ValueError(f'DINOv2 arch must be one of '
                                 f'{sorted(ARCH_ZOO)} or a dict, got {arch!r}')
            arch = ARCH_ZOO[arch.lower()]
        else:
            check_keys(arch, ARCH_KEYS, 'DINOv2 arch')
            missing = [k for k in ARCH_KEYS[:3] if k not in arch]
            if missing:
                raise ValueError(f'DINOv2 arch dict misses {missing}')
        self.embed_dims = int(arch['embed_dims'])
        self.num_layers = int(arch['num_layers'])
        out_indices = out_indices if out_indices is not None else arch.get(
            'out_indices', (self.num_layers - 1, ))
        self.out_indices = tuple(int(i) for i in out_indices)
        bad = [i for i in self.out_indices if not 0 <= i < self.num_layers]
        if bad:
            raise ValueError(f'DINOv2 out_indices {bad} outside 0..'
                             f'{self.num_layers - 1}')
        if num_register_tokens < 0:
            raise ValueError('num_register_tokens must be >= 0, got '
                             f'{num_register_tokens}')
        self.num_register_tokens = int(num_register_tokens)
        registers = self.num_register_tokens > 0
        self.interpolate_offset = float(
            (0.0 if registers else 0.1)
            if interpolate_offset is None else interpolate_offset)
        self.interpolate_antialias = bool(
            registers if interpolate_antialias is None else
            interpolate_antialias)
        self.patch_size = PATCH_SIZE
        self.with_cp = with_cp

        dims = self.embed_dims
        grid = PRETRAIN_IMG_SIZE // PATCH_SIZE
        # The official names except blocks.N -> layers.N (mmseg's ViT
        # naming, which layer-wise lr decay reads).
        self.patch_embed = PatchEmbed(dims)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + grid * grid, dims))
        self.register_tokens = nn.Parameter(
            torch.zeros(1, self.num_register_tokens, dims)) if registers \
            else None
        # Plain Python: also builds under torch.device('meta').
        rates = [drop_path_rate * i / max(1, self.num_layers - 1)
                 for i in range(self.num_layers)]
        self.layers = nn.ModuleList(
            Block(dims, int(arch['num_heads']), mlp_ratio, layer_scale_init,
                  rate) for rate in rates)
        self.norm = nn.LayerNorm(dims, eps=1e-6)

    def init_weights(self) -> None:
        """Random init as the official code, unless a checkpoint is given.

        A ``Pretrained`` checkpoint must fit exactly (mmengine's loader is
        not strict: a "-reg" checkpoint in a model without registers would
        silently drop its register tokens).
        """
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            self._load_pretrained(cfg['checkpoint'], cfg.get('prefix'))
            self._is_init = True
            return
        if cfg is not None:
            super().init_weights()
            return
        nn.init.trunc_normal_(self.pos_embed, std=.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        if self.register_tokens is not None:
            nn.init.normal_(self.register_tokens, std=1e-6)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=.02)
                nn.init.zeros_(module.bias)

    def _load_pretrained(self, path: str, prefix: Optional[str]) -> None:
        from mmengine.runner.checkpoint import CheckpointLoader
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        state = checkpoint.get('state_dict', checkpoint)
        if prefix:
            start = prefix.rstrip('.') + '.'
            state = {k[len(start):]: v for k, v in state.items()
                     if k.startswith(start)}
        own = self.state_dict()
        problems = [f'{k!r} missing' for k in own if k not in state] + [
            f'{k!r} unexpected' for k in state if k not in own] + [
                f'{k!r} has shape {tuple(state[k].shape)}, the model '
                f'{tuple(own[k].shape)}' for k in own
                if k in state and state[k].shape != own[k].shape]
        if problems:
            raise ValueError(
                f'{path} does not fit this DINOv2 (embed_dims '
                f'{self.embed_dims}, {self.num_layers} blocks, '
                f'num_register_tokens={self.num_register_tokens}): '
                f'{problems[0]} ({len(problems)} problems). Convert the '
                'official file with tools/model_converters/'
                'dinov2_to_mmseg.py, which prints the matching backbone '
                'config.')
        self.load_state_dict(state)

    # ---------------------------------------------------------------- input
    def check_crop_size(self, crop_size: Union[int, Sequence[int]],
                        where: str) -> None:
        """Refuse a training crop that is not a multiple of 14 (called by
        the semi-supervised segmentors when they are built)."""
        check_crop_size(crop_size, where, self.patch_size)

    def _input_to_patches(self, x: Tensor) -> Tensor:
        """Training input must be a multiple of 14; inference input is
        resized to the nearest multiple (the segmentor resizes the logits
        back to the image size), as UniMatch V2 evaluates."""
        height, width = x.shape[-2:]
        if not (height % PATCH_SIZE or width % PATCH_SIZE):
            return x
        if self.training:
            check_crop_size((height, width), 'the training input (crop)')
        size = tuple(
            max(PATCH_SIZE, int(round(s / PATCH_SIZE)) * PATCH_SIZE)
            for s in (height, width))
        return F.interpolate(x, size=size, mode='bilinear',
                             align_corners=False)

    def pos_embed_for(self, grid: Tuple[int, int]) -> Tensor:
        """Class + patch position embedding for a ``(h, w)`` patch grid."""
        patches = interpolate_pos_embed(self.pos_embed[:, 1:], grid,
                                        self.interpolate_offset,
                                        self.interpolate_antialias)
        return torch.cat([self.pos_embed[:, :1], patches], dim=1)

    def _run_block(self, block: nn.Module, x: Tensor) -> Tensor:
        if self.with_cp and self.training and x.requires_grad:
            return cp.checkpoint(block, x, use_reentrant=False)
        return block(x)

    def forward(self, x: Tensor) -> List[List[Tensor]]:
        """Normed intermediate layers as ``[feature, cls_token]`` pairs.

        Args:
            x (Tensor): ``(N, 3, H, W)`` normalised images.

        Returns:
            list[list[Tensor]]: Per ``out_indices`` entry, the patch tokens
            ``(N, C, H/14, W/14)`` and the class token ``(N, C)``.
        """
        x = self._input_to_patches(x)
        batch = x.shape[0]
        x = self.patch_embed(x)
        grid = tuple(x.shape[-2:])
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(batch, -1, -1), x], dim=1)
        x = x + self.pos_embed_for(grid)
        if self.register_tokens is not None:
            x = torch.cat([
                x[:, :1],
                self.register_tokens.expand(batch, -1, -1), x[:, 1:]
            ], dim=1)
        outs = []
        first_patch = 1 + self.num_register_tokens
        # Blocks after the last returned one cannot change the output.
        for i, block in enumerate(self.layers[:max(self.out_indices) + 1]):
            x = self._run_block(block, x)
            if i in self.out_indices:
                normed = self.norm(x)
                feature = normed[:, first_patch:].reshape(
                    batch, grid[0], grid[1], -1).permute(0, 3, 1,
                                                          2).contiguous()
                outs.append([feature, normed[:, 0]])
        return outs
