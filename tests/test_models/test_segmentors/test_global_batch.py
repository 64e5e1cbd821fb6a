"""Losses normalised over the global batch: 2 DDP ranks == 1 process."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

WORKER = osp.join(osp.dirname(osp.abspath(__file__)),
                  '_global_batch_worker.py')


def run_workers(world, tmp_path, method='CWBASSSegmentor'):
    init = tmp_path / f'init_{world}_{method}'
    outs = [
        tmp_path / f'rank{r}_of_{world}_{method}.pth' for r in range(world)
    ]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    # Output to files, not pipes: a rank blocked on a full pipe that is not
    # read yet would stall the other rank's collectives.
    logs = [tmp_path / f'rank{r}_of_{world}_{method}.log'
            for r in range(world)]
    procs = []
    for rank in range(world):
        with open(logs[rank], 'w') as log:
            procs.append(subprocess.Popen(
                [sys.executable, WORKER, str(rank), str(world), str(init),
                 str(outs[rank]), method],
                env=env, stdout=log, stderr=subprocess.STDOUT))
    for proc, log in zip(procs, logs):
        proc.wait(timeout=300)
        assert proc.returncode == 0, log.read_text()[-3000:]
    return [torch.load(str(out), weights_only=True) for out in outs]


@pytest.mark.slow
def test_two_ranks_update_the_student_like_one_process(tmp_path):
    single, = run_workers(1, tmp_path)
    rank0, rank1 = run_workers(2, tmp_path)
    # the threshold keeps different shares of pixels on the two ranks
    kept = zip(rank0['kept'], rank1['kept'])
    assert all(abs(a - b) > 0.01 for a, b in kept)
    for name, value in single['student'].items():
        if not value.is_floating_point():
            continue
        for rank in (rank0, rank1):
            assert torch.allclose(rank['student'][name], value, atol=1e-6,
                                  rtol=0), name


@pytest.mark.slow
@pytest.mark.parametrize('method',
                         ['FixMatchSegmentor', 'UniMatchV2Segmentor'])
def test_two_ranks_strong_view_methods_match_one_process(tmp_path, method):
    # Strong views through the student, counts of valid pixels over the
    # global batch, (UniMatch V2) complementary dropout masks of each
    # rank's images: the update is the one process's.
    single, = run_workers(1, tmp_path, method)
    rank0, rank1 = run_workers(2, tmp_path, method)
    assert abs(rank0['kept'][0] - rank1['kept'][0]) > 0.01
    for name, value in single['student'].items():
        if not value.is_floating_point():
            continue
        for rank in (rank0, rank1):
            assert torch.allclose(rank['student'][name], value, atol=1e-6,
                                  rtol=0), name
