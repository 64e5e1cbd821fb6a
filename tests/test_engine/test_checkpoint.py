import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner import CheckpointLoader

from mmseg_cwbass.engine.checkpoint import (TRUST_ENV,
                                            UntrustedCheckpointError,
                                            load_checkpoint_file, trust_file)


@pytest.fixture(autouse=True)
def private_trust_store(tmp_path, monkeypatch):
    monkeypatch.setenv('MMSEG_CWBASS_TRUST_STORE',
                       str(tmp_path / 'trusted.txt'))
    monkeypatch.delenv(TRUST_ENV, raising=False)


def full_checkpoint():
    # numpy arrays are what makes mmengine's checkpoints fail weights_only
    return dict(state_dict={'w': torch.ones(2)},
                meta=dict(seed=np.array([1, 2])))


def test_plain_state_dict_loads_without_trust(tmp_path):
    path = tmp_path / 'plain.pth'
    torch.save({'state_dict': {'w': torch.ones(2)}}, path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


def test_untrusted_full_checkpoint_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / 'foreign.pth'
    torch.save(full_checkpoint(), path)
    with pytest.raises(UntrustedCheckpointError, match='foreign.pth'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    trust_file(str(path))
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['seed'].tolist() == [1, 2]


def test_env_opt_in(tmp_path, monkeypatch):
    path = tmp_path / 'foreign.pth'
    torch.save(full_checkpoint(), path)
    monkeypatch.setenv(TRUST_ENV, '1')
    assert load_checkpoint_file(str(path))['meta']['seed'].tolist() == [1, 2]


def test_atomic_backend_writes_trusted_checkpoints(tmp_path):
    import io
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    buffer = io.BytesIO()
    torch.save(full_checkpoint(), buffer)
    target = tmp_path / 'iter_10.pth'
    backend.put(buffer.getvalue(), str(target))
    assert sorted(os.listdir(tmp_path)) == ['iter_10.pth', 'trusted.txt']
    assert load_checkpoint_file(str(target))['meta']['seed'].tolist() == [1, 2]


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    target = tmp_path / 'latest.pth'
    torch.save({'w': torch.zeros(1)}, target)
    before = target.read_bytes()

    def crash(*args, **kwargs):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(OSError, match='disk full'):
        backend.put(b'partial', str(target))
    assert target.read_bytes() == before
    assert [f for f in os.listdir(tmp_path) if f.endswith('.tmp')] == []


def test_missing_and_truncated_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))
    path = tmp_path / 'cut.pth'
    torch.save({'w': torch.ones(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match='cut.pth'):
        load_checkpoint_file(str(path))
    assert osp.exists(path)


def test_trust_checkpoint_tool(tmp_path, run_cli):
    path = tmp_path / 'colleague.pth'
    torch.save(full_checkpoint(), path)
    with pytest.raises(UntrustedCheckpointError):
        load_checkpoint_file(str(path))
    proc = run_cli('misc/trust_checkpoint', path, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    assert 'trusted' in proc.stdout
    assert load_checkpoint_file(str(path))['meta']['seed'].tolist() == [1, 2]
    proc = run_cli('misc/trust_checkpoint', tmp_path / 'missing.pth')
    assert proc.returncode == 2 and 'does not exist' in proc.stderr
