# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Count (or forbid) host reads of tensor values in a block of code.

Used by ``tools/benchmark.py`` and by the tests that keep training steps
free of device-to-host synchronisation.
"""
from typing import Callable, Dict

import torch

__all__ = ['HostReadCounter']

_HOST_READS = ('item', 'tolist', 'cpu', 'numpy', '__bool__', '__float__',
               '__int__')
_MISSING = object()


class HostReadCounter:
    """Count (or forbid) Python-level reads of tensor values by the host.

    While active, ``torch.Tensor.item``, ``tolist``, ``cpu``, ``numpy`` and
    the ``bool`` / ``float`` / ``int`` conversions are wrapped. On a GPU
    each of these is a device-to-host synchronisation; on the CPU they are
    where a GPU run would synchronise, so counting them on the CPU shows a
    step path's syncs without a GPU. Reads made inside C++ (e.g. by
    ``torch.bincount`` on CUDA) are not seen; ``set_sync_debug_mode`` on a
    GPU sees those.

    Args:
        forbid (bool): Raise ``RuntimeError`` on a read instead of
            counting it. Defaults to False.

    Example:
        >>> with HostReadCounter() as reads:
        ...     torch.ones(2).sum().item()
        >>> reads.count
        1
    """

    def __init__(self, forbid: bool = False) -> None:
        self.forbid = forbid
        self.count = 0
        self.calls: Dict[str, int] = {}
        self._saved: Dict[str, object] = {}

    def _wrap(self, name: str, original: Callable) -> Callable:

        def wrapper(tensor, *args, **kwargs):
            if self.forbid:
                raise RuntimeError(f'host read: Tensor.{name} in a step '
                                   'that must stay on the device')
            self.count += 1
            self.calls[name] = self.calls.get(name, 0) + 1
            return original(tensor, *args, **kwargs)

        return wrapper

    def __enter__(self) -> 'HostReadCounter':
        for name in _HOST_READS:
            self._saved[name] = torch.Tensor.__dict__.get(name, _MISSING)
            setattr(torch.Tensor, name,
                    self._wrap(name, getattr(torch.Tensor, name)))
        return self

    def __exit__(self, *exc) -> None:
        for name, original in self._saved.items():
            if original is _MISSING:
                delattr(torch.Tensor, name)
            else:
                setattr(torch.Tensor, name, original)
        self._saved.clear()
