# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""Write seeded, nested labeled/unlabeled split lists.

Examples::

    # any mmseg dataset config: 1/8 of its training set labeled
    python tools/make_splits.py --config configs/my_ade20k.py \\
        --fraction 1/8 --name 1-8 --seed 0
    # a count instead of a fraction; the split folder chosen
    python tools/make_splits.py --config CONFIG --count 100 --name 100 \\
        --out data/splits/my_dataset/100 --cfg-options KEY=VALUE
    # the Pascal VOC / Cityscapes protocols (blended 1/8 and 1/4, all)
    python tools/make_splits.py --dataset pascal_voc \\
        --data-root data/VOCdevkit/VOC2012 --splits 1-8 1-4 --out data/splits
    python tools/make_splits.py --dataset cityscapes \\
        --data-root data/cityscapes --splits all
    # a published list (U2PL's 1/8) converted to our format
    python tools/make_splits.py --dataset pascal_voc \\
        --data-root data/VOCdevkit/VOC2012 \\
        --convert path/to/labeled.txt [--unlabeled path/to/unlabeled.txt] \\
        --name 1-8-u2pl

``--config``: the training set is the one the config's
``train_dataloader.dataset`` reads, built with mmseg's own dataset class
(``custom_imports`` honoured), so its images are enumerated exactly as
training enumerates them: the ``ann_file`` list if the config has one (VOC:
``train.txt``), else every ``img_suffix`` file under ``data_prefix.img_path``;
the parts of a ``ConcatDataset`` together; for a ``SemiSegDataset`` the
``labeled`` dataset without its ``ann_file`` (that list is the split being
written), i.e. every image of its folder. Labeled ids are drawn from the
images that have a mask; the others can only be unlabeled (unlabeled means
images only). ``--fraction F`` labels ``ceil(F x training set)`` images,
``--count N`` labels N. The val dataset is built too, and a training image
that is a val image is refused. Ids are image paths relative to
``data_prefix.img_path`` without ``img_suffix``, what ``ann_file`` reads.
The split goes to ``--out`` (default ``data/splits/<dataset>/<name>``,
``<dataset>`` from the dataset type: ``ade20k``, ``pascal_voc``...).

``--dataset``: the protocols and conversions of
:mod:`mmseg_cwbass.datasets.split_lists`; splits
land in ``<out>/<dataset>/<name>/``.

