"""Official DINOv2 checkpoints -> :class:`DINOv2` weights.

The release's ``dinov2_vit{s,b,l}14[_reg4]_pretrain.pth`` files are plain
state dicts of ``DinoVisionTransformer``: ``cls_token``, ``pos_embed``,
``register_tokens`` (the "-reg" ones), ``mask_token`` (masked-image
pretraining only: dropped), ``patch_embed.proj.*``, ``blocks.N.{norm1,
attn.qkv, attn.proj, ls1.gamma, norm2, mlp.fc1, mlp.fc2, ls2.gamma}.*`` and
``norm.*``. Ours differ only in ``blocks.N`` -> ``layers.N``; every key and
shape is checked against the backbone the checkpoint claims to be, so a
checkpoint of another architecture, a truncated file or a wrong size fails
naming the file and the first key that does not fit, before anything is
written. ``tools/model_converters/dinov2_to_mmseg.py`` is the CLI.
"""
import os
import os.path as osp
import re
import tempfile
from collections import OrderedDict
from typing import Any, Dict, Mapping, Tuple

import torch

from .dinov2 import ARCH_ZOO, DINOv2

#: Keys the official checkpoints hold that the segmentation backbone does
#: not use.
DROPPED_KEYS = ('mask_token', )


class DINOv2ConversionError(ValueError):
    """The file is not an official DINOv2 ViT-S/B/L-14 checkpoint."""


def official_to_ours(key: str) -> str:
    """Our parameter name of an official key (``blocks.N`` -> ``layers.N``)."""
    return re.sub(r'^blocks\.(\d+)\.', r'layers.\1.', key)


def expected_shapes(arch: str, num_register_tokens: int
                    ) -> 'OrderedDict[str, Tuple[int, ...]]':
    """Our state dict's names and shapes for an official architecture."""
    with torch.device('meta'):
        model = DINOv2(arch=arch, num_register_tokens=num_register_tokens)
    return OrderedDict((k, tuple(v.shape))
                       for k, v in model.state_dict().items())


def _unwrap(obj: Any, src: str) -> Mapping[str, Any]:
    if isinstance(obj, Mapping):
        for key in ('state_dict', 'model'):
            if isinstance(obj.get(key), Mapping):
                return obj[key]
        return obj
    raise DINOv2ConversionError(
        f'{src}: holds a {type(obj).__name__}, not a state dict')


def _detect_arch(state: Mapping[str, Any], src: str) -> Tuple[str, int]:
    """(arch, number of register tokens) the checkpoint claims to be."""
    cls_token = state.get('cls_token')
    if not isinstance(cls_token, torch.Tensor) or cls_token.dim() != 3:
        first = next(iter(state), None)
        raise DINOv2ConversionError(
            f"{src}: no 'cls_token' of shape (1, 1, C), so not a DINOv2 "
            f'ViT checkpoint (first key: {first!r})')
    width = int(cls_token.shape[-1])
    arch = next(
        (name for name, cfg in ARCH_ZOO.items()
         if cfg['embed_dims'] == width), None)
    if arch is None:
        widths = {n: c['embed_dims'] for n, c in ARCH_ZOO.items()}
        raise DINOv2ConversionError(
            f"{src}: key 'cls_token' has width {width}, no DINOv2 arch of "
            f'this backbone has it ({widths}; ViT-g/14 is not supported)')
    registers = state.get('register_tokens')
    num_registers = int(registers.shape[1]) if isinstance(
        registers, torch.Tensor) and registers.dim() == 3 else 0
    return arch, num_registers


def convert_dinov2_state(state: Mapping[str, Any], src: str = 'checkpoint'
                         ) -> Tuple['OrderedDict[str, torch.Tensor]', dict]:
    """Official DINOv2 state dict -> ours, checked key by key.

    Args:
        state (Mapping): The official state dict (or a dict holding it under
            ``state_dict``/``model``).
        src (str): Name of the source for the messages.

    Returns:
        tuple[OrderedDict, dict]: Our state dict and its ``meta``
        (``arch``, ``num_register_tokens``, ``source``).

    Raises:
        DINOv2ConversionError: Naming ``src`` and the first key that does
            not fit: unknown, of the wrong shape or dtype, or missing.
    """
    state = _unwrap(state, src)
    arch, num_registers = _detect_arch(state, src)
    expected = expected_shapes(arch, num_registers)
    width = ARCH_ZOO[arch]['embed_dims']
    label = f'DINOv2 ViT-{arch.upper()}/14' + (
        f' with {num_registers} registers' if num_registers else '')
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for key, value in state.items():
        if not isinstance(value, torch.Tensor) or \
                not value.is_floating_point():
            raise DINOv2ConversionError(
                f'{src}: key {key!r} is not a floating-point tensor '
                f'({type(value).__name__})')
        if key in DROPPED_KEYS:
            if tuple(value.shape) != (1, width):
                raise DINOv2ConversionError(
                    f'{src}: key {key!r} has shape {tuple(value.shape)}, '
                    f'expected {(1, width)} for {label}')
            continue
        ours = official_to_ours(key)
        if ours not in expected:
            raise DINOv2ConversionError(
                f'{src}: key {key!r} does not fit {label} (the arch its '
                f"'cls_token' width {width} implies): no such parameter; "
                'a checkpoint of another architecture?')
        if tuple(value.shape) != expected[ours]:
            raise DINOv2ConversionError(
                f'{src}: key {key!r} has shape {tuple(value.shape)}, '
                f'expected {expected[ours]} for {label}')
        out[ours] = value.detach().clone().float().contiguous()
    missing = [k for k in expected if k not in out]
    if missing:
        official = re.sub(r'^layers\.', 'blocks.', missing[0])
        raise DINOv2ConversionError(
            f'{src}: key {official!r} of {label} is missing ({len(missing)} '
            'missing in all): a truncated or partial checkpoint?')
    meta = dict(arch=arch, num_register_tokens=num_registers,
                source=osp.basename(src))
    return out, meta


def convert_dinov2_file(src: str, dst: str) -> dict:
    """Convert the official checkpoint ``src`` and write ours to ``dst``.

    ``dst`` is written to a temporary file beside it and renamed only after
    the whole conversion and the save succeeded: a failure leaves no file
    and an existing ``dst`` untouched.

    Args:
        src (str): Official ``.pth`` state dict.
        dst (str): Output ``{'state_dict': ..., 'meta': ...}`` for
            ``init_cfg=dict(type='Pretrained', checkpoint=dst)``.

    Returns:
        dict: The ``meta`` written (``arch``, ``num_register_tokens``,
        ``source``).
    """
    if not osp.isfile(src):
        raise FileNotFoundError(f'{src}: no such checkpoint file')
    try:
        # Plain state dicts need no unpickling of code.
        obj = torch.load(src, map_location='cpu', weights_only=True)
    except Exception as err:  # noqa: BLE001 - any reader error means bad file
        raise DINOv2ConversionError(
            f'{src}: cannot be read as a torch checkpoint (truncated or not '
            f'a .pth state dict?): {type(err).__name__}: {err}') from err
    state, meta = convert_dinov2_state(obj, src)
    out_dir = osp.dirname(osp.abspath(dst))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.dinov2-', suffix='.tmp', dir=out_dir)
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(dict(state_dict=state, meta=meta), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    return meta


def backbone_cfg_for(meta: Dict[str, Any]) -> dict:
    """The ``DINOv2`` backbone config matching a converted checkpoint."""
    return dict(type='DINOv2', arch=meta['arch'],
                num_register_tokens=meta['num_register_tokens'])
