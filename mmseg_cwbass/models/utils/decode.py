"""Reading an mmseg segmentor's decode head(s) from the outside."""
from typing import List, Tuple

import torch
import torch.nn as nn
from mmseg.utils import SampleList
from torch import Tensor


def final_head(segmentor: nn.Module) -> nn.Module:
    """The decode head whose logits are the segmentor's prediction."""
    head = segmentor.decode_head
    return head[-1] if isinstance(head, nn.ModuleList) else head


def decode_logits(segmentor: nn.Module, feats: List[Tensor]) -> Tensor:
    """Raw logits of a segmentor's decode head(s) at the head's resolution.

    Args:
        segmentor (nn.Module): An mmseg ``EncoderDecoder`` (or cascade).
        feats (list[Tensor]): Output of ``segmentor.extract_feat``.

    Returns:
        Tensor: Logits (N, C, h, w).
    """
    head = segmentor.decode_head
    if isinstance(head, nn.ModuleList):  # CascadeEncoderDecoder
        logits = head[0].forward(feats)
        for stage in head[1:]:
            logits = stage.forward(feats, logits)
        return logits
    return head.forward(feats)


def valid_pixel_mask(data_samples: SampleList, shape: Tuple[int, int],
                     device: torch.device) -> Tensor:
    """Mask of the non-padding pixels of a padded batch.

    mmseg's ``stack_batch`` pads each crop and records
    ``padding_size = (left, right, top, bottom)`` in its sample's metainfo.

    Args:
        data_samples (list[SegDataSample]): Samples of the batch.
        shape (tuple[int, int]): Padded (H, W).
        device (torch.device): Device of the mask.

    Returns:
        Tensor: Boolean mask (N, H, W).
    """
    height, width = shape
    valid = torch.zeros((len(data_samples), height, width),
                        dtype=torch.bool,
                        device=device)
    for i, sample in enumerate(data_samples):
        left, right, top, bottom = sample.metainfo.get('padding_size',
                                                       (0, 0, 0, 0))
        valid[i, top:height - bottom, left:width - right] = True
    return valid