Every split has a ``split_meta.json``, is nested (for one seed, a smaller
split's labeled ids are a subset of a larger one's: both are prefixes of one
seeded permutation) and is written atomically. The tool exits with status 1
and a message naming the file and the offending ids when a split is invalid
(overlap, val images, missing images or masks, no images, too few masks) or
a different split already exists there and ``--force`` is not given.
"""
from __future__ import annotations

import argparse
import math
import os.path as osp
import re
import sys
from fractions import Fraction
from typing import Dict, List, Optional, Sequence, Set, Tuple

from mmengine.config import DictAction

from mmseg_cwbass.datasets import image_ids
from mmseg_cwbass.datasets import split_lists as S
from mmseg_cwbass.datasets.dataset_configs import dataset_configs, type_name


# --------------------------------------------------------------------------
# the protocols' splits
# --------------------------------------------------------------------------
def resolve_split_names(dataset: str, names: Sequence[str]) -> List[str]:
    """Expand ``'all'`` and check protocol names for ``dataset``.

    Returns:
        Protocol names in table order without repetition.

    Raises:
        SplitError: For an unknown dataset or split name.
    """
    if dataset not in S.PROTOCOLS:
        raise S.SplitError(
            f'unknown dataset {dataset!r}; choose from {S.DATASETS}')
    known = list(S.PROTOCOLS[dataset])
    if 'all' in names:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise S.SplitError(f'unknown {dataset} split(s) {unknown}; choose '
                           f'from {known} or all')
    return [n for n in known if n in names]


def _voc_mask_counts(masks: Dict[str, str]) -> Dict[str, int]:
    counts = {d: 0 for d in S.VOC_MASK_DIRS}
    for path in masks.values():
        counts[osp.basename(osp.dirname(path))] += 1
    return counts


def _unlabeled_pool(dataset: str) -> str:
    return 'train_aug' if dataset == 'pascal_voc' else 'train'


def _protocol_meta(dataset: str, data_root: str, name: str, protocol: dict,
                   seed: Optional[int], source: dict, labeled: List[str],
                   unlabeled: List[str], pools: Dict[str, List[str]],
                   masks: Dict[str, str]) -> dict:
    meta = dict(
        dataset=dataset,
        name=name,
        protocol=protocol,
        seed=seed,
        source=source,
        counts=dict(
            labeled=len(labeled),
            unlabeled=len(unlabeled),
            pool=len(pools[_unlabeled_pool(dataset)]),
            val=len(pools['val'])),
        data_root=data_root)
    if dataset == 'pascal_voc':
        meta['mask_dirs'] = _voc_mask_counts(masks)
    return meta


def make_split(dataset: str,
               data_root: str,
               name: str,
               seed: int = 0,
               pools: Optional[Dict[str, List[str]]] = None) -> S.Split:
    """Draw a seeded split of one protocol and check it.

    Labeled ids: :func:`split_lists.seeded_draw` from the protocol's pool,
    so splits of one pool and seed are nested. Unlabeled ids: the rest of
    train_aug (VOC) or train (Cityscapes). ``pools``:
    :func:`split_lists.id_pools`, if already read.

    Raises:
        SplitError: For an unknown name, an empty pool or a failed check.
    """
    (name, ) = resolve_split_names(dataset, [name])
    proto = S.PROTOCOLS[dataset][name]
    pools = pools if pools is not None else S.id_pools(dataset, data_root)
    pool = pools[proto.pool]
    if not pool:
        raise S.SplitError(f'{dataset} pool {proto.pool!r} under '
                           f'{data_root} is empty')
    labeled = S.seeded_draw(pool, proto.count(len(pool)), seed)
    chosen = set(labeled)
    unlabeled = [i for i in pools[_unlabeled_pool(dataset)]
                 if i not in chosen]
    out_name = f'{dataset}/{name}'
    masks = S.validate_split(
        dataset, data_root, labeled, unlabeled,
        labeled_source=f'{out_name}/labeled.txt',
        unlabeled_source=f'{out_name}/unlabeled.txt',
        val_ids=pools['val'], split_name=out_name)
    protocol = dict(
        family=proto.family,
        pool=proto.pool,
        fraction=f'1/{proto.denominator}',
        reference_pool_size=proto.reference_pool_size,
        reference_count=proto.reference_count)
    source = dict(
        type='generated',
        method='random.Random(seed).shuffle(sorted(pool))[:count], '
        'count = ceil(len(pool) / denominator); nested across fractions')
    meta = _protocol_meta(dataset, data_root, name, protocol, int(seed),
                          source, labeled, unlabeled, pools, masks)
    return S.Split(dataset, name, labeled, unlabeled, meta, masks)


# --------------------------------------------------------------------------
# published split files
# --------------------------------------------------------------------------
def convert_split(dataset: str,
                  data_root: str,
                  labeled_file: str,
                  unlabeled_file: Optional[str] = None,
                  name: Optional[str] = None) -> S.Split:
    """Turn a published split file (and optional unlabeled file) into ours.

    Args:
        dataset: ``'pascal_voc'`` or ``'cityscapes'``.
        data_root: VOC2012 folder or Cityscapes root.
        labeled_file: Community labeled list (see
            :func:`split_lists.parse_split_line`).
        unlabeled_file: Community unlabeled list; by default the unlabeled
            ids are the complement of the labeled ones within the train pool
            (VOC: train_aug; Cityscapes: train).
        name: Split name; defaults to the labeled file's stem.

    Raises:
        SplitError: If a file cannot be read or a check fails; the message
            names the file and the offending ids.
    """
    pools = S.id_pools(dataset, data_root)
    name = name or osp.splitext(osp.basename(labeled_file))[0]
    S.check_name(name)
    entries, digest = S.parse_split_file(labeled_file, dataset)
    labeled = [i for i, _ in entries]
    flagged = [i for i, s in entries if s not in (None, 'train')]
    source = dict(
        type='converted', labeled_file=labeled_file, labeled_sha256=digest)
    pool_name = _unlabeled_pool(dataset)
    if unlabeled_file is not None:
        u_entries, u_digest = S.parse_split_file(unlabeled_file, dataset)
        unlabeled = [i for i, _ in u_entries]
        flagged += [i for i, s in u_entries if s not in (None, 'train')]
        source.update(
            unlabeled_file=unlabeled_file, unlabeled_sha256=u_digest)
        u_src = unlabeled_file
    else:
        chosen = set(labeled)
        unlabeled = [i for i in pools[pool_name] if i not in chosen]
        source['unlabeled'] = f'complement of the labeled ids in {pool_name}'
        u_src = f'unlabeled complement in {pool_name}'
    masks = S.validate_split(
        dataset, data_root, labeled, unlabeled,
        labeled_source=labeled_file, unlabeled_source=u_src,
        val_ids=pools['val'], flagged_val=flagged,
        split_name=f'{dataset}/{name}')
    labeled, unlabeled = sorted(labeled), sorted(unlabeled)
    # Name the protocol(s) whose count the converted list matches, so a
    # result table can say "1/8 (U2PL list)".
    matches = [
        p.name for p in S.PROTOCOLS[dataset].values()
        if p.count(len(pools[p.pool])) == len(labeled)
        and (p.pool != 'fine' or set(labeled) <= set(pools['fine']))
    ]
    meta = _protocol_meta(dataset, data_root, name,
                          dict(family='converted', matches=matches), None,
                          source, labeled, unlabeled, pools, masks)
    return S.Split(dataset, name, labeled, unlabeled, meta, masks)


# --------------------------------------------------------------------------
# splits of any mmseg dataset config
# --------------------------------------------------------------------------
def _leaves(cfg: dict, key: str) -> List[Tuple[str, dict]]:
    """The mmseg datasets that hold a config's training images.

    A ``SemiSegDataset``'s ``ann_file`` is the split being written: its
    labeled dataset without the list (every image of its folder) is the
    training set, and its unlabeled dataset is left out.
    """
    leaves = []
    for leaf_key, leaf in dataset_configs(cfg, key):
        if '.unlabeled' in leaf_key:
            continue
        if '.labeled' in leaf_key:
            leaf = {k: v for k, v in leaf.items() if k != 'ann_file'}
        leaves.append((leaf_key, leaf))
    return leaves


def _build(cfg: dict, key: str, scope: str):
    """The mmseg dataset of ``cfg`` (without its pipeline: only the list)."""
    from mmengine.registry import DefaultScope
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = dict(cfg, pipeline=[], lazy_init=False, serialize_data=False)
    try:
        with DefaultScope.overwrite_default_scope(scope):
            return DATASETS.build(cfg)
    except Exception as e:  # noqa: BLE001 - reported with the config key
        dropped = ' (ann_file left out)' if key.endswith('.labeled') else ''
        raise S.SplitError(
            f'cannot build {key}{dropped} ({type_name(cfg)}, images '
            f'{cfg.get("data_prefix", {}).get("img_path")!r} under data_root '
            f'{cfg.get("data_root")!r}): {type(e).__name__}: {e}') from e


def _dataset_name(cfg: dict) -> str:
    """``ADE20KDataset`` -> ``ade20k``, ``PascalVOCDataset`` -> ``pascal_voc``;
    a ``BaseSegDataset`` is named by its data root's folder."""
    name = type_name(cfg)
    name = name[:-len('Dataset')] if name.endswith('Dataset') else name
    if name in ('BaseSeg', '') and cfg.get('data_root'):
        return osp.basename(osp.normpath(cfg['data_root']))
    return re.sub(r'(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])', '_',
                  name).lower() or 'dataset'


