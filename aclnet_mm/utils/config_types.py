# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The class a config entry builds, whatever the config's style.

A text config names a registered type (``type='SuperclassRefreshHook'``);
a class-typed (lazy-import) config holds the class itself
(``type=SuperclassRefreshHook``). Code that inspects a config asks
:func:`is_config_of` instead of comparing names.
"""
from typing import Any, Optional

from mmengine.registry import Registry

__all__ = ['resolve_type', 'is_config_of']


def resolve_type(kind: Any, registry: Registry) -> Optional[type]:
    """The class of a config's ``type`` value.

    Args:
        kind: A registered name, a class, or anything else.
        registry (Registry): Where a name is looked up (with its scope's
            parents, as building would).

    Returns:
        type, optional: The class; None when the name is not registered
        or ``kind`` is neither a name nor a class.
    """
    if isinstance(kind, str):
        kind = registry.get(kind)
    return kind if isinstance(kind, type) else None


def is_config_of(cfg: Any, base: type, registry: Registry) -> bool:
    """Whether ``cfg`` is a dict whose ``type`` builds a ``base``.

    Args:
        cfg: A config entry (``dict(type=..., ...)``) or anything else.
        base (type): The class asked about; subclasses count.
        registry (Registry): Where a type name is looked up.

    Returns:
        bool: True for a dict whose type is ``base`` or a subclass.
    """
    if not isinstance(cfg, dict):
        return False
    cls = resolve_type(cfg.get('type'), registry)
    return cls is not None and issubclass(cls, base)
