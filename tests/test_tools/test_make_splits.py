# Copyright (c) mmseg-cwbass contributors. Licensed under the Apache-2.0.
"""tools/dataset_converters/generate_toy_dataset.py and tools/make_splits.py
end to end."""
import json
import os
import os.path as osp

import pytest


def write_community(path, *entries):
    """A published split list: ``JPEGImages/<id>.jpg <masks>/<id>.png``."""
    with open(path, 'w') as f:
        f.writelines(f'JPEGImages/{i}.jpg {masks}/{i}.png\n'
                     for i, masks in entries)


@pytest.fixture(scope='module')
def voc_root(tmp_path_factory, run_cli):
    """Generated through the CLI (one subprocess)."""
    out = tmp_path_factory.mktemp('toy')
    proc = run_cli('dataset_converters/generate_toy_dataset', '--out',
                   str(out), '--layout', 'voc', '--num-train', '16',
                   '--num-val', '4', '--num-aug', '8', '--seed', '1',
                   '--size', '32', '40')
    assert proc.returncode == 0, proc.stderr
    root = osp.join(str(out), 'VOCdevkit', 'VOC2012')
    assert f'ready at {root}' in proc.stdout
    meta = json.load(open(osp.join(root, 'toy_meta.json')))
    assert meta['seed'] == 1 and meta['image_size'] == [32, 40]
    return root


def test_cli_all_splits(voc_root, tmp_path, run_cli):
    out = str(tmp_path / 'splits')
    proc = run_cli('make_splits', '--dataset', 'pascal_voc', '--data-root',
                   voc_root, '--splits', 'all', '--out', out, '--seed', '2')
    assert proc.returncode == 0, proc.stderr
    expected = {
        '1-16': 2, '1-8': 3, '1-4': 6, '92': 1, '183': 2, '366': 4,
        '732': 8, '1464': 16
    }
    assert sorted(os.listdir(osp.join(out, 'pascal_voc'))) == sorted(expected)
    for name, count in expected.items():
        folder = osp.join(out, 'pascal_voc', name)
        labeled = open(osp.join(folder, 'labeled.txt')).read().split()
        unlabeled = open(osp.join(folder, 'unlabeled.txt')).read().split()
        assert len(labeled) == count and len(labeled) + len(unlabeled) == 24
        meta = json.load(open(osp.join(folder, 'split_meta.json')))
        assert meta['seed'] == 2 and meta['name'] == name
        assert f'written  {folder}  labeled={count} ' in proc.stdout


def test_cli_refusals_and_force(voc_root, tmp_path, capsys, load_tool):
    tool = load_tool('make_splits')
    out = str(tmp_path / 'splits')
    base = ['--dataset', 'pascal_voc', '--data-root', voc_root, '--out', out]
    assert tool.main(base + ['--splits', '1-8', '1-4']) == 0
    capsys.readouterr()
    # Same seed again: nothing changes.
    assert tool.main(base + ['--splits', '1-8']) == 0
    assert 'unchanged' in capsys.readouterr().out
    # Other seed: refused as a whole (1-4 is not written either) ...
    labeled_14 = open(osp.join(out, 'pascal_voc', '1-4',
                               'labeled.txt')).read()
    assert tool.main(base + ['--splits', '1-8', '1-4', '--seed', '5']) == 1
    err = capsys.readouterr().err
    assert 'refusing to overwrite' in err and '--force' in err
    assert open(osp.join(out, 'pascal_voc', '1-4',
                         'labeled.txt')).read() == labeled_14
    # ... unless forced.
    assert tool.main(base +
                     ['--splits', '1-8', '1-4', '--seed', '5', '--force']) == 0
    assert capsys.readouterr().out.count('overwritten') == 2

    # A community list holding a val id and an id without any file.
    community = str(tmp_path / 'labeled.txt')
    write_community(community, ('train_000001', 'SegmentationClass'),
                    ('val_000002', 'SegmentationClass'),
                    ('ghost_1', 'SegmentationClassAug'))
    assert tool.main(base + ['--convert', community, '--name', 'bad']) == 1
    err = capsys.readouterr().err
    assert 'refusing to write split pascal_voc/bad' in err
    assert community in err
    assert 'validation ids: val_000002' in err
    assert 'no image on disk' in err and 'ghost_1' in err
    assert 'no mask for 1 ids' in err
    assert not osp.exists(osp.join(out, 'pascal_voc', 'bad'))

    # The same file without the bad lines converts.
    write_community(community, ('train_000001', 'SegmentationClass'),
                    ('aug_000003', 'SegmentationClassAug'))
    assert tool.main(base + ['--convert', community, '--name', '2-u2pl']) == 0
    folder = osp.join(out, 'pascal_voc', '2-u2pl')
    assert open(osp.join(folder, 'labeled.txt')).read().split() == [
        'aug_000003', 'train_000001'
    ]
    assert open(osp.join(folder, 'labeled_SegmentationClassAug.txt')).read(
    ).split() == ['aug_000003']
    assert len(open(osp.join(folder, 'unlabeled.txt')).read().split()) == 22

    with pytest.raises(SystemExit):
        tool.main(base)  # neither --splits nor --convert