def training_set(cfg) -> Tuple[List[str], S.Layout, str, str]:
    """The images ``train_dataloader.dataset`` reads (see the docstring).

    Returns:
        ``(ids, layout, dataset name, config key)``: sorted unique ids, and
        where their images and (listed) masks are.

    Raises:
        SplitError: No ``train_dataloader.dataset``, a dataset that does not
            build, or parts that read images from different folders.
    """
    dataset_cfg = (cfg.get('train_dataloader') or {}).get('dataset')
    if not dataset_cfg:
        raise S.SplitError('the config has no train_dataloader.dataset')
    scope = cfg.get('default_scope') or 'mmseg'
    leaves = _leaves(dataset_cfg, 'train_dataloader.dataset')
    masks: Dict[str, str] = {}
    folders, mask_dirs = set(), []
    for key, leaf in leaves:
        dataset = _build(leaf, key, scope)
        folders.add((dataset.data_prefix.get('img_path', ''),
                     dataset.img_suffix))
        mask_dir = dataset.data_prefix.get('seg_map_path', '')
        mask_dirs += [mask_dir] if mask_dir not in mask_dirs else []
        for i, img_id in enumerate(image_ids(dataset)):
            # The first part that lists an image gives its mask.
            masks.setdefault(img_id, dataset.get_data_info(i)['seg_map_path'])
    if len(folders) > 1:
        raise S.SplitError(
            f'the parts of train_dataloader.dataset read images from '
            f'different folders or suffixes {sorted(folders)}; the ids of '
            'a split list are relative to one folder')
    (img_dir, img_suffix), = folders
    layout = S.Layout(img_dir, img_suffix, tuple(mask_dirs),
                      dataset.seg_map_suffix, masks=masks)
    return sorted(masks), layout, _dataset_name(leaves[0][1]), leaves[0][0]


