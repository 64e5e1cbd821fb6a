import pytest

from mmseg.registry import HOOKS, MODELS
from mmseg_cwbass.utils.config_keys import (check_keys, init_arg_names,
                                            reject_unknown_args)


def test_message_names_the_key_and_the_closest_valid_one():
    with pytest.raises(ValueError) as info:
        check_keys(dict(rampup_itres=10), ['rampup_iters', 'unsup_weight'],
                   'model.semi_train_cfg')
    assert str(info.value).startswith(
        "unknown key 'rampup_itres' in model.semi_train_cfg; did you mean "
        "'rampup_iters'? Valid keys: rampup_iters, unsup_weight")
    with pytest.raises(ValueError, match="'zzz' in x Valid keys: a, b"):
        check_keys(dict(zzz=1), ['a', 'b'], 'x')  # nothing close
    check_keys(dict(a=1), ['a', 'b'], 'x')


def test_decorated_class_checks_keywords_through_its_bases():

    class Base:

        def __init__(self, alpha=1, **kwargs):
            self.alpha = alpha

    @reject_unknown_args
    class Child(Base):

        def __init__(self, beta=2, **kwargs):
            super().__init__(**kwargs)
            self.beta = beta

    assert set(init_arg_names(Child)) == {'alpha', 'beta'}
    assert Child(alpha=3, beta=4).alpha == 3
    with pytest.raises(ValueError, match="did you mean 'alpha'"):
        Child(alpa=3)


@pytest.mark.parametrize('cfg,registry,key,close', [
    (dict(type='DynamicThresholdHook', momentun=0.9), HOOKS, 'momentun',
     'momentum'),
    (dict(type='ConfidenceDecayHook', mod='exp'), HOOKS, 'mod', 'mode'),
    (dict(type='MeanTeacherHook', buffer_polcy='ema'), HOOKS,
     'buffer_polcy', 'buffer_policy'),
    (dict(type='BoundaryCELoss', paddng='zero'), MODELS, 'paddng',
     'padding'),
    (dict(type='ConfidenceWeightedLoss', gama=2), MODELS, 'gama', 'gamma'),
])
def test_plugin_components_reject_misspelt_arguments(cfg, registry, key,
                                                     close):
    with pytest.raises(ValueError,
                       match=f"unknown key '{key}'.*did you mean '{close}'"):
        registry.build(cfg)


def test_segmentor_dicts_reject_misspelt_keys(tiny_segmentor_cfg):
    for cfg_key, bad, close in (('semi_train_cfg', 'rampup_itres',
                                 'rampup_iters'),
                                ('semi_test_cfg', 'predict_onn',
                                 'predict_on')):
        with pytest.raises(
                ValueError,
                match=f"'{bad}' in model.{cfg_key}; did you mean '{close}'"):
            MODELS.build(
                dict(type='CWBASSSegmentor', segmentor=tiny_segmentor_cfg,
                     **{cfg_key: {bad: 1}}))
    with pytest.raises(ValueError, match="did you mean 'statistic'"):
        MODELS.build(
            dict(type='CWBASSSegmentor', segmentor=tiny_segmentor_cfg,
                 threshold=dict(type='DynamicThreshold', statistc='x')))
