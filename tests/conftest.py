# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Shared test set-up.

``aclnet_mm`` is imported before any test module so that its one shim (the
DRN module missing from the mmaction2 1.2.0 wheel) is in place before a
test imports ``mmaction.models``, as ``custom_imports`` arranges for real
configs.
"""
import functools
import http.server
import os
import threading
import time

# The test models are tiny: one thread each is faster than two fighting
# over CI's two cores, and subprocess tests (torchrun, tools) inherit it.
os.environ.setdefault('OMP_NUM_THREADS', '1')

import pytest  # noqa: E402
import torch  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import aclnet_mm  # noqa: F401,E402

# Property-based tests: the same examples on every run (CI must not fail
# by chance), no per-example deadline (CI's two cores are shared), and no
# example database written into the work tree.
settings.register_profile(
    'aclnet-mm',
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile('aclnet-mm')


@pytest.fixture
def run_ranks():
    """Run ``fn(rank, *args)`` in several processes, and fail, not hang.

    ``torch.multiprocessing.start_processes(join=True)`` waits forever; a
    rank stuck in a collective or in gloo's teardown would hold CI until
    its time limit. This joins with a deadline, kills the ranks left and
    fails the test naming them.

    Returns:
        Callable: ``run(fn, args, nprocs=2, timeout=120,
        start_method='fork')``; a rank's exception is re-raised as
        ``ProcessRaisedException``.
    """

    def run(fn, args, nprocs=2, timeout=120., start_method='fork'):
        context = mp.start_processes(
            fn,
            args=args,
            nprocs=nprocs,
            join=False,
            start_method=start_method)
        deadline = time.monotonic() + timeout
        while not context.join(timeout=1.):
            if time.monotonic() > deadline:
                stuck = [
                    rank for rank, process in enumerate(context.processes)
                    if process.is_alive()
                ]
                for rank in stuck:
                    context.processes[rank].kill()
                pytest.fail(f'ranks {stuck} of {nprocs} still running after '
                            f'{timeout:.0f} s: killed')

    return run


class OffHostTensor(torch.Tensor):
    """A tensor the host cannot read directly, as a CUDA tensor.

    Stands for what ``torch.load(..., map_location='cuda')`` returns, on a
    CPU-only machine: it lives on the ``meta`` device, so ``.numpy()`` and
    ``torch.set_rng_state`` refuse it as they refuse a CUDA tensor, while
    ``.cpu()`` / ``.to('cpu')`` give back its data (and a deep copy keeps
    it). Any other operation raises.
    """

    __torch_function__ = torch._C._disabled_torch_function_impl

    @staticmethod
    def __new__(cls, data):
        tensor = torch.Tensor._make_wrapper_subclass(
            cls, data.shape, dtype=data.dtype, device='meta')
        tensor.host_data = data.detach().clone()
        return tensor

    def __repr__(self):
        return f'OffHostTensor({self.host_data!r})'

    def __deepcopy__(self, memo):
        return OffHostTensor(self.host_data)

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if (func is torch.ops.aten._to_copy.default
                and kwargs.get('device') == torch.device('cpu')):
            return args[0].host_data.to(
                dtype=kwargs.get('dtype') or args[0].dtype, copy=True)
        raise RuntimeError(f'{func} on an off-host tensor: copy it to the '
                           'host first')


def to_off_host(value):
    """``value`` with every tensor in its dicts, lists and tuples turned
    into an :class:`OffHostTensor`."""
    if isinstance(value, torch.Tensor):
        return OffHostTensor(value)
    if isinstance(value, dict):
        return type(value)((k, to_off_host(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(to_off_host(v) for v in value)
    return value


@pytest.fixture
def off_host():
    """:func:`to_off_host`: what a checkpoint loaded with a GPU
    ``map_location`` holds, reproduced on a CPU-only machine."""
    return to_off_host


@pytest.fixture
def serve_dir(tmp_path, monkeypatch):
    """Serve ``tmp_path / 'served'`` over HTTP on localhost, in a thread.

    Downloads of ``http://`` checkpoints go to a torch hub cache under
    ``tmp_path`` (``TORCH_HOME``), not the user's.

    Returns:
        tuple: ``(directory, base_url)``.
    """
    served = tmp_path / 'served'
    served.mkdir()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))

    class Quiet(http.server.SimpleHTTPRequestHandler):

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