def _val_images(cfg) -> Optional[Set[str]]:
    """Real paths of the images of ``val_dataloader.dataset`` (None if the
    config has none)."""
    dataset_cfg = (cfg.get('val_dataloader') or {}).get('dataset')
    if not dataset_cfg:
        return None
    paths = set()
    for key, leaf in _leaves(dataset_cfg, 'val_dataloader.dataset'):
        dataset = _build(leaf, key, cfg.get('default_scope') or 'mmseg')
        paths |= {
            osp.realpath(dataset.get_data_info(i)['img_path'])
            for i in range(len(dataset))
        }
    return paths


def make_config_split(cfg,
                      config_file: str,
                      name: str,
                      fraction: Optional[Fraction] = None,
                      count: Optional[int] = None,
                      seed: int = 0) -> S.Split:
    """Draw a seeded split of the training set of an mmseg config.

    Labeled: :func:`split_lists.seeded_draw` of ``count`` (or ``ceil(
    fraction x training set)``) ids among those with a mask, so splits of one
    config and seed are nested. Unlabeled: every other training image.

    Raises:
        SplitError: No images, more labeled images asked than there are
            images with a mask, val images in the training set, or a failed
            check of :func:`split_lists.check_lists`.
    """
    S.check_name(name)
    pool, layout, dataset, key = training_set(cfg)
    if not pool:
        raise S.SplitError(
            f'{key} lists no image (looked for *{layout.img_suffix} in '
            f'{layout.img_dir})')
    with_mask = [i for i in pool if layout.find_mask(i) is not None]
    wanted = count if count is not None else math.ceil(fraction * len(pool))
    if wanted > len(with_mask):
        if len(with_mask) == len(pool):
            raise S.SplitError(
                f'{wanted} labeled images asked for, but the training set '
                f'({key}) has {len(pool)} images')
        without = [i for i in pool if i not in set(with_mask)]
        raise S.SplitError(
            f'{wanted} labeled images asked for, but only {len(with_mask)} '
            f'of the {len(pool)} images of {key} have a mask (looked for '
            f'{layout.mask_patterns()}); labeled ids need one, e.g. not '
            f'{S._fmt_ids(without)}')
    val = _val_images(cfg)
    val_ids = [] if val is None else [
        i for i in pool if osp.realpath(layout.image_path(i)) in val
    ]
    labeled = S.seeded_draw(with_mask, wanted, seed)
    chosen = set(labeled)
    unlabeled = [i for i in pool if i not in chosen]
    masks = S.check_lists(
        layout, labeled, unlabeled, val_ids=val_ids,
        labeled_source=f'{dataset}/{name}/labeled.txt',
        unlabeled_source=f'{dataset}/{name}/unlabeled.txt',
        split_name=f'{dataset}/{name}')
    meta = dict(
        dataset=dataset,
        name=name,
        protocol=dict(
            family='config',
            fraction=None if fraction is None else str(fraction),
            count=wanted),
        seed=int(seed),
        source=dict(
            type='generated',
            config=config_file,
            training_set=key,
            method='random.Random(seed).shuffle(sorted(ids with a mask))'
            '[:count], count = --count or ceil(fraction * len(training '
            'set)); nested across fractions'),
        counts=dict(
            labeled=len(labeled),
            unlabeled=len(unlabeled),
            pool=len(pool),
            with_mask=len(with_mask),
            val=None if val is None else len(val)),
        img_dir=layout.img_dir)
    return S.Split(dataset, name, labeled, unlabeled, meta, masks)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
