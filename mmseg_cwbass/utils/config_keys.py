"""Reject unknown configuration keys, naming the closest valid one.

A misspelt key (``rampup_itres``) must not train silently with the default.
Every dict the plugin's components read and every argument of their
constructors goes through these checks when the component is built, i.e.
before the runner starts training or writes a checkpoint.
"""
import difflib
import functools
import inspect
from typing import Any, Callable, Iterable, List, Mapping, TypeVar

T = TypeVar('T', bound=type)


def unknown_key_message(key: str, valid: Iterable[str], where: str) -> str:
    """Error text for an unknown ``key`` of ``where``.

    Args:
        key (str): The unknown key.
        valid (Iterable[str]): The accepted keys.
        where (str): What the key belongs to, e.g. ``model.semi_train_cfg``.

    Returns:
        str: ``unknown key 'x' in where; did you mean 'y'? Valid keys: ...``.
    """
    valid = sorted(valid)
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ''
    return (f"unknown key '{key}' in {where}{hint} "
            f"Valid keys: {', '.join(valid)}")


def check_keys(given: Mapping[str, Any], valid: Iterable[str],
               where: str) -> None:
    """Raise ``ValueError`` for the first key of ``given`` not in ``valid``.

    Args:
        given (Mapping): The user's dict.
        valid (Iterable[str]): Accepted keys.
        where (str): Config path of ``given`` for the message.

    Raises:
        ValueError: Naming the key and the closest valid one.
    """
    valid = set(valid)
    for key in given:
        if key not in valid:
            # KeyError quotes its argument; ValueError keeps the text clean
            # and is what mmengine re-raises with the class name.
            raise ValueError(unknown_key_message(key, valid, where))


def init_arg_names(cls: type) -> List[str]:
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` upwards.

    A constructor that forwards ``**kwargs`` to its base accepts the base's
    arguments too, so the walk goes up the MRO until a constructor without
    ``**kwargs``.
    """
    names: List[str] = []
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        init = getattr(init, '__wrapped__', init)
        params = inspect.signature(init).parameters.values()
        names += [
            p.name for p in params if p.name != 'self' and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def reject_unknown_args(cls: T) -> T:
    """Class decorator: unknown constructor keywords fail with a suggestion.

    Python's own ``TypeError`` names the key but not the closest valid one,
    and a constructor that forwards ``**kwargs`` may report it deep inside a
    base class. The decorated class checks its keywords first.

    Args:
        cls (type): A class built from config.

    Returns:
        type: The same class, with a checking ``__init__``.
    """
    init: Callable = cls.__init__
    valid = None
    # Arguments that moved to another component: say where.
    moved = getattr(cls, 'moved_args', {})

    @functools.wraps(init)
    def checked_init(self, *args, **kwargs):
        nonlocal valid
        if type(self) is cls:  # subclasses run their own check
            if valid is None:
                valid = set(init_arg_names(cls))
            for key in kwargs:
                if key in moved and key not in valid:
                    raise ValueError(f"'{key}' is no argument of "
                                     f'{cls.__name__}: {moved[key]}')
            check_keys(kwargs, valid, f'the arguments of {cls.__name__}')
        init(self, *args, **kwargs)

    cls.__init__ = checked_init
    return cls
