"""Checkpoint writing and loading policy.

Writing: the ``atomic_local`` file backend (set by our configs in
``default_hooks.checkpoint.backend_args``) writes a checkpoint to a temporary
file in the same folder, flushes it to disk and renames it over the target,
so a crash while saving never leaves a truncated file where a good one was.
It also records the SHA-256 of every checkpoint it writes in the user's trust
store.

Loading (every local ``load_from``/``--resume``/``tools/test.py``/
``init_model`` once ``mmseg_cwbass`` is imported): a checkpoint is first read
with ``torch.load(weights_only=True)``, which cannot run code. Full
checkpoints written by mmengine also hold Python objects (its message hub,
numpy arrays) that only full unpickling reads, and unpickling an untrusted
file can run arbitrary code. Such a file is therefore unpickled only if it is
trusted: its SHA-256 is in the trust store (we wrote it on this machine), or
the user opted in with ``MMSEG_CWBASS_TRUST_CHECKPOINTS=1`` or
``tools/misc/trust_checkpoint.py FILE``. Anything else fails with a message
that says so.
"""
import hashlib
import os
import os.path as osp
import pickle
import tempfile
from pathlib import Path
from typing import Optional, Union

import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.runner import CheckpointLoader

TRUST_ENV = 'MMSEG_CWBASS_TRUST_CHECKPOINTS'
TRUST_STORE_ENV = 'MMSEG_CWBASS_TRUST_STORE'
CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.ckpt')


class UntrustedCheckpointError(RuntimeError):
    """A checkpoint needs full unpickling but nobody vouched for it."""


def trust_store_path() -> str:
    """Path of the trust store (one SHA-256 hex digest per line)."""
    default = osp.join(
        osp.expanduser('~'), '.cache', 'mmseg_cwbass',
        'trusted_checkpoints.txt')
    return os.environ.get(TRUST_STORE_ENV, default)


def file_sha256(path: str) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 22), b''):
            digest.update(chunk)
    return digest.hexdigest()


def trust_digest(digest: str) -> None:
    """Add a SHA-256 digest to the trust store."""
    store = trust_store_path()
    os.makedirs(osp.dirname(store) or '.', exist_ok=True)
    # One short line per append is atomic enough for concurrent writers.
    with open(store, 'a', encoding='utf-8') as f:
        f.write(digest + '\n')


def trust_file(path: str) -> str:
    """Vouch for a checkpoint file; returns its digest."""
    digest = file_sha256(path)
    trust_digest(digest)
    return digest


def is_trusted(path: str) -> bool:
    """Whether a checkpoint may be fully unpickled (see module docstring)."""
    if os.environ.get(TRUST_ENV, '') == '1':
        return True
    store = trust_store_path()
    if not osp.isfile(store):
        return False
    with open(store, encoding='utf-8') as f:
        trusted = {line.strip() for line in f}
    return file_sha256(path) in trusted


def load_checkpoint_file(filename: Union[str, Path],
                         map_location=None,
                         trust: Optional[bool] = None):
    """Load a local checkpoint under the policy of this module.

    Args:
        filename (str | Path): Path of the checkpoint.
        map_location: As for ``torch.load``.
        trust (bool, optional): True to allow full unpickling of this file,
            False to forbid it, None to consult the trust store.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: The file does not exist.
        UntrustedCheckpointError: The file needs full unpickling and is not
            trusted.
        RuntimeError: The file is not a readable checkpoint (truncated or
            corrupt), naming the file.
    """
    path = osp.expanduser(str(filename))
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file {path} does not exist')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as weights_only_error:
        allowed = is_trusted(path) if trust is None else trust
        if not allowed:
            raise UntrustedCheckpointError(
                f'checkpoint {path} holds Python objects besides tensors and '
                'was not written by mmseg_cwbass on this machine, so it is '
                'not unpickled (that could run code from the file). If you '
                'trust it, run `python tools/misc/trust_checkpoint.py '
                f'{path}` or set {TRUST_ENV}=1. Detail: '
                f'{str(weights_only_error).splitlines()[0]}'
            ) from weights_only_error
        try:
            return torch.load(
                path, map_location=map_location, weights_only=False)
        except Exception as error:  # noqa: BLE001 - re-raised with the path
            raise RuntimeError(
                f'cannot read checkpoint {path}: {error}') from error
    except (EOFError, RuntimeError, OSError) as error:
        raise RuntimeError(f'cannot read checkpoint {path} (truncated or not '
                           f'a torch checkpoint): {error}') from error


def _load_local(filename: str, map_location=None):
    return load_checkpoint_file(filename, map_location=map_location)


class AtomicLocalBackend(LocalBackend):
    """Local file backend whose ``put`` is atomic and records trust.

    Select it with ``backend_args=dict(backend='atomic_local')``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` via a temporary file and a rename.

        Args:
            obj (bytes): Data to write.
            filepath (str | Path): Destination.
        """
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(
            prefix='.' + osp.basename(filepath) + '.', suffix='.tmp',
            dir=folder)
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            if filepath.endswith(CHECKPOINT_SUFFIXES):
                trust_digest(hashlib.sha256(obj).hexdigest())
            os.replace(tmp_path, filepath)
        except BaseException:
            if osp.exists(tmp_path):
                os.remove(tmp_path)
            raise


register_backend('atomic_local', AtomicLocalBackend, force=True)
# The '' prefix is mmengine's loader for local paths: replace it with ours.
CheckpointLoader.register_scheme(prefixes='', loader=_load_local, force=True)
