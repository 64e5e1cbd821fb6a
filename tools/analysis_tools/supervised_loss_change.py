"""How much the supervised CE changes with the reference's normalisation.

mmseg's ``CrossEntropyLoss`` (``avg_non_ignore=False``) divides the summed
pixel losses by every pixel of the batch, including the 255 borders of the
masks and the padding of crops smaller than the crop size; the reference's
``CrossEntropyLoss(ignore_index=255)`` (our ``GlobalCrossEntropyLoss``)
divides by the labelled pixels only. This script loads one real-size
labeled batch through a config's own labeled pipeline and data
preprocessor, runs the config's (randomly initialised) student on it and
prints both values and the ignored share of the pixels::

    python tools/analysis_tools/supervised_loss_change.py \\
        configs/cwbass/deeplabv3plus_r101_voc_1-8.py --images 16 \\
        [--data-root data/VOCdevkit/VOC2012]

Without ``--data-root`` it generates VOC-size toy images (375x500, a 255
band around every contour, like VOC's masks) in a temporary folder.
"""
import argparse
import copy
import os.path as osp
import tempfile

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmseg.models.utils import resize
from mmseg.registry import DATASETS, MODELS
from mmseg.utils import register_all_modules

import mmseg_cwbass  # noqa: F401
from mmseg_cwbass.engine.cli import read_config
from mmseg_cwbass.models.losses import GlobalCrossEntropyLoss


def labeled_batch(cfg: Config, data_root: str, num: int, seed: int):
    """``num`` samples of the labeled dataset, as the train loader packs."""
    labeled = copy.deepcopy(cfg.train_dataloader.dataset.labeled)
    labeled.data_prefix = dict(
        img_path=osp.join(data_root, 'JPEGImages'),
        seg_map_path=osp.join(data_root, 'SegmentationClassAug'))
    labeled.ann_file = osp.join(data_root, 'ImageSets', 'Segmentation',
                                'train.txt')
    dataset = DATASETS.build(labeled)
    torch.manual_seed(seed)
    packed = [dataset[i] for i in range(num)]
    return pseudo_collate([
        dict(inputs=p['inputs']['sup'], data_samples=p['data_samples']['sup'])
        for p in packed
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--images', type=int, default=16)
    parser.add_argument('--data-root', help='a VOCdevkit/VOC2012 folder')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    register_all_modules(init_default_scope=True)
    cfg = read_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        data_root = args.data_root
        if data_root is None:
            from mmseg_cwbass.testing.toy_data import generate_toy_voc
            data_root = generate_toy_voc(
                tmp, num_train=args.images, num_val=1,
                image_size=(375, 500), seed=args.seed)
        data = labeled_batch(cfg, data_root, args.images, args.seed)
    segmentor = copy.deepcopy(cfg.model.get('segmentor', cfg.model))
    segmentor.pretrained = None
    for key in ('backbone', 'decode_head'):
        segmentor[key].norm_cfg = dict(type='BN', requires_grad=True)
    model = MODELS.build(segmentor).eval()
    with torch.no_grad():
        data = model.data_preprocessor(data, True)
        logits = model.decode_head(model.extract_feat(data['inputs']))
    label = torch.stack(
        [s.gt_sem_seg.data[0] for s in data['data_samples']]).long()
    logits = resize(logits, size=label.shape[-2:], mode='bilinear',
                    align_corners=model.decode_head.align_corners)
    old = F.cross_entropy(logits, label, ignore_index=255,
                          reduction='sum') / label.numel()
    new = GlobalCrossEntropyLoss()(logits, label)
    ignored = (label == 255).float().mean().item()
    print(f'batch: {args.images} images, {tuple(label.shape[-2:])} crops')
    print(f'ignored pixels (255 borders + padding): {ignored:.2%}')
    print(f'CE over all pixels (mmseg default): {old.item():.4f}')
    print(f'CE over non-ignored pixels (reference): {new.item():.4f}')
    print(f'ratio new/old: {new.item() / old.item():.4f} '
          f'(1 / (1 - ignored) = {1 / (1 - ignored):.4f})')


if __name__ == '__main__':
    main()
