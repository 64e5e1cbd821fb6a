"""MeanTeacherHook under a 2-process gloo group: teacher buffers follow rank
0 with one broadcast per dtype, not one per buffer."""
import json
import subprocess
import sys

WORKER = r'''
import json
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn


class TeacherStudent(nn.Module):

    def __init__(self):
        super().__init__()
        self.student = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4),
                                     nn.BatchNorm2d(4))
        self.teacher = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4),
                                     nn.BatchNorm2d(4))


def worker(rank, store_path, out):
    dist.init_process_group('gloo', init_method=f'file://{store_path}',
                            rank=rank, world_size=2)
    from mmseg_cwbass.engine.hooks.mean_teacher_hook import MeanTeacherHook
    torch.manual_seed(0)
    model = TeacherStudent()
    with torch.no_grad():
        for bn in model.student[1:]:
            # Local BN statistics differ per rank.
            bn.running_mean.fill_(10.0 + rank)
            bn.running_var.fill_(20.0 + rank)
            bn.num_batches_tracked.fill_(100 + rank)
    calls = []
    broadcast = dist.broadcast

    def counting_broadcast(tensor, src=0, *args, **kwargs):
        calls.append((str(tensor.dtype), tensor.numel(), src))
        return broadcast(tensor, src, *args, **kwargs)

    dist.broadcast = counting_broadcast
    hook = MeanTeacherHook(momentum=0.5, buffer_policy='copy')
    hook.momentum_update(model, 0.5)
    buffers = {k: v.tolist() for k, v in model.teacher.named_buffers()}
    with open(f'{out}{rank}.json', 'w') as f:
        json.dump(dict(calls=calls, buffers=buffers,
                       num_buffers=len(buffers)), f)
    dist.destroy_process_group()


if __name__ == '__main__':
    mp.spawn(worker, args=(sys.argv[1], sys.argv[2]), nprocs=2)
'''


def test_teacher_buffers_follow_rank0_with_one_broadcast_per_dtype(
        tmp_path):
    script = tmp_path / 'worker.py'
    script.write_text(WORKER)
    out = tmp_path / 'rank'
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / 'store'), str(out)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in range(2)]
    for result in ranks:
        # 2 BN layers x (running_mean, running_var, num_batches_tracked):
        # one collective for the 4 float buffers, one for the 2 counters.
        assert result['num_buffers'] == 6
        assert sorted(result['calls']) == [['torch.float32', 16, 0],
                                           ['torch.int64', 2, 0]]
        buffers = result['buffers']
        for i in (1, 2):
            assert buffers[f'{i}.running_mean'] == [10.0] * 4
            assert buffers[f'{i}.running_var'] == [20.0] * 4
            assert buffers[f'{i}.num_batches_tracked'] == 100
    assert ranks[0]['buffers'] == ranks[1]['buffers']
