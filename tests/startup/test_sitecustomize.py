"""The suite's start-up shortcut (``sitecustomize.py`` beside this file)
reaches the Pythons the tests launch and changes no config."""
import os.path as osp

import mmengine.config.config as config_module
import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_a_launched_python_starts_with_it(run_cli):
    proc = run_cli('-c', 'import mmengine.config.utils as u; '
                   'print(u.tests_startup_applied)', check=True)
    assert proc.stdout.strip() == 'True'


@pytest.mark.parametrize('config', [
    'configs/demo/cwbass_r18-tiny_toy-voc_1-8.py',
    'configs/unimatch_v2/dinov2-b_dpt_cityscapes_1-4.py',
])
def test_unformatted_text_is_the_same_config(config):
    """What a checkpoint's meta and the dumped config then hold."""
    assert config_module.FormatCode.__name__ == '_unformatted'
    cfg = Config.fromfile(osp.join(REPO, config))
    again = Config.fromstring(cfg.pretty_text, '.py')
    assert again.to_dict() == cfg.to_dict()