def _fraction(text: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a fraction (e.g. 1/8 or 0.125)') from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f'{text} is out of range: a fraction is > 0 and <= 1')
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a positive whole number')
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        description='Write labeled/unlabeled split lists for '
        'semi-supervised segmentation, from any mmseg config (--config) or '
        'for the Pascal VOC / Cityscapes protocols (--dataset).',
        epilog='Protocols: pascal_voc: ' +
        ' '.join(S.PROTOCOLS['pascal_voc']) + '; cityscapes: ' +
        ' '.join(S.PROTOCOLS['cityscapes']))
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument('--config', help='an mmseg config')
    source.add_argument('--dataset', choices=S.DATASETS)
    size = p.add_mutually_exclusive_group()
    size.add_argument('--fraction', type=_fraction,
                      help='with --config: labeled fraction (1/8, 0.125)')
    size.add_argument('--count', type=_count,
                      help='with --config: number of labeled images')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   metavar='KEY=VALUE',
                   help='with --config: override settings of the config')
    p.add_argument('--data-root',
                   help='with --dataset: VOCdevkit/VOC2012 or the '
                   'Cityscapes root')
    p.add_argument('--splits', nargs='+', metavar='NAME',
                   help='with --dataset: protocol names, or "all"')
    p.add_argument('--convert', metavar='LABELED_TXT',
                   help='with --dataset: convert a published labeled list '
                   'instead of drawing one')
    p.add_argument('--unlabeled', metavar='UNLABELED_TXT',
                   help='with --convert: the published unlabeled list '
                   '(default: the rest of the train pool)')
    p.add_argument('--name', help='split name (--config: required; '
                   '--convert: default the file stem)')
    p.add_argument('--out', help='--config: the split folder (default '
                   'data/splits/<dataset>/<name>); --dataset: the root of '
                   'the split folders (default data/splits)')
    p.add_argument('--seed', type=int, default=0, help='random seed')
    p.add_argument('--force', action='store_true',
                   help='replace an existing split with different content')
    return p


def _config_split(args: argparse.Namespace) -> Tuple[S.Split, str]:
    from mmseg_cwbass.engine.cli import read_config
    cfg = read_config(args.config, args.cfg_options)
    split = make_config_split(cfg, args.config, args.name, args.fraction,
                              args.count, args.seed)
    return split, args.out or osp.join('data', 'splits', split.dataset,
                                       split.name)


def _check_args(parser: argparse.ArgumentParser,
                args: argparse.Namespace) -> None:
    given = {k for k, v in vars(args).items() if v not in (None, False)}

    def refuse(keys: Set[str], mode: str) -> None:
        wrong = sorted(given & keys)
        if wrong:
            parser.error(', '.join('--' + k.replace('_', '-') for k in wrong)
                         + f': only with {mode}')

    if args.config:
        if not args.name or (args.fraction is None and args.count is None):
            parser.error('--config needs --name and --fraction or --count')
        refuse({'data_root', 'splits', 'convert', 'unlabeled'}, '--dataset')
        return
    refuse({'fraction', 'count', 'cfg_options'}, '--config')
    if not args.data_root:
        parser.error('--dataset needs --data-root')
    if args.convert is None and not args.splits:
        parser.error('give --splits NAME... (or all), or --convert FILE')
    if args.convert is not None and args.splits:
        parser.error('--splits and --convert are exclusive')
    if args.convert is None:
        refuse({'unlabeled', 'name'}, '--convert')


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool on ``argv`` (default ``sys.argv``).

    Exit status: 0, or 1 when a split is refused.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_args(parser, args)
    try:
        if args.config:
            split, target = _config_split(args)
            todo = [(split, target)]
        elif args.convert is not None:
            split = convert_split(args.dataset, args.data_root, args.convert,
                                  args.unlabeled, args.name)
            todo = [(split, None)]
        else:
            pools = S.id_pools(args.dataset, args.data_root)
            todo = [(make_split(args.dataset, args.data_root, n, args.seed,
                                pools), None)
                    for n in resolve_split_names(args.dataset, args.splits)]
        out = args.out or 'data/splits'
        todo = [(split, target or S.split_dir(out, split.dataset, split.name))
                for split, target in todo]
        # Check every split (validity and existing files) before writing
        # any, so a refusal leaves nothing half done.
        for split, target in todo:
            S.write_split_to(split, target, args.force, dry_run=True)
        results = [(split, S.write_split_to(split, target, args.force))
                   for split, target in todo]
    except (S.SplitError, FileNotFoundError) as e:
        print(f'make_splits: error: {e}', file=sys.stderr)
        return 1
    for split, res in results:
        c = split.meta['counts']
        print(f'{res.status:>11}  {res.path}  labeled={c["labeled"]} '
              f'unlabeled={c["unlabeled"]} (pool {c["pool"]}, '
              f'seed {split.meta["seed"]})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
